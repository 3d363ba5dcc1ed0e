"""Raw mail bytes -> ``ParsedMail``: pure, no database, no settings (callers pass them in).

The stdlib parser is used with ``compat32`` for the MIME structure only: it never raises on
broken input, keeps 8-bit header bytes recoverable, and never turns a header into an object
that decodes Japanese its own (wrong) way. Every header and body is decoded by our own layer
(``headers``, ``decode``, ``mime``), which knows how Japanese mailers really write.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

from .bounce import (
    BounceInfo,
    bounce_info,
    is_daemon_address,
    looks_like_bounce_text,
    unstandard_bounce,
)
from .carrier import carrier_emoji, carrier_of
from .feedback import FeedbackInfo, feedback_info
from .headers import (
    decode_header_value,
    normalise_whitespace,
    parameter_text,
    parse_addresses,
    parse_date,
    parse_message_ids,
    parse_parameters,
)
from .htmltext import html_to_text, sanitise_html
from .mime import MimeWalker, ParsedAttachment, first_headers

HEADERS_OF_INTEREST = (
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "Return-Path",
    "Content-Type",
    "X-Failed-Recipients",
)

# What str.rstrip() takes off each line (\s is str.isspace() in re), in one pass in C.
_TRAILING_WHITESPACE = re.compile(r"[^\S\n]+(?=\n|\Z)")
_HEADERS_OF_INTEREST_KEYS = tuple((name, name.lower()) for name in HEADERS_OF_INTEREST)


class NotAMail(ValueError):
    """The bytes are not a mail at all (as opposed to a broken mail, which parses)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    sender: str
    sender_name: str
    reply_to: str
    to: list[str]
    cc: list[str]
    date: datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment]
    headers_of_interest: dict[str, str]
    bounce: BounceInfo | None
    ticket_reference: str
    # Ids from In-Reply-To/References under our own domain: the mail answers one of ours.
    our_message_ids: list[str]
    defects: list[str]
    sha256: str
    feedback: FeedbackInfo | None = None  # an abuse, feedback-loop or DMARC report

    def summary(self) -> dict[str, Any]:
        """Everything but the attachment bytes, as JSON-ready values."""
        return {
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "subject": self.subject,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "reply_to": self.reply_to,
            "to": list(self.to),
            "cc": list(self.cc),
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "html": self.html,
            "attachments": [attachment.summary() for attachment in self.attachments],
            "headers_of_interest": dict(self.headers_of_interest),
            "bounce": self.bounce.as_dict() if self.bounce else None,
            "ticket_reference": self.ticket_reference,
            "our_message_ids": list(self.our_message_ids),
            "defects": list(self.defects),
            "sha256": self.sha256,
            "feedback": self.feedback.as_dict() if self.feedback else None,
        }


_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BOM = b"\xef\xbb\xbf"


def _mail_bytes(raw: bytes, defects: list[str]) -> bytes:
    """The bytes from the header block on, or NotAMail if there is no header block."""
    if not raw.strip():
        raise NotAMail("empty input")
    data = raw
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
        defects.append("byte order mark before the headers removed")
    if data.startswith(b"From ") and not data.startswith(b"From :"):
        data = data.partition(b"\n")[2]  # an mbox separator line, not a header
    if data[:1] in (b"\r", b"\n"):
        data = data.lstrip(b"\r\n")
        defects.append("blank lines before the headers removed")
    if not _HEADER_LINE.match(data):
        raise NotAMail("no header block: the first line is not a header field")
    end = _HEADER_END.search(data)
    header_block = data[: end.start()] if end else data
    if b"\x00" in header_block:
        raise NotAMail("binary data: NUL bytes in the header block")
    return data


# A lone CR ends a header line for the stdlib parser too.
_MULTIPART_OR_MESSAGE = re.compile(
    rb"(?:^|\r)content-type:[ \t]*(?:(?:\r\n|\r|\n)[ \t]+)?(?:multipart|message)/", re.I | re.M
)


