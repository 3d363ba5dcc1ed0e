"""The dry-run summary: what intake would make of a mail, as one JSON-ready dict, without
touching the database (``ingest_email --dry-run --json`` and the intake endpoint's dry run)."""

from __future__ import annotations

from typing import Any

from .classify import INVALID, classify
from .containment import MailUnprocessable, parse_contained
from .parse import NotAMail


def _invalid(reason: str) -> dict[str, Any]:
    return {
        "kind": INVALID,
        "sender": "",
        "sender_name": "",
        "subject": "",
        "text": "",
        "attachments": [],
        "reason": reason,
    }


def dry_run_summary(
    raw: bytes, *, our_domain: str = "helpdesk.example.jp", reference_prefix: str = "NP"
) -> dict[str, Any]:
    """What intake would make of ``raw`` (``ingest_email --dry-run --json``); never raises."""
    try:
        # The same budget as intake: a poison mail is reported, not parsed for minutes.
        parsed = parse_contained(raw, our_domain=our_domain, reference_prefix=reference_prefix)
        classification = classify(parsed)
    except MailUnprocessable as error:
        # The dry run's kind already says "invalid"; the parser's own words are the reason.
        cause = error.__cause__
        return _invalid(cause.reason if isinstance(cause, NotAMail) else error.reason)
    except Exception as error:  # the dry run must answer for any input, even a parser bug
        return _invalid(f"unexpected error while parsing: {type(error).__name__}: {error}")
    return {
        "kind": classification.kind,
        "sender": parsed.sender,
        "sender_name": parsed.sender_name,
        "subject": parsed.subject,
        "text": parsed.text,
        "attachments": [
            {"filename": item.filename, "content_type": item.content_type, "size": item.size}
            for item in parsed.attachments
        ],
        "reason": classification.reason,
    }
