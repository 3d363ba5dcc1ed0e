"""The MIME walk: body text, sanitised HTML and attachments from a parsed message tree.

``multipart/alternative`` gives ``text`` from its plain part (what the sender wrote) and keeps
the HTML for display; an attached ``message/rfc822`` becomes an ``.eml`` attachment and its
text stays out of the body; delivery reports are collected for the bounce reader.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from .decode import decode_bytes
from .headers import (
    decode_header_value,
    normalise_whitespace,
    parameter_text,
    parse_parameters,
    raw_bytes,
    sanitise_filename,
    unfold,
)
from .transfer import decode_transfer_encoding

# Headers are written back as they came (no refolding), with the canonical CRLF line ends.
_SERIALISATION_POLICY = compat32.clone(linesep="\r\n", max_line_length=None)
MAX_DEPTH = 20  # MIME nesting beyond this is an attack or a loop, not a customer's mail
MAX_PARTS = 500


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    size: int
    content_id: str  # without angle brackets, as an HTML part refers to it: "cid:<content_id>"
    inline: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "content_id": self.content_id,
            "inline": self.inline,
            "sha256": self.sha256,
        }


def first_headers(message: Message) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key[-1:] in (" ", "\t"):  # "Subject :" - rare, so not stripped every time
            key = key.strip()
        if key not in headers:
            headers[key] = value
    return headers


_FIELD_REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/global-disposition-notification",
    "message/feedback-report",
}
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_STDLIB_DEFECTS = {
    "StartBoundaryNotFoundDefect": "multipart boundary not found",
    "CloseBoundaryNotFoundDefect": "multipart closing boundary missing",
    "NoBoundaryInMultipartDefect": "multipart without a boundary",
    "MissingHeaderBodySeparatorDefect": "a line in the headers was not a header",
    "MultipartInvariantViolationDefect": "multipart type without parts",
    "FirstHeaderLineIsContinuationDefect": "first header line was a continuation",
    "MisplacedEnvelopeHeaderDefect": "envelope header in the wrong place",
}
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def _unflow(text: str, *, delete_space: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines back into paragraphs."""
    out: list[str] = []
    paragraph: str | None = None
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content.removeprefix(" ")  # space-stuffing
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        if paragraph is not None and depth == paragraph_depth:
            paragraph += content
        else:
            if paragraph is not None:
                out.append(">" * paragraph_depth + (" " if paragraph_depth else "") + paragraph)
            paragraph, paragraph_depth = content, depth
        if not flowed:
            out.append(">" * depth + (" " if depth else "") + paragraph)
            paragraph = None
    if paragraph is not None:
        out.append(">" * paragraph_depth + (" " if paragraph_depth else "") + paragraph)
    return "\n".join(out)