def _message(data: bytes) -> Message:
    """The stdlib's message tree of ``data``. Most mail is a single part: then only the header
    block goes through the parser, which would otherwise walk the body line by line just to
    join it again. The result is the same; anything unusual takes the full parse."""
    end = _HEADER_END.search(data)
    if end is not None and not _MULTIPART_OR_MESSAGE.search(data, 0, end.start()):
        message = BytesParser(policy=compat32).parsebytes(data[: end.end()], headersonly=True)
        # The header block held only headers (the stdlib keeps the unparsed rest in _payload).
        if not message._payload and not message.defects:  # type: ignore[attr-defined]
            message.set_payload(data[end.end() :].decode("ascii", "surrogateescape"))
            return message
    return BytesParser(policy=compat32).parsebytes(data)


def _addresses(headers: dict[str, str], name: str, defects: list[str]) -> list[tuple[str, str]]:
    return parse_addresses(headers[name], defects) if name in headers else []


def _sender(headers: dict[str, str], defects: list[str]) -> tuple[str, str]:
    """(name, address) of whoever can be answered: From, else Sender, else Reply-To, else the
    envelope sender the delivering MTA wrote into Return-Path; ("", "") when none exists."""
    for name in ("from", "sender", "reply-to", "return-path"):
        found = [pair for pair in _addresses(headers, name, defects) if "@" in pair[1]]
        if found:
            if name != "from":
                defects.append(f"no sender address in From: {name} used")
            return found[0]
    defects.append("no sender address in From, Sender, Reply-To or Return-Path")
    return "", ""


def parse_mail(
    raw: bytes, *, our_domain: str = "helpdesk.example.jp", reference_prefix: str = "NP"
) -> ParsedMail:
    """Parse one mail. Raises ``NotAMail`` only for input that is no mail at all; a broken
    mail is repaired as far as possible and the repairs are listed in ``defects``."""
    raw = bytes(raw)
    defects: list[str] = []
    message = _message(_mail_bytes(raw, defects))
    headers = first_headers(message)
    if not {"from", "message-id", "subject"} & headers.keys():
        raise NotAMail("no From, Message-ID or Subject header")

    sender_name, sender = _sender(headers, defects)
    carrier = carrier_of(sender)
    subject = decode_header_value(headers.get("subject", ""), defects, carrier=carrier)
    subject = normalise_whitespace(subject)
    reply_to = _addresses(headers, "reply-to", defects)
    message_ids = parse_message_ids(headers.get("message-id", ""))
    in_reply_to = parse_message_ids(headers.get("in-reply-to", ""))
    references = parse_message_ids(headers.get("references", ""))
    domain_suffix = f"@{our_domain.lower()}>"
    ours = [
        message_id
        for message_id in dict.fromkeys([*in_reply_to, *references])
        if message_id.lower().endswith(domain_suffix)
    ]
    date = parse_date(headers["date"]) if "date" in headers else None
    if "date" in headers and date is None:
        defects.append("unreadable Date header")

    to = list(dict.fromkeys(address for _name, address in _addresses(headers, "to", defects)))
    walker = MimeWalker(defects, carrier=carrier)
    walker.walk(message)
    text = "\n".join(part.strip("\n") for part in walker.texts if part.strip())
    html = sanitise_html("\n".join(walker.htmls)) if walker.htmls else ""
    if not text.strip() and walker.htmls:
        text = html_to_text("\n".join(walker.htmls))
    text = _TRAILING_WHITESPACE.sub("", text).strip("\n")
    if carrier:  # decomail HTML may also write emoji as character references
        text, html = carrier_emoji(text, carrier), carrier_emoji(html, carrier)
        sender_name = carrier_emoji(sender_name, carrier)

    interesting = {
        name: normalise_whitespace(decode_header_value(headers[key]))
        for name, key in _HEADERS_OF_INTEREST_KEYS
        if key in headers
    }
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=references,
        subject=subject,
        sender=sender,
        sender_name=sender_name,
        reply_to=reply_to[0][1] if reply_to else "",
        to=to,
        cc=list(dict.fromkeys(address for _name, address in _addresses(headers, "cc", defects))),
        date=date,
        text=text,
        html=html,
        attachments=walker.attachments,
        headers_of_interest=interesting,
        bounce=_bounce(walker, interesting, subject=subject, text=text, sender=sender, to=to),
        ticket_reference=ticket_reference(subject, prefix=reference_prefix),
        our_message_ids=ours,
        defects=list(dict.fromkeys(defects)),
        sha256=hashlib.sha256(raw).hexdigest(),
        feedback=_feedback(
            walker, interesting, subject=subject, text=text, sender=sender, ours=our_domain
        ),
    )


