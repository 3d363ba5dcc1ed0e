"""Content-Transfer-Encoding, decoded as far as it goes: a damaged part never raises.

Mail from old gateways and hand-rolled scripts carries base64 with garbage characters, missing
padding or a cut-off tail, and quoted-printable with invalid escapes. What can be read is kept,
and a note says what was repaired.
"""

from __future__ import annotations

import binascii
import re

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(set(range(256)) - set(_BASE64_ALPHABET + b"="))
_WHITESPACE = b" \t\r\n"
_PADDING = re.compile(rb"=+")


def decode_base64(data: bytes) -> tuple[bytes, str]:
    """Decode base64 as far as it goes: garbage skipped, padding fixed, a truncated tail kept."""
    cleaned = data.translate(None, _NOT_BASE64)
    repairs: list[str] = []
    garbage = len(data.translate(None, _WHITESPACE)) - len(cleaned)
    if garbage:
        repairs.append(f"{garbage} invalid characters skipped in base64")
    out: list[bytes] = []
    unpadded = cleaned.rstrip(b"=")
    # Some encoders base64 each line on its own, so padding can appear mid-stream.
    chunks = _PADDING.split(unpadded) if b"=" in unpadded else [unpadded]
    for chunk in chunks:
        if not chunk:
            continue
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]
            repairs.append("truncated base64")
        if len(chunk) % 4:
            chunk += b"=" * (-len(chunk) % 4)
        out.append(binascii.a2b_base64(chunk))
    return b"".join(out), "; ".join(dict.fromkeys(repairs))


def decode_transfer_encoding(payload: bytes, encoding: str) -> tuple[bytes, str]:
    """The content bytes of a part, and a note when the transfer encoding was broken."""
    encoding = encoding.strip().lower()
    if encoding == "base64":
        return decode_base64(payload)
    if encoding in ("quoted-printable", "quoted_printable", "qp"):
        # a2b_qp is lenient: invalid escapes like "=ZZ" stay as they were sent.
        return binascii.a2b_qp(payload), ""
    if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _decode_uuencode(payload)
    if encoding in ("", "7bit", "8bit", "binary", "none", "7-bit", "8-bit"):
        return payload, ""
    return payload, f"unknown transfer encoding {encoding[:40]!r} left as is"


def _decode_uuencode(payload: bytes) -> tuple[bytes, str]:
    out: list[bytes] = []
    for line in payload.splitlines():
        if not line.strip() or line.startswith((b"begin ", b"end")):
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            return b"".join(out), "broken uuencode"
    return b"".join(out), ""
