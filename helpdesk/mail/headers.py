"""Header values from raw bytes: RFC 2047 words, RFC 2231 parameters, addresses, ids, dates.

The stdlib's header objects decode each encoded-word on its own and trust every label, which
garbles Japanese: a character split across two words, an ISO-2022-JP word holding UTF-8, raw
CP932 bytes in a Subject. So headers are taken as the raw bytes the parser kept (it keeps 8-bit
bytes as surrogate escapes) and decoded here with the charset layer in ``decode``.
"""

from __future__ import annotations

import binascii
import datetime
import email.utils
import functools
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import unquote_to_bytes

from .decode import charset_codec, decode_bytes
from .transfer import decode_base64

HeaderValue = str | bytes


def raw_bytes(value: HeaderValue) -> bytes:
    """The bytes behind a header value the parser decoded as ASCII with surrogate escapes."""
    if isinstance(value, bytes):
        return value
    # UTF-8 with surrogateescape gives back the original bytes of a parsed value and still
    # encodes a value that holds real (already decoded) characters.
    return value.encode("utf-8", "surrogateescape")


_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE_RUN = re.compile(r"[ \t\r\n\u00a0]+")


def unfold(value: HeaderValue) -> bytes:
    data = raw_bytes(value)
    if b"\n" not in data and b"\r" not in data:
        return data
    return _FOLD.sub(b"", data).replace(b"\r", b"").replace(b"\n", b"")


# An encoded-word that a mailer folded in the middle (inside the text, or even between its
# delimiters): the line break and the indentation around it belong to no character. Q words
# cannot hold a real space, B words none at all, so removing them restores the sender's word.
_FOLDED_ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?\s*[bBqQ]\s*\?[^?]*\?\s*=")
_FOLD_WHITESPACE = re.compile(rb"[ \t]*\r?\n[ \t]*")


def _join_folded_words(data: bytes) -> bytes:
    return _FOLDED_ENCODED_WORD.sub(lambda match: _FOLD_WHITESPACE.sub(b"", match.group()), data)


_ENCODED_WORD = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*)\?=")
_UNTERMINATED_WORD = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)$")


def _word_bytes(encoding: bytes, text: bytes) -> tuple[bytes, str]:
    if encoding in b"bB":
        return decode_base64(text)  # skips the spaces some mailers fold into long words
    return binascii.a2b_qp(text, header=True), ""


def decode_header_value(
    value: HeaderValue, repairs: list[str] | None = None, *, carrier: str = ""
) -> str:
    """Decode a raw header value to text (encoded-words, raw 8-bit bytes, raw JIS escapes).

    Adjacent encoded-words in the same charset are joined as bytes before decoding, because
    mailers split words in the middle of a multibyte character. Notes on what was repaired are
    appended to ``repairs``. ``carrier`` reads a phone's emoji (see ``decode.decode_bytes``).
    """
    if (
        isinstance(value, str)
        and value.isascii()
        and "=?" not in value
        and "\n" not in value
        and "\x1b" not in value
    ):
        # Most header values are plain ASCII on one line: no bytes round trip for them.
        return _CONTROL.sub("", value.replace("\t", " "))
    data = raw_bytes(value)
    if b"\n" in data:
        data = unfold(_join_folded_words(data) if b"=?" in data else data)
    elif b"\r" in data:
        data = unfold(data)
    if data.isascii() and b"=?" not in data and b"\x1b" not in data:
        return _CONTROL.sub("", data.decode("ascii").replace("\t", " "))
    pieces: list[tuple[str | None, bytes]] = []  # (charset label or None for plain text, bytes)
    position = 0
    for match in _ENCODED_WORD.finditer(data):
        gap = data[position : match.start()]
        # RFC 2047: whitespace between two encoded-words is not part of the text.
        if gap and not (pieces and pieces[-1][0] is not None and not gap.strip()):
            pieces.append((None, gap))
        label = match.group(1).decode("ascii", "replace").lower()
        content, note = _word_bytes(match.group(2), match.group(3))
        if note and repairs is not None:
            repairs.append(f"header: {note}")
        if (
            pieces
            and pieces[-1][0] is not None
            and charset_codec(pieces[-1][0]) == charset_codec(label)
        ):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + content)
        else:
            pieces.append((label, content))
        position = match.end()
    tail = data[position:]
    unterminated = _UNTERMINATED_WORD.search(tail)
    if unterminated:
        if unterminated.start():
            pieces.append((None, tail[: unterminated.start()]))
        content, _note = _word_bytes(unterminated.group(2), unterminated.group(3))
        pieces.append((unterminated.group(1).decode("ascii", "replace"), content))
        if repairs is not None:
            repairs.append("header: unterminated encoded-word decoded")
    elif tail:
        pieces.append((None, tail))
    texts: list[str] = []
    for label, content in pieces:
        decoded = decode_bytes(content, label, carrier=carrier)
        if decoded.repair and repairs is not None:
            repairs.append(f"header: {decoded.repair}")
        texts.append(decoded.text)
    text = _CONTROL.sub("", "".join(texts).replace("\t", " "))
    return unicodedata.normalize("NFC", text)


