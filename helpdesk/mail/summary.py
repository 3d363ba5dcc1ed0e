"""The dry-run summary: what intake would make of a mail, as one JSON-ready dict, without
touching the database (``ingest_email --dry-run --json`` and the intake endpoint's dry run)."""

from __future__ import annotations

from typing import Any

from .classify import INVALID, classify
from .parse import NotAMail, parse_mail


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
        parsed = parse_mail(raw, our_domain=our_domain, reference_prefix=reference_prefix)
        classification = classify(parsed)
    except NotAMail as error:
        return _invalid(error.reason)
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
