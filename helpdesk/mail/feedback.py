"""What an abuse or feedback report says: which of our mails someone complained about.

Three shapes arrive at a desk's address: ARF reports (RFC 5965, ``multipart/report;
report-type=feedback-report``; DMARC failure reports are ARF with ``Feedback-Type:
auth-failure``, RFC 6591), DMARC aggregate reports (RFC 7489: a zipped XML file under the
subject "Report Domain: ... Submitter: ..."), and providers' feedback loops that forward the
complained-about mail as ``message/rfc822`` with a short note. None of them is an inquiry.
Pure functions over what the MIME walk collected; no Django.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .headers import parse_addresses, parse_message_ids

ABUSE, AUTH_FAILURE, DMARC_AGGREGATE, COMPLAINT = (
    "abuse",
    "auth-failure",
    "dmarc-aggregate",
    "complaint",
)
# Reports that say a recipient did not want the mail (as opposed to authentication results).
COMPLAINT_TYPES = frozenset({ABUSE, "fraud", "virus", "other", COMPLAINT})


@dataclass(frozen=True)
class FeedbackInfo:
    feedback_type: str  # ARF Feedback-Type, or dmarc-aggregate / complaint
    reported_addresses: list[str] = field(default_factory=list)  # whom our mail went to
    original_message_id: str = ""
    source_ip: str = ""
    reported_domain: str = ""
    user_agent: str = ""

    @property
    def is_complaint(self) -> bool:
        return self.feedback_type in COMPLAINT_TYPES

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELD = re.compile(r"^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$")


def _fields(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in re.sub(r"\n[ \t]+", " ", text.replace("\r\n", "\n")).split("\n"):
        match = _FIELD.match(line.strip())
        if match:
            found.setdefault(match.group(1).lower(), []).append(match.group(2).strip())
    return found


def _addresses(values: list[str]) -> list[str]:
    addresses = [address for value in values for _name, address in parse_addresses(value)]
    return list(dict.fromkeys(addresses))


def _first_id(values: list[str]) -> str:
    for value in values:
        ids = parse_message_ids(value)
        if ids:
            return ids[0]
    return ""


def _arf(report_text: str, original: dict[str, list[str]]) -> FeedbackInfo:
    fields = _fields(report_text)
    feedback_type = (fields.get("feedback-type") or ["other"])[0].lower().split()[0]
    recipients = _addresses(
        fields.get("original-rcpt-to", []) + fields.get("removal-recipient", [])
    )
    return FeedbackInfo(
        feedback_type=feedback_type[:30],
        reported_addresses=recipients or _addresses(original.get("to", [])),
        original_message_id=_first_id(original.get("message-id", [])),
        source_ip=(fields.get("source-ip") or [""])[0][:64],
        reported_domain=(fields.get("reported-domain") or [""])[0][:255],
        user_agent=(fields.get("user-agent") or [""])[0][:200],
    )


_DMARC_AGGREGATE_SUBJECT = re.compile(r"^\s*report\s+domain:\s*(\S+)\s+submitter:\s*\S+", re.I)
_AGGREGATE_FILE_TYPES = (
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-zip-compressed",
    "text/xml",
    "application/xml",
)
# Senders that run feedback loops, and the words their notes use, in English and Japanese.
_REPORTER_LOCAL_PART = re.compile(
    r"^(abuse|fbl|feedback(-?loop)?|complaints?|spam(-?report)?|scomp|arf|jmrp|staff|"
    r"postmaster)([-+.]|$)",
    re.I,
)
_COMPLAINT_SUBJECT = re.compile(
    r"complaint|abuse report|spam report|feedback[- ]loop|fbl report|迷惑メール(の)?(報告|申告)|"
    r"苦情(の)?(報告|通知)",
    re.I,
)
_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|転送)\s*[:：]", re.I)


def _is_ours(original: dict[str, list[str]], our_domain: str) -> bool:
    domain = f"@{our_domain.lower()}"
    ids = [i.lower() for i in parse_message_ids(" ".join(original.get("message-id", [])))]
    senders = _addresses(original.get("from", []))
    return any(i.endswith(f"{domain}>") for i in ids) or any(s.endswith(domain) for s in senders)


def feedback_info(
    *,
    content_type: str,
    report_type: str,
    feedback_fields: list[str],
    original_headers: list[str],
    attachment_types: list[str],
    subject: str,
    sender: str,
    automated: bool,
    bounce_like: bool,
    our_domain: str,
) -> FeedbackInfo | None:
    """The report in a mail, or None when the mail is no feedback report.

    ``automated``: the outer mail says it was sent by a program (Auto-Submitted, a null
    Return-Path). A person forwarding one of our mails to ask about it is not a report, and
    neither is a bounce returning it (``bounce_like``).
    """
    original = _fields(original_headers[0]) if original_headers else {}
    if feedback_fields or (content_type == "multipart/report" and report_type == "feedback-report"):
        return _arf("\n".join(feedback_fields), original)
    aggregate = _DMARC_AGGREGATE_SUBJECT.match(subject)
    if aggregate and any(kind in _AGGREGATE_FILE_TYPES for kind in attachment_types):
        return FeedbackInfo(feedback_type=DMARC_AGGREGATE, reported_domain=aggregate.group(1))
    if (
        "message/rfc822" in attachment_types
        and not bounce_like
        and not _FORWARD_PREFIX.match(subject)
        and _is_ours(original, our_domain)
        and (
            automated
            or _REPORTER_LOCAL_PART.match(sender.partition("@")[0])
            or _COMPLAINT_SUBJECT.search(subject)
        )
    ):
        return FeedbackInfo(
            feedback_type=COMPLAINT,
            reported_addresses=_addresses(original.get("to", [])),
            original_message_id=_first_id(original.get("message-id", [])),
        )
    return None
