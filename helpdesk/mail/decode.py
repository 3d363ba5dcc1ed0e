"""Japanese-aware decoding of mail bytes: decode text as it was meant, not as it was labelled.

Japanese mail routinely lies about its charset. Windows mailers (Outlook Express, old Becky!)
label CP932 text as ISO-2022-JP, so NEC and IBM extensions (①, ㈱, №, Ⅲ) arrive inside JIS
escapes that Python's ``iso2022_jp`` codec refuses; webmail sends UTF-8 or EUC-JP bytes under an
ISO-2022-JP label, or 8-bit bytes with no label at all. Everything here is pure (no Django) and
never raises on bad input: the worst case is U+FFFD and a note saying what was repaired.

Every JIS X 0208 based encoding (ISO-2022-JP, Shift_JIS, EUC-JP) is decoded with CP932
semantics, so the same character is stored the same way whatever the sender's encoding: JIS
0x2141 becomes ～ (U+FF5E, what Windows users type) rather than 〜 (U+301C), and a search for
a ticket's text finds it however it arrived.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from . import carrier as carriers
from .charsets import ASCII, CP932, EUC_JP, ISO_2022_JP, UTF_8, charset_codec


class DecodedText(NamedTuple):
    text: str
    charset: str  # what the bytes were decoded as, after any detection
    repair: str  # '' when the label told the truth; otherwise what was done about it


# --- JIS X 0208 through CP932 -------------------------------------------------------------


def jis_to_sjis(row_byte: int, cell_byte: int) -> bytes:
    """The Shift_JIS bytes of a JIS X 0208 row/cell pair (each 0x21-0x7E)."""
    lead = ((row_byte + 1) >> 1) + (0x70 if row_byte <= 0x5E else 0xB0)
    # Odd rows fill the lower half of the trail range (skipping 0x7F), even rows the upper.
    odd_row_trail = cell_byte + (0x1F if cell_byte <= 0x5F else 0x20)
    return bytes((lead, odd_row_trail if row_byte & 1 else cell_byte + 0x7E))


def _build_jis_table() -> dict[int, str]:
    # Keyed by (row << 8 | cell) so a JIS run decoded as UTF-16-BE maps through str.translate,
    # which keeps the hot path in C. Row 13 (NEC specials) and rows 89-92 (NEC-selected IBM
    # extensions) come out right because CP932 has them at the converted positions.
    table: dict[int, str] = {}
    for row in range(0x21, 0x7F):
        for cell in range(0x21, 0x7F):
            try:
                table[row << 8 | cell] = jis_to_sjis(row, cell).decode(CP932)
            except UnicodeDecodeError:
                table[row << 8 | cell] = _user_defined(row, cell)
    return table


def _user_defined(row: int, cell: int) -> str:
    # Rows 0x75-0x7E are JIS X 0208's user-defined area: Windows (CP50221) and EUC-JP map it
    # to U+E000-U+E3AB, so a character the sender's phone or font drew survives as itself.
    if row >= 0x75:
        return chr(0xE000 + (row - 0x75) * 94 + cell - 0x21)
    return "\ufffd"


_JIS_TABLE = _build_jis_table()


def _build_au_jis_table() -> dict[int, str]:
    # au sends its emoji in rows 0x75-0x7B, which CP932 uses for the NEC-selected IBM kanji.
    table = dict(_JIS_TABLE)
    for row in range(0x75, 0x7C):
        for cell in range(0x21, 0x7F):
            sjis = carriers.au_jis_to_sjis(row, cell)
            if sjis is not None:
                table[row << 8 | cell] = sjis.decode(CP932)
    return table


_CARRIER_JIS_TABLES = {carriers.AU: _build_au_jis_table()}
_JIS_BYTES = bytes(range(0x21, 0x7F))
_KANA_TABLE = {byte: 0xFF61 + byte - 0x21 for byte in range(0x21, 0x60)} | {
    byte: 0xFF61 + byte - 0xA1 for byte in range(0xA1, 0xE0)
}


def _build_euc_differences() -> dict[int, str]:
    # Python's euc_jp and iso2022_jp map a handful of JIS X 0208 cells differently from CP932
    # (〜 − ‖ ¢ £ ¬); translating them afterwards gives the same characters as our own table.
    differences: dict[int, str] = {}
    for code, wanted in _JIS_TABLE.items():
        try:
            got = bytes((code >> 8 | 0x80, code & 0xFF | 0x80)).decode("euc_jp")
        except UnicodeDecodeError:
            continue
        if wanted != "\ufffd" and got != wanted:
            differences[ord(got)] = wanted
    return differences


_CP932_DIFFERENCES = _build_euc_differences()

_ESCAPE = re.compile(rb"(\x1b[\x20-\x2f]*[\x30-\x7e]?|[\x0e\x0f])")
_ASCII_MODE, _KANA_MODE, _JIS0208_MODE = "ascii", "kana", "jis0208"
_ESCAPE_MODES: dict[bytes, str] = {
    b"\x1b(B": _ASCII_MODE,
    b"\x1b(J": _ASCII_MODE,  # JIS X 0201 Roman: ¥ for backslash would break paths and code
    b"\x1b(H": _ASCII_MODE,  # a historical mistake for ESC ( J, still sent by some mailers
    b"\x1b(I": _KANA_MODE,
    b"\x1b$@": _JIS0208_MODE,
    b"\x1b$B": _JIS0208_MODE,
    b"\x1b$(@": _JIS0208_MODE,
    b"\x1b$(B": _JIS0208_MODE,
}
# Rarer sets (JIS X 0212, JIS X 0213, ISO-2022-JP-2's Chinese and Korean) go to Python's codecs.
_CODEC_ESCAPES: dict[bytes, str] = {
    b"\x1b$(D": "iso2022_jp_2",
    b"\x1b$A": "iso2022_jp_2",
    b"\x1b$(C": "iso2022_jp_2",
    b"\x1b$(O": "iso2022_jp_2004",
    b"\x1b$(Q": "iso2022_jp_2004",
    b"\x1b$(P": "iso2022_jp_2004",
}


# Python's iso2022_jp_ext reads ESC ( J as JIS Roman (¥ for backslash), knows no SO/SI and
# keeps unknown escapes: such text takes the careful way.
_ESCAPE_SEQUENCE = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]?")
_USUAL_ESCAPES = {b"\x1b(B", b"\x1b(I", b"\x1b$@", b"\x1b$B", b"\x1b$(@", b"\x1b$(B"}
_DIFFERING = re.compile("[" + "".join(map(chr, _CP932_DIFFERENCES)) + "]")


def _only_usual_escapes(data: bytes) -> bool:
    return (
        b"\x0e" not in data
        and b"\x0f" not in data
        and _USUAL_ESCAPES.issuperset(_ESCAPE_SEQUENCE.findall(data))
    )


def _as_cp932(text: str) -> str:
    """Python's JIS X 0208 codecs map 〜 − ‖ ¢ £ ¬ where CP932 has ～ － ∥ ￠ ￡ ￢."""
    # str.translate would look up every character; these are rare, so find them first.
    return _DIFFERING.sub(lambda match: _CP932_DIFFERENCES[ord(match.group())], text)