def _feedback(
    walker: MimeWalker,
    headers: dict[str, str],
    *,
    subject: str,
    text: str,
    sender: str,
    ours: str,
) -> FeedbackInfo | None:
    if not walker.attachments:  # every kind of report carries a part beside its text
        return None
    content_type, parameters = parse_parameters(headers.get("Content-Type", ""))
    report_type = parameter_text(parameters, "report-type").lower()
    auto_submitted = headers.get("Auto-Submitted", "no").partition(";")[0].strip().lower()
    bounce_like = bool(walker.delivery_status) or report_type in (
        "delivery-status",
        "disposition-notification",
    )
    bounce_like = bounce_like or sender.partition("@")[0] == "mailer-daemon"
    attachment_types = [attachment.content_type for attachment in walker.attachments]
    if not bounce_like and "message/rfc822" in attachment_types:  # only then does it matter
        bounce_like = looks_like_bounce_text(subject, text)
    return feedback_info(
        content_type=content_type,
        report_type=report_type,
        bounce_like=bounce_like,
        feedback_fields=walker.feedback_fields,
        original_headers=walker.original_headers,
        attachment_types=attachment_types,
        subject=subject,
        sender=sender,
        automated=auto_submitted != "no" or headers.get("Return-Path", "").strip() == "<>",
        our_domain=ours,
    )


def _bounce(
    walker: MimeWalker,
    headers: dict[str, str],
    *,
    subject: str,
    text: str,
    sender: str,
    to: list[str],
) -> BounceInfo | None:
    content_type, parameters = parse_parameters(headers.get("Content-Type", ""))
    is_report = content_type == "multipart/report" and (
        parameter_text(parameters, "report-type").lower() in ("delivery-status", "")
    )
    # A customer may attach a delivery report to ask why their mail bounced; only a report
    # from a null sender counts as one addressed to us.
    null_sender = headers.get("Return-Path", "").replace(" ", "") == "<>"
    if not (
        is_report
        or is_daemon_address(sender)
        or "X-Failed-Recipients" in headers
        or (null_sender and (walker.delivery_status or looks_like_bounce_text(subject, text)))
    ):
        return unstandard_bounce(
            subject=subject, text=text, sender=sender, ignored_addresses=frozenset(to)
        )
    return bounce_info(
        delivery_status="\n\n".join(walker.delivery_status),
        original_headers="\n".join(walker.original_headers),
        body_text=text,
        failed_recipients_header=headers.get("X-Failed-Recipients", ""),
        ignored_addresses=frozenset([sender, *to]),
    )


def ticket_reference(subject: str, *, prefix: str) -> str:
    """``NP-000123`` from a ``[NP-000123]`` tag, also when retyped in full-width characters."""
    pattern = rf"\[\s*{re.escape(prefix)}\s*-\s*(\d{{1,12}})\s*\]"
    match = re.search(pattern, unicodedata.normalize("NFKC", subject), re.IGNORECASE)
    return f"{prefix}-{int(match.group(1)):06d}" if match else ""