def normalise_whitespace(text: str) -> str:
    return _WHITESPACE_RUN.sub(" ", text).strip()


# --- Parameters (Content-Type, Content-Disposition) -----------------------------------------

_PARAMETER_NAME = re.compile(rb"\s*;*\s*([^\s=;\"]+)\s*=\s*")
_SECTION = re.compile(r"^(.*?)\*(\d+)(\*?)$")


def _read_value(data: bytes, start: int, literal_backslash: bool) -> tuple[bytes, int]:
    if start < len(data) and data[start : start + 1] == b'"':
        out = bytearray()
        index = start + 1
        while index < len(data):
            byte = data[index]
            if byte == 0x22:
                return bytes(out), index + 1
            if byte == 0x5C and not literal_backslash and index + 1 < len(data):
                index += 1
                byte = data[index]
            out.append(byte)
            index += 1
        return bytes(out), index  # unterminated quote: keep what there is
    end = data.find(b";", start)
    end = len(data) if end < 0 else end
    return data[start:end].strip(), end


def parse_parameters(value: HeaderValue) -> tuple[str, Mapping[str, bytes]]:
    """Split ``type/subtype; name=value ...`` into the lower-cased main value and raw parameter
    bytes (RFC 2231 sections still separate: see ``parameter_text``)."""
    return _parse_parameters(unfold(value))


@functools.lru_cache(maxsize=512)  # the same Content-Type is read by parse and classify
def _parse_parameters(data: bytes) -> tuple[str, Mapping[str, bytes]]:
    main, _separator, rest = data.partition(b";")
    # "text/plain charset=utf-8": a missing semicolon still carries the parameter
    main, _space, stray = main.strip().partition(b" ")
    if b"=" in stray:
        rest = stray + b";" + rest
    # A raw 8-bit filename is never backslash-escaped, and CP932 trail bytes include 0x5C.
    literal_backslash = not rest.isascii()
    parameters: dict[str, bytes] = {}
    position = 0
    while position < len(rest):
        match = _PARAMETER_NAME.match(rest, position)
        if not match:
            next_separator = rest.find(b";", position)
            if next_separator < 0:
                break
            position = next_separator + 1
            continue
        name = match.group(1).decode("ascii", "replace").lower()
        parameter_value, position = _read_value(rest, match.end(), literal_backslash)
        parameters.setdefault(name, parameter_value)
    return main.decode("ascii", "replace").strip().lower(), MappingProxyType(parameters)