_JIS_EXTENSIONS = "helpdesk-jis-cp932-extensions"


def _jis_extension(error: UnicodeError) -> tuple[str, int]:
    # Called by the iso2022_jp_ext codec for a JIS X 0208 cell it does not know: NEC row 13 and the
    # NEC-selected IBM rows, which CP932 has.
    if isinstance(error, UnicodeDecodeError):
        pair = error.object[error.start : error.end]
        if len(pair) == 2 and 0x21 <= pair[0] <= 0x7E and 0x21 <= pair[1] <= 0x7E:
            return _JIS_TABLE[pair[0] << 8 | pair[1]], error.end
    raise error


codecs.register_error(_JIS_EXTENSIONS, _jis_extension)


def _decode_jis0208(run: bytes, table: dict[int, str]) -> str:
    if len(run) % 2 == 0 and not run.translate(None, _JIS_BYTES):
        return run.decode("utf-16-be").translate(table)
    # Broken encoders leave the kanji mode open across line ends or put stray bytes inside it.
    out: list[str] = []
    index, length = 0, len(run)
    while index < length:
        byte = run[index]
        following = run[index + 1] if index + 1 < length else 0
        if 0x21 <= byte <= 0x7E and 0x21 <= following <= 0x7E:
            out.append(table[byte << 8 | following])
            index += 2
            continue
        out.append(chr(byte) if byte < 0x21 else "\ufffd")  # controls are cleaned by callers
        index += 1
    return "".join(out)


