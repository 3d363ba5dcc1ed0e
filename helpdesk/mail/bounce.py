"""What a bounce says: which of our mails failed, for whom, and why.

Standard bounces are RFC 3464 reports (``multipart/report`` with a ``message/delivery-status``
part and the returned mail or its headers). Many MTAs still send plain-text bounces from
MAILER-DAEMON with the original headers quoted in the body, so those are read too, by
pattern. Pure functions over decoded text: the MIME walk happens in ``parse``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .headers import parse_message_ids


def is_daemon_address(address: str) -> bool:
    """MAILER-DAEMON or postmaster: the senders of delivery reports."""
    return address.strip().strip("<>").partition("@")[0].lower() in ("mailer-daemon", "postmaster")


@dataclass(frozen=True)
class BounceInfo:
    original_message_id: str = ""
    failed_recipients: list[str] = field(default_factory=list)
    status: str = ""  # RFC 3463 enhanced status code, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words, e.g. "550 5.1.1 User unknown"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_FOLDED_LINE = re.compile(r"\n[ \t]+")
_FIELD = re.compile(r"^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$")
_BLOCK_SEPARATOR = re.compile(r"\n[ \t]*\n")


def delivery_status_fields(text: str) -> list[dict[str, str]]:
    """The blocks of a delivery-status body (per-message, then one per recipient), each as
    lower-cased field name -> value."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[dict[str, str]] = []
    for block in _BLOCK_SEPARATOR.split(text):
        fields: dict[str, str] = {}
        for line in _FOLDED_LINE.sub(" ", block).split("\n"):
            match = _FIELD.match(line.strip())
            if match:
                fields.setdefault(match.group(1).lower(), match.group(2).strip())
        if fields:
            blocks.append(fields)
    return blocks


_QUOTED_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*\n?[ \t>]*(<[^<>\s]+>)", re.I | re.M)
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_SMTP_REPLY = re.compile(r"(?<!\d)[45]\d\d[ -]\S.*")
_ADDRESS = r"[^\s<>@:;,\"()]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_ADDRESS_LINE = re.compile(rf"^[ \t]*<?({_ADDRESS})>?[ \t]*(?::.*)?$", re.M)
_DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
_BOUNCE_PHRASES = re.compile(
    r"undeliver|undelivered mail|delivery status notification|delivery has failed|"
    r"mail delivery failed|returned mail|could not be delivered|failure notice|"
    r"delivery failure|user unknown|配信不能|配送エラー|配信エラー|配信できません|配送できません|"
    r"送信できませんでした|宛先不明|届きませんでした",
    re.I,
)


def looks_like_bounce_text(subject: str, text: str) -> bool:
    """A plain-text body or subject that reads like a delivery failure report."""
    return bool(_BOUNCE_PHRASES.search(subject) or _BOUNCE_PHRASES.search(text[:5000]))


def _address(value: str) -> str:
    # "rfc822; user@example.jp" -> "user@example.jp"
    return value.rpartition(";")[2].strip().strip("<>").lower()


def _diagnostic(value: str) -> str:
    return " ".join(value.rpartition(";")[2].split())[:300]


def bounce_info(
    *,
    delivery_status: str = "",
    original_headers: str = "",
    body_text: str = "",
    failed_recipients_header: str = "",
    ignored_addresses: frozenset[str] = frozenset(),
) -> BounceInfo:
    """Combine what a bounce offers, best source first: the delivery-status fields, the
    returned headers, then patterns in the human-readable text."""
    recipients: list[str] = []
    chosen: dict[str, str] = {}
    for fields in delivery_status_fields(delivery_status or body_text):
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if not recipient:
            continue  # the per-message block
        action = fields.get("action", "").lower()
        if action in ("", "failed"):
            recipients.append(_address(recipient))
        # A delay warning for one recipient must not hide the failure of another.
        if not chosen or (action == "failed" and chosen.get("action", "").lower() != "failed"):
            chosen = fields
    status = (chosen.get("status", "").split() or [""])[0]
    diagnostic = _diagnostic(chosen.get("diagnostic-code", ""))
    original = ""
    for source in (original_headers, body_text):
        match = _QUOTED_MESSAGE_ID.search(source)
        if match:
            original = parse_message_ids(match.group(1))[0]
            break
    if not recipients and failed_recipients_header:
        recipients = [_address(part) for part in failed_recipients_header.split(",")]
    if not recipients:
        # Guessing from free text: never the report's own sender or recipients (that is us).
        recipients = [
            address.lower()
            for address in _ADDRESS_LINE.findall(body_text[:20000])
            if address.split("@")[0].lower() not in _DAEMON_LOCAL_PARTS
            and address.lower() not in ignored_addresses
        ]
    if not status:
        match = _STATUS.search(body_text)
        status = match.group(1) if match else ""
    if not diagnostic:
        match = _SMTP_REPLY.search(body_text)
        diagnostic = " ".join(match.group(0).split())[:300] if match else ""
    return BounceInfo(
        original_message_id=original,
        failed_recipients=list(dict.fromkeys(address for address in recipients if address)),
        status=status,
        diagnostic=diagnostic,
    )