class MimeWalker:
    """Collects body text, HTML, attachments and bounce material from a MIME tree."""

    def __init__(self, defects: list[str], *, carrier: str = "") -> None:
        self.defects = defects
        self.carrier = carrier  # a phone's emoji are read as its carrier meant them
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.delivery_status: list[str] = []
        self.feedback_fields: list[str] = []  # message/feedback-report parts (ARF, RFC 5965)
        self.original_headers: list[str] = []
        self.parts_seen = 0

    def walk(self, part: Message, depth: int = 0, default_type: str = "text/plain") -> None:
        self.parts_seen += 1
        if depth > MAX_DEPTH or self.parts_seen > MAX_PARTS:
            self.defects.append("MIME structure too deep or too large: the rest was skipped")
            return
        for defect in getattr(part, "defects", ()):
            name = type(defect).__name__
            self.defects.append(_STDLIB_DEFECTS.get(name, f"MIME: {name}"))
        headers = first_headers(part)
        content_type, parameters = parse_parameters(headers.get("content-type", ""))
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = default_type
        # Not get_payload(): it re-decodes 8-bit bytes with the declared charset and "replace",
        # destroying exactly the bytes whose charset lies.
        payload = part._payload  # type: ignore[attr-defined]  # the stdlib keeps it private
        if isinstance(payload, list):
            if content_type in _FIELD_REPORT_TYPES:
                self._field_report(payload, content_type, headers)
            elif content_type.startswith("message/"):
                self._attached_message(payload, headers)
            elif content_type == "multipart/alternative":
                self._alternative(payload, depth)
            else:
                child_type = (
                    "message/rfc822" if content_type == "multipart/digest" else "text/plain"
                )
                for child in payload:
                    self.walk(child, depth + 1, child_type)
            return
        if content_type.startswith("multipart/"):
            self.defects.append("multipart part without parts read as text")
            content_type = "text/plain"
        self._leaf(raw_bytes(payload or ""), content_type, parameters, headers)

    def _alternative(self, children: list[Message], depth: int) -> None:
        # Prefer the plain text the sender wrote for `text`, keep the richest HTML for display.
        outer_texts, outer_htmls = self.texts, self.htmls
        branches: list[tuple[list[str], list[str]]] = []
        for child in children:
            self.texts, self.htmls = [], []
            self.walk(child, depth + 1)
            branches.append((self.texts, self.htmls))
        self.texts, self.htmls = outer_texts, outer_htmls
        texts = next((texts for texts, _html in branches if any(t.strip() for t in texts)), [])
        htmls = next((htmls for _text, htmls in reversed(branches) if htmls), [])
        self.texts.extend(texts)
        self.htmls.extend(htmls)

    def _field_report(
        self, blocks: list[Message], content_type: str, headers: dict[str, str]
    ) -> None:
        # The parser reads these as header blocks (delivery-status) or as a message whose
        # "headers" are the report fields (the others); either way the fields are the content.
        text = "\n\n".join(
            "\n".join(f"{name}: {decode_header_value(value)}" for name, value in block.raw_items())
            for block in blocks
        )
        if content_type.endswith("delivery-status"):
            self.delivery_status.append(text)
        elif content_type == "message/feedback-report":
            self.feedback_fields.append(text)
        name = content_type.partition("/")[2].removeprefix("global-")
        self._add_attachment(text.encode(), content_type, headers, f"{name}.txt")

    def _attached_message(self, payload: list[Message], headers: dict[str, str]) -> None:
        inner = payload[0] if payload else Message()
        try:
            content = inner.as_bytes(policy=_SERIALISATION_POLICY)
        except (ValueError, TypeError, LookupError, UnicodeError):
            content = b""
            self.defects.append("attached message could not be re-serialised")
        encoding = unfold(headers.get("content-transfer-encoding", "")).decode("ascii", "replace")
        if encoding.strip().lower() in ("base64", "quoted-printable"):
            # Forbidden for message/rfc822 but sent anyway: what the parser took for the
            # attached message was its encoding, so decode that and read the headers again.
            content, _note = decode_transfer_encoding(content, encoding)
            inner = BytesHeaderParser(policy=compat32).parsebytes(content)
        self.original_headers.append(
            "\n".join(
                f"{name}: {unfold(value).decode('ascii', 'replace')}"
                for name, value in inner.raw_items()
            )
        )
        subject = decode_header_value(first_headers(inner).get("subject", ""))
        name = sanitise_filename(normalise_whitespace(subject), fallback="message")[:100]
        self._add_attachment(content, "message/rfc822", headers, f"{name}.eml")

    def _leaf(
        self,
        payload: bytes,
        content_type: str,
        parameters: Mapping[str, bytes],
        headers: dict[str, str],
    ) -> None:
        encoding = unfold(headers.get("content-transfer-encoding", "")).decode("ascii", "replace")
        content, note = decode_transfer_encoding(payload, encoding)
        if note:
            self.defects.append(f"{content_type}: {note}")
        disposition, disposition_parameters = parse_parameters(
            headers.get("content-disposition", "")
        )
        filename = parameter_text(disposition_parameters, "filename", self.defects)
        filename = filename or parameter_text(parameters, "name", self.defects)
        is_body = content_type in ("text/plain", "text/html")
        if is_body and disposition != "attachment" and not filename:
            text = self._text(content, content_type, parameters)
            (self.htmls if content_type == "text/html" else self.texts).append(text)
            return
        if content_type in ("text/rfc822-headers", "message/global-headers"):
            self.original_headers.append(decode_bytes(content, None).text)
            filename = filename or "original-headers.txt"
        self._add_attachment(content, content_type, headers, filename, disposition)

    def _text(self, content: bytes, content_type: str, parameters: Mapping[str, bytes]) -> str:
        label = parameter_text(parameters, "charset") or None
        if label is None and content_type == "text/html":
            meta = _META_CHARSET.search(content[:4096])
            label = meta.group(1).decode("ascii") if meta else None
        decoded = decode_bytes(content, label, carrier=self.carrier)
        if decoded.repair:
            self.defects.append(f"{content_type}: {decoded.repair}")
        text = _clean_text(decoded.text)
        if parameter_text(parameters, "format").lower() == "flowed":
            delete_space = parameter_text(parameters, "delsp").lower() == "yes"
            text = _unflow(text, delete_space=delete_space)
        return text

    def _add_attachment(
        self,
        content: bytes,
        content_type: str,
        headers: dict[str, str],
        filename: str,
        disposition: str = "",
    ) -> None:
        extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
        fallback = f"attachment-{len(self.attachments) + 1}{extension}"
        content_id = unfold(headers.get("content-id", "")).decode("ascii", "replace")
        content_id = content_id.strip().strip("<>").strip()
        self.attachments.append(
            ParsedAttachment(
                filename=sanitise_filename(filename, fallback=fallback),
                content_type=content_type,
                content=content,
                size=len(content),
                content_id=content_id,
                inline=disposition == "inline" or (not disposition and bool(content_id)),
            )
        )