def decode_iso2022jp(data: bytes, *, carrier: str = "") -> DecodedText:
    """Decode ISO-2022-JP as Windows and old Japanese mailers actually write it.

    Accepts CP932 extensions, half-width katakana (``ESC ( I`` and SO/SI), JIS X 0212/0213,
    user-defined characters (au's emoji when ``carrier`` is au) and 8-bit bytes between the
    escapes (which are detected and decoded on their own).
    """
    table = _CARRIER_JIS_TABLES.get(carrier, _JIS_TABLE)
    if table is _JIS_TABLE and data.isascii() and _only_usual_escapes(data):
        # The common case (ASCII, JIS X 0208, half-width katakana) goes through the C codec,
        # which is many times faster; CP932 extensions come back through the error handler.
        try:
            text = data.decode("iso2022_jp_ext", _JIS_EXTENSIONS)
        except UnicodeDecodeError:
            pass  # lost sync (a space or a stray byte in kanji mode): the careful way below
        else:
            return DecodedText(_as_cp932(text), ISO_2022_JP, "")
    mode, shifted = _ASCII_MODE, False
    codec_escape = b""
    out: list[str] = []
    repairs: list[str] = []
    for index, piece in enumerate(_ESCAPE.split(data)):
        if index % 2:
            if piece in (b"\x0e", b"\x0f"):
                shifted = piece == b"\x0e"
            elif piece in _ESCAPE_MODES:
                mode = _ESCAPE_MODES[piece]
            elif piece in _CODEC_ESCAPES:
                mode, codec_escape = "codec", piece
            elif piece != b"\x1b&@":  # ESC & @ only announces a JIS X 0208 revision
                repairs.append("unknown escape sequence dropped")
            continue
        if not piece:
            continue
        if shifted or mode == _KANA_MODE:
            out.append(piece.decode("latin-1").translate(_KANA_TABLE))
        elif mode == _JIS0208_MODE:
            out.append(_decode_jis0208(piece, table))
        elif mode == "codec":
            out.append((codec_escape + piece).decode(_CODEC_ESCAPES[codec_escape], "replace"))
        elif piece.isascii():
            out.append(piece.decode(ASCII))
        else:
            decoded = _decode_unlabelled_8bit(piece)
            out.append(decoded.text)
            repairs.append(f"8-bit bytes inside ISO-2022-JP decoded as {decoded.charset}")
    return DecodedText("".join(out), ISO_2022_JP, "; ".join(dict.fromkeys(repairs)))


_EUC_TOKEN = re.compile(
    rb"([\xa1-\xfe][\xa1-\xfe])|\x8e([\xa1-\xdf])|(\x8f[\xa1-\xfe][\xa1-\xfe])|([\x00-\x7f]+)|(.)",
    re.DOTALL,
)


def _decode_euc_as_cp51932(data: bytes) -> tuple[str, int]:
    """EUC-JP through the JIS table (Microsoft's CP51932): NEC row 13 and IBM rows included."""
    out: list[str] = []
    bad = 0
    for pair, kana, three_byte, plain, stray in _EUC_TOKEN.findall(data):
        if pair:
            char = _JIS_TABLE[(pair[0] & 0x7F) << 8 | (pair[1] & 0x7F)]
            bad += char == "\ufffd"
            out.append(char)
        elif kana:
            out.append(chr(0xFF61 + kana[0] - 0xA1))
        elif three_byte:
            out.append(three_byte.decode("euc_jp", "replace"))
        elif plain:
            out.append(plain.decode(ASCII))
        elif stray:
            bad += 1
            out.append("\ufffd")
    return "".join(out), bad


def _decode_euc_jp(data: bytes, *, strict: bool) -> str:
    try:
        return _as_cp932(data.decode("euc_jp"))
    except UnicodeDecodeError:
        pass
    text, bad = _decode_euc_as_cp51932(data)
    if not bad:
        return text
    try:
        return data.decode("euc_jis_2004")
    except UnicodeDecodeError:
        if strict:
            raise
    return text


def _decode_cp932(data: bytes, *, strict: bool) -> str:
    try:
        return data.decode(CP932)
    except UnicodeDecodeError:
        pass
    try:  # Mac mailers label Shift_JIS-2004 (JIS X 0213) text as plain Shift_JIS
        return data.decode("shift_jis_2004")
    except UnicodeDecodeError:
        if strict:
            raise
    return data.decode(CP932, "replace")


