"""MIME charset labels as mailers write them, mapped to the codec that reads what they send."""

from __future__ import annotations

import codecs
import functools

ISO_2022_JP = "iso-2022-jp"
CP932 = "cp932"
EUC_JP = "euc-jp"
UTF_8 = "utf-8"
ASCII = "ascii"


def _labels(codec: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), codec)


# Labels seen in real mail, mapped to the decoder that reads what those senders really send.
_CHARSET_ALIASES: dict[str, str] = {
    **_labels(
        ISO_2022_JP,
        "iso-2022-jp iso2022jp iso2022_jp csiso2022jp iso-2022-jp-1 iso-2022-jp-2 iso-2022-jp-3 "
        "iso-2022-jp-2004 iso-2022-jp-ext iso-2022-jp-ms cp50220 cp50221 cp50222 jis x-jis",
    ),
    **_labels(
        CP932,
        "shift_jis shift-jis x-sjis sjis s-jis shiftjis x-shift-jis x-shift_jis ms_kanji "
        "ms-kanji csshiftjis windows-31j cswindows31j cp932 ms932 x-ms-cp932 ibm-943 ibm943 "
        "shift_jisx0213 shift_jis_2004 shift-jis-2004 x-mac-japanese",
    ),
    **_labels(
        EUC_JP,
        "euc-jp euc_jp eucjp x-euc-jp x-euc cseucpkdfmtjapanese euc-jis-2004 euc-jisx0213 "
        "cp51932 eucjp-ms eucjp-win ujis",
    ),
    **_labels(
        UTF_8,
        "utf-8 utf8 x-utf-8 utf-8-sig unicode-1-1-utf-8 unicode-2-0-utf-8 x-unicode20utf8",
    ),
    **_labels(
        ASCII,
        "us-ascii ascii us ansi_x3.4-1968 iso646-us cp367 csascii iso-ir-6 7bit 8bit",
    ),
    **_labels(
        "cp949",
        "ks_c_5601-1987 ks_c_5601-1989 ks_c_5601 ksc5601 ksc_5601 euc-kr euckr korean "
        "csksc56011987 iso-ir-149 windows-949 cp949 uhc",
    ),
    **_labels(
        "gb18030",
        "gb2312 gb_2312-80 gb_2312 csgb2312 gbk x-gbk cp936 windows-936 euc-cn x-euc-cn "
        "chinese gb18030",
    ),
    # UTF-7 (RFC 2152) under the names old Outlook and Windows Mail gave it.
    **_labels(
        "utf-7",
        "utf-7 utf7 unicode-1-1-utf-7 csunicode11utf7 unicode-2-0-utf-7 x-unicode-2-0-utf-7 "
        "x-unicode20utf7",
    ),
    **_labels("cp950", "big5 big-5 x-x-big5 cn-big5 csbig5 cp950 windows-950"),
    # WHATWG: a Latin-1 label means windows-1252; mailers put “smart quotes” in 0x80-0x9F.
    **_labels(
        "cp1252",
        "iso-8859-1 iso_8859-1 latin1 latin-1 l1 cp819 ibm819 iso-ir-100 csisolatin1 "
        "windows-1252 cp1252 x-cp1252",
    ),
}
# Codecs Python knows that are no charset at all, or would turn data into something else.
_REFUSED_CODECS = {
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
    "idna",
    "punycode",
    "charmap",
}


@functools.lru_cache(maxsize=1024)  # a few dozen labels cover nearly all mail
def charset_codec(label: str | None) -> str | None:
    """The codec to decode a MIME charset label with, or None if unknown (then we detect)."""
    if not label:
        return None
    name = label.strip().strip("\"'").strip().lower()
    if name in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[name]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name.replace("-", "_") in _REFUSED_CODECS or not getattr(
        info, "_is_text_encoding", True
    ):
        return None
    return _CHARSET_ALIASES.get(info.name.replace("_", "-"), info.name)