def _rfc2231_value(pieces: list[tuple[bytes, bool]], repairs: list[str] | None) -> str:
    charset: str | None = None
    first, first_encoded = pieces[0]
    if first_encoded and first.count(b"'") >= 2:
        charset_bytes, _language, first = first.split(b"'", 2)
        charset = charset_bytes.decode("ascii", "replace") or None
        pieces = [(first, True), *pieces[1:]]
    data = b"".join(unquote_to_bytes(piece) if encoded else piece for piece, encoded in pieces)
    if charset is None:
        return decode_header_value(data, repairs)
    decoded = decode_bytes(data, charset)
    if decoded.repair and repairs is not None:
        repairs.append(f"parameter: {decoded.repair}")
    return unicodedata.normalize("NFC", _CONTROL.sub("", decoded.text))


def parameter_text(
    parameters: Mapping[str, bytes], name: str, repairs: list[str] | None = None
) -> str:
    """A parameter as text: RFC 2231 (``name*``, ``name*0*``...) first, then the plain one,
    which may hold RFC 2047 words (Outlook, Thunderbird) or raw 8-bit bytes."""
    if f"{name}*" in parameters:
        return _rfc2231_value([(parameters[f"{name}*"], True)], repairs)
    sections: list[tuple[int, bytes, bool]] = []
    for key, raw in parameters.items():
        section = _SECTION.match(key)
        if section and section.group(1) == name:
            sections.append((int(section.group(2)), raw, bool(section.group(3))))
    if sections:
        sections.sort(key=lambda item: item[0])
        return _rfc2231_value([(raw, encoded) for _index, raw, encoded in sections], repairs)
    if name in parameters:
        return decode_header_value(parameters[name], repairs)
    return ""


# --- Addresses, Message-IDs, dates --------------------------------------------------------


# Tokens of an address list: quoted string, comment, <angle address>, separators, other text.
# With raw 8-bit bytes a backslash is literal: CP932 trail bytes include 0x5C (表, ソ, 能).
_ADDRESS_TOKENS = re.compile(
    rb'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|<[^<>]*>?|[,;:]|[^",;:<>()]+|.', re.DOTALL
)
_ADDRESS_TOKENS_8BIT = re.compile(
    rb'"[^"]*"?|\([^()]*\)?|<[^<>]*>?|[,;:]|[^",;:<>()]+|.', re.DOTALL
)
_QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)


# One plain mailbox, "Name <a@b>" or "a@b", the usual From and To: read without tokenising.
# Anything with quotes, comments, groups, lists, backslashes or 8-bit addresses takes the
# general way below, which gives the same result for these.
_SINGLE_MAILBOX = re.compile(
    rb'([^",;:<>()\\]*)<([\x21-\x7e]+@[\x21-\x7e]+)>[ \t]*|[ \t]*([\x21-\x7e]+@[\x21-\x7e]+)[ \t]*'
)
_NOT_IN_PLAIN_ADDRESS = re.compile(rb'[<>",;:()\\]')


def _single_mailbox(data: bytes, repairs: list[str] | None) -> list[tuple[str, str]] | None:
    match = _SINGLE_MAILBOX.fullmatch(data)
    if match is None:
        return None
    address = match.group(2) or match.group(3)
    if _NOT_IN_PLAIN_ADDRESS.search(address):
        return None
    name = match.group(1) or b""
    display = normalise_whitespace(decode_header_value(name, repairs)) if name else ""
    return [(display.strip("\"' "), address.decode("ascii").lower())]