_HIRAGANA = re.compile("[\u3041-\u309f]")
_KATAKANA = re.compile("[\u30a1-\u30fc]")
_KANJI = re.compile("[\u4e00-\u9fff]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_UNLIKELY = re.compile("[\u0080-\u009f\ue000-\uf8ff\ufffd]")


def _japanese_score(text: str) -> int:
    # Real Japanese is mostly hiragana; EUC-JP read as CP932 turns into half-width katakana and
    # private-use characters, CP932 read as EUC-JP into rare kanji.
    sample = text[:4000]
    return (
        3 * len(_HIRAGANA.findall(sample))
        + 2 * len(_KATAKANA.findall(sample))
        + len(_KANJI.findall(sample))
        - 2 * len(_HALFWIDTH_KANA.findall(sample))
        - 10 * len(_UNLIKELY.findall(sample))
    )


def _decode_unlabelled_8bit(data: bytes) -> DecodedText:
    """8-bit bytes whose label is missing or wrong: UTF-8 if valid, else the likelier of
    CP932 and EUC-JP."""
    try:
        return DecodedText(data.decode(UTF_8), UTF_8, "")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[int, str, str]] = []
    for charset, decoder in ((CP932, _decode_cp932), (EUC_JP, _decode_euc_jp)):
        try:
            text = decoder(data, strict=True)
        except UnicodeDecodeError:
            continue
        candidates.append((_japanese_score(text), charset, text))
    if candidates:
        _score, charset, text = max(candidates, key=lambda candidate: candidate[0])
        return DecodedText(text, charset, "")
    cp932_text = _decode_cp932(data, strict=False)
    euc_text = _decode_euc_jp(data, strict=False)
    if euc_text.count("\ufffd") < cp932_text.count("\ufffd"):
        return DecodedText(euc_text, EUC_JP, "undecodable bytes replaced")
    return DecodedText(cp932_text, CP932, "undecodable bytes replaced")


def detect_charset(data: bytes) -> str:
    """Our best guess at the charset of unlabelled bytes."""
    if data.isascii():
        return ISO_2022_JP if b"\x1b" in data else ASCII
    return _decode_unlabelled_8bit(data).charset


def decode_bytes(data: bytes, label: str | None, *, carrier: str = "") -> DecodedText:
    """Decode ``data`` labelled ``label`` (or unlabelled), repairing labels that lie.

    ``carrier`` (``carrier.carrier_of`` the sender) reads a phone's emoji as that carrier
    meant them and turns them into standard emoji where a mapping exists.
    """
    if not carrier:
        return _decode_bytes(data, label, "")
    decoded = _decode_bytes(data, label, carrier)
    return decoded._replace(text=carriers.carrier_emoji(decoded.text, carrier))


def _decode_bytes(data: bytes, label: str | None, carrier: str) -> DecodedText:
    codec = charset_codec(label)
    shown = (label or "").strip()[:40]
    if data.isascii():
        if b"\x1b" in data or (codec == ISO_2022_JP and b"\x0e" in data):
            decoded = decode_iso2022jp(data, carrier=carrier)
            if codec == ISO_2022_JP:
                return decoded
            note = f"ISO-2022-JP escapes in a part labelled {shown or 'nothing'}"
            return decoded._replace(repair="; ".join(filter(None, (note, decoded.repair))))
        if codec and codec.startswith(("utf-16", "utf-32", "utf-7")):  # 7-bit, yet not ASCII
            return DecodedText(data.decode(codec, "replace"), codec, "")
        return DecodedText(data.decode(ASCII), ASCII, "")
    if codec == ISO_2022_JP and b"\x1b" in data:
        return decode_iso2022jp(data, carrier=carrier)
    if codec == CP932 and carrier == carriers.SOFTBANK:
        return DecodedText(carriers.decode_softbank_sjis(data), CP932, "")
    if codec == CP932:
        try:
            return DecodedText(_decode_cp932(data, strict=True), CP932, "")
        except UnicodeDecodeError:
            pass
    elif codec == EUC_JP:
        try:
            return DecodedText(_decode_euc_jp(data, strict=True), EUC_JP, "")
        except UnicodeDecodeError:
            pass
    elif codec not in (None, ASCII, ISO_2022_JP):
        try:
            return DecodedText(data.decode(codec).removeprefix("\ufeff"), codec, "")
        except UnicodeDecodeError:
            pass
    detected = _decode_unlabelled_8bit(data)
    if detected.charset == CP932 and carrier == carriers.SOFTBANK:
        detected = detected._replace(text=carriers.decode_softbank_sjis(data))
    if codec not in (None, ASCII, ISO_2022_JP):
        # A truncated part or a stray byte breaks a correct label in one place only, and the
        # text still reads better than any guess; a label that lies breaks every character.
        labelled = _decode_with_label(data, codec)
        if detected.repair or _japanese_score(labelled) >= _japanese_score(detected.text):
            return DecodedText(labelled, codec, "undecodable bytes replaced")
    if label:
        note = f"8-bit {detected.charset} bytes labelled {shown}"
    else:
        note = f"8-bit bytes without a charset decoded as {detected.charset}"
    repair = "; ".join(filter(None, (note, detected.repair)))
    return DecodedText(detected.text.removeprefix("\ufeff"), detected.charset, repair)


def _decode_with_label(data: bytes, codec: str) -> str:
    if codec == CP932:
        return _decode_cp932(data, strict=False)
    if codec == EUC_JP:
        return _decode_euc_jp(data, strict=False)
    return data.decode(codec, "replace").removeprefix("\ufeff")