def parse_addresses(value: HeaderValue, repairs: list[str] | None = None) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; names are decoded after the list is split, so
    a decoded name containing ``,`` or ``<`` cannot break it apart. Entries without ``@`` are
    dropped."""
    data = unfold(value)
    single = _single_mailbox(data, repairs)
    if single is not None:
        return single
    ascii_only = data.isascii()
    tokens = (_ADDRESS_TOKENS if ascii_only else _ADDRESS_TOKENS_8BIT).findall(data)
    result: list[tuple[str, str]] = []
    phrase: list[bytes] = []
    comment = b""
    angle: bytes | None = None
    for token in [*tokens, b","]:
        first = token[:1]
        if first == b'"':
            quoted = token[1:-1] if token.endswith(b'"') and len(token) > 1 else token[1:]
            phrase.append(_QUOTED_PAIR.sub(rb"\1", quoted) if ascii_only else quoted)
        elif first == b"(":
            comment = comment or token[1:].removesuffix(b")")
        elif first == b"<":
            angle = token[1:].removesuffix(b">")
        elif token == b":" and angle is None:
            phrase, comment = [], b""  # "group name:" - the members follow
        elif token in (b",", b";"):
            address = angle.rpartition(b":")[2] if angle is not None else b"".join(phrase)
            name = b"".join(phrase) if angle is not None else comment
            address_text = decode_header_value(address.strip().removeprefix(b"mailto:"), repairs)
            if "@" in address_text:
                display = normalise_whitespace(decode_header_value(name, repairs))
                result.append((display.strip("\"' "), address_text.strip().lower()))
            phrase, comment, angle = [], b"", None
        else:
            phrase.append(token)
    return result


_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def parse_message_ids(value: HeaderValue) -> list[str]:
    """Every ``<id>`` in a header, in order, without duplicates; a bare ``id@host`` is wrapped."""
    if not value:  # In-Reply-To and References are absent from most mail
        return []
    text = unfold(value).decode("ascii", "replace")
    ids = [f"<{found}>" for found in _MESSAGE_ID.findall(text)]
    if not ids:
        bare = text.strip().split()
        if len(bare) == 1 and "@" in bare[0]:
            ids = [f"<{bare[0].strip('<>')}>"]
    return list(dict.fromkeys(ids))


_ZONE_NAMES = re.compile(r"\b(JST|KST)\b|\(.*?\)", re.IGNORECASE)


# The form nearly every mailer writes ("Wed, 01 Apr 2026 10:00:00 +0900"), read without the
# stdlib's general (and slower) date parser; anything else goes through it.
_USUAL_DATE = re.compile(
    r"(?:[A-Za-z]{3},[ \t]*)?(\d{1,2})[ \t]+([A-Za-z]{3})[ \t]+(\d{4})[ \t]+"
    r"(\d{2}):(\d{2}):(\d{2})[ \t]+([+-])(\d{2})(\d{2})"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def _usual_date(text: str) -> datetime.datetime | None:
    match = _USUAL_DATE.fullmatch(text)
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        return None
    day, _name, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    offset = datetime.timedelta(hours=int(zone_hours), minutes=int(zone_minutes))
    try:
        # "-0000": the time is UTC, the sender's zone unknown (RFC 5322 3.3).
        zone = datetime.timezone(-offset if sign == "-" else offset) if offset else datetime.UTC
        return datetime.datetime(
            int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None  # the general parser decides


def parse_date(value: HeaderValue) -> datetime.datetime | None:
    """An aware datetime, or None when the Date header is missing or unreadable."""
    text = unfold(value).decode("ascii", "replace").strip()
    usual = _usual_date(text)
    if usual is not None:
        return usual
    # Japanese servers write "JST", which the stdlib does not know and silently reads as UTC.
    text = _ZONE_NAMES.sub(lambda match: "+0900" if match.group(1) else "", text).strip()
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": the time is UTC, the sender's zone unknown
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


# --- File names ----------------------------------------------------------------------------

MAX_FILENAME_LENGTH = 150
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_FORMAT_CHARACTERS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def sanitise_filename(name: str, *, fallback: str = "attachment") -> str:
    """A file name safe to store and offer for download, keeping the sender's name and
    extension: no directories, no control or bidi characters, at most 150 characters."""
    name = unicodedata.normalize("NFC", name)  # macOS sends decomposed (NFD) names
    name = re.split(r"[/\\]", name)[-1]
    name = _FORMAT_CHARACTERS.sub("", name)  # U+202E can disguise "exe.pdf" as "fdp.exe"
    name = normalise_whitespace(_UNSAFE_FILENAME.sub("_", name)).strip(". ")
    if not name:
        return fallback
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            keep = MAX_FILENAME_LENGTH - len(extension) - 1
            name = f"{stem[:keep].rstrip()}.{extension}"
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name
