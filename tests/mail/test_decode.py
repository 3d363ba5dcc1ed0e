"""The Japanese charset layer: bytes decoded as the sender meant them, whatever the label says."""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid

import pytest

from helpdesk.mail.decode import charset_codec, decode_bytes, decode_iso2022jp, detect_charset
from helpdesk.mail.headers import (
    decode_header_value,
    parameter_text,
    parse_addresses,
    parse_date,
    parse_message_ids,
    parse_parameters,
    sanitise_filename,
)
from helpdesk.mail.transfer import decode_base64, decode_transfer_encoding

from .fixtures import b_word, euc, jis, q_word

JST = datetime.timezone(datetime.timedelta(hours=9))


# --- ISO-2022-JP as Windows writes it ------------------------------------------------------------


def test_outlook_cp932_extensions_inside_iso2022jp_come_out_as_typed():
    decoded = decode_bytes(jis("①㈱№Ⅲ ㍻ ≒ ∵ ～"), "iso-2022-jp")
    assert decoded.text == "①㈱№Ⅲ ㍻ ≒ ∵ ～"
    assert decoded.repair == ""


def test_surnames_with_ibm_extension_kanji_survive_iso2022jp():
    # 髙橋 and 山﨑 travel as NEC-selected IBM extensions (JIS rows 89-92).
    assert decode_bytes(jis("髙橋様 山﨑様"), "ISO-2022-JP").text == "髙橋様 山﨑様"


@pytest.mark.parametrize("kana", ["escape", "shift"])
def test_halfwidth_katakana_stays_halfwidth_as_sent(kana):
    assert decode_bytes(jis("ﾃｽﾄ ｶﾞｲﾄﾞ", kana=kana), "iso-2022-jp").text == "ﾃｽﾄ ｶﾞｲﾄﾞ"


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (jis("10時～12時"), "iso-2022-jp"),
        ("10時～12時".encode("cp932"), "shift_jis"),
        (euc("10時～12時"), "euc-jp"),
    ],
)
def test_wave_dash_is_stored_the_same_whatever_the_japanese_encoding(data, label):
    # JIS 0x2141 is both ～ (Windows) and 〜 (Mac); one reading keeps search consistent.
    assert decode_bytes(data, label).text == "10時～12時"


def test_wave_dash_typed_in_unicode_is_left_alone():
    assert decode_bytes("10時〜12時".encode(), "utf-8").text == "10時〜12時"


def test_kanji_mode_left_open_across_a_line_end_still_decodes():
    assert decode_iso2022jp(b"\x1b$B$3$s\r\n$K$A$O\x1b(B!").text == "こん\r\nにちは!"


def test_jis_x0212_and_x0213_characters_decode():
    assert decode_bytes("丂".encode("iso2022_jp_1"), "iso-2022-jp").text == "丂"
    assert decode_bytes("𠀋".encode("iso2022_jp_2004"), "iso-2022-jp").text == "𠀋"


def test_unknown_escape_sequence_is_dropped_not_fatal():
    decoded = decode_iso2022jp(b"abc\x1b$Zdef")
    assert decoded.text == "abcdef"
    assert "unknown escape" in decoded.repair


def test_raw_8bit_katakana_inside_iso2022jp_is_read():
    decoded = decode_bytes(b"\x1b$B$3$s\x1b(B \xc3\xbd\xc4", "iso-2022-jp")
    assert decoded.text == "こん ﾃｽﾄ"
    assert "8-bit" in decoded.repair


# --- Shift_JIS, EUC-JP and labels that lie --------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    ["Shift_JIS", "shift-jis", "x-sjis", "sjis", "SJIS", "windows-31j", "MS_Kanji", "cp932"],
)
def test_shift_jis_labels_keep_windows_characters(label):
    text = "①㈱テスト ソフト表示～ ㍻"
    assert decode_bytes(text.encode("cp932"), label) == (text, "cp932", "")


def test_euc_jp_with_nec_special_characters_decodes():
    assert (
        decode_bytes(euc("①お問い合わせ ㈱テスト ｶﾅ"), "EUC-JP").text == "①お問い合わせ ㈱テスト ｶﾅ"
    )


def test_plain_euc_jp_decodes():
    assert decode_bytes("日本語のメール".encode("euc_jp"), "x-euc-jp").text == "日本語のメール"


def test_utf8_bytes_labelled_iso2022jp_are_read_as_utf8():
    decoded = decode_bytes("日本語①".encode(), "ISO-2022-JP")
    assert decoded == ("日本語①", "utf-8", "8-bit utf-8 bytes labelled ISO-2022-JP")


def test_euc_jp_bytes_labelled_iso2022jp_are_read_as_euc_jp():
    decoded = decode_bytes("日本語のメールです。よろしく".encode("euc_jp"), "iso-2022-jp")
    assert (decoded.text, decoded.charset) == ("日本語のメールです。よろしく", "euc-jp")


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp", "utf-8"])
def test_unlabelled_japanese_is_detected(encoding):
    text = "お問い合わせありがとうございます。担当者より連絡いたします。"
    assert decode_bytes(text.encode(encoding), None).text == text


def test_us_ascii_label_with_jis_escapes_decodes_as_iso2022jp():
    decoded = decode_bytes(jis("こんにちは"), "us-ascii")
    assert decoded.text == "こんにちは"
    assert decoded.repair == "ISO-2022-JP escapes in a part labelled us-ascii"


def test_cp932_bytes_labelled_utf8_are_rescued():
    decoded = decode_bytes("お世話になっております".encode("cp932"), "utf-8")
    assert (decoded.text, decoded.charset) == ("お世話になっております", "cp932")


def test_truncated_utf8_keeps_its_label_and_loses_only_the_cut_character():
    decoded = decode_bytes("お世話になっております".encode()[:-1], "utf-8")
    assert decoded.text == "お世話になっておりま\ufffd"
    assert decoded.charset == "utf-8"


def test_stray_byte_in_utf8_keeps_the_label_and_the_rest_of_the_text():
    data = "お世話になっております。".encode()
    decoded = decode_bytes(data[:9] + b"\xff" + data[9:], "utf-8")
    assert decoded.text == "お世話\ufffdになっております。"
    assert decoded.charset == "utf-8"


def test_long_english_mail_with_a_few_cp932_words_labelled_utf8_is_read_as_cp932():
    text = "Please find the details below. " * 60 + "担当：山田"
    assert decode_bytes(text.encode("cp932"), "utf-8").text == text


def test_detect_charset():
    assert detect_charset(b"plain") == "ascii"
    assert detect_charset(jis("日本")) == "iso-2022-jp"
    assert detect_charset("日本語です".encode()) == "utf-8"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("windows-31j", "cp932"),
        ('"Shift_JIS"', "cp932"),
        ("ks_c_5601-1987", "cp949"),
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("big5", "cp950"),
        ("iso-8859-1", "cp1252"),
        ("UTF8", "utf-8"),
        ("ISO-2022-JP-2", "iso-2022-jp"),
        ("cp50220", "iso-2022-jp"),
        ("koi8-r", "koi8-r"),
        ("x-unknown", None),
        ("", None),
        (None, None),
        ("zlib", None),
        ("base64", None),
        ("rot13", None),
        ("unicode_escape", None),
    ],
)
def test_charset_labels_map_to_safe_codecs(label, codec):
    assert charset_codec(label) == codec


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        ("안녕하세요".encode("cp949"), "ks_c_5601-1987", "안녕하세요"),
        ("你好".encode("gb2312"), "gb2312", "你好"),
        ("不明".encode(), "x-unknown", "不明"),
        ("café “quoted”".encode("cp1252"), "iso-8859-1", "café “quoted”"),
    ],
)
def test_foreign_and_unknown_charsets_decode(data, label, text):
    assert decode_bytes(data, label).text == text


# --- Transfer encodings -------------------------------------------------------------------------


def test_base64_with_garbage_characters_still_decodes():
    encoded = base64.b64encode("壊れた本文".encode())
    content, note = decode_base64(encoded[:4] + b"!!\r\n%" + encoded[4:])
    assert content.decode() == "壊れた本文"
    assert note == "3 invalid characters skipped in base64"


def test_base64_without_padding_decodes():
    assert decode_base64(b"SGVsbG8") == (b"Hello", "")


def test_base64_encoded_line_by_line_with_padding_in_the_middle_decodes():
    assert decode_base64(b"SGVsbG8=\r\nV29ybGQ=") == (b"HelloWorld", "")


def test_truncated_base64_keeps_what_arrived():
    content, note = decode_base64(b"SGVsbG8gV29yb")  # cut one character into a quantum
    assert content == b"Hello Wor"
    assert note == "truncated base64"


def test_broken_quoted_printable_keeps_invalid_escapes():
    content, note = decode_transfer_encoding(b"=E3=81=82 =ZZ =4 soft=\r\nbreak", "Quoted-Printable")
    assert content == "あ =ZZ =4 softbreak".encode()
    assert note == ""


def test_uuencoded_part_decodes():
    body = b"begin 644 x.txt\n" + binascii.b2a_uu(b"hello uu") + b"`\nend\n"
    assert decode_transfer_encoding(body, "x-uuencode") == (b"hello uu", "")


def test_unknown_transfer_encoding_is_left_as_is_with_a_note():
    assert decode_transfer_encoding(b"abc", "x-gzip") == (
        b"abc",
        "unknown transfer encoding 'x-gzip' left as is",
    )


# --- RFC 2047 headers ----------------------------------------------------------------------------


def test_utf8_character_split_across_two_encoded_words_is_joined():
    data = "見積書".encode()
    assert decode_header_value(b_word(data[:4]) + b"\r\n " + b_word(data[4:])) == "見積書"


def test_base64_and_q_words_in_the_same_charset_are_joined():
    data = "お問い合わせ".encode()
    assert decode_header_value(b_word(data[:5]) + b" " + q_word(data[5:])) == "お問い合わせ"


def test_iso2022jp_word_continuing_in_kanji_mode_is_joined():
    encoded = jis("お問い合わせ")[3:-3]
    value = (
        b_word(b"\x1b$B" + encoded[:6], "ISO-2022-JP") + b" " + b_word(encoded[6:], "ISO-2022-JP")
    )
    assert decode_header_value(value) == "お問い合わせ"


def test_text_between_encoded_words_keeps_its_spaces():
    value = (
        b"Re: " + b_word("請求".encode()) + b" and " + b_word("見積".encode("cp932"), "Shift_JIS")
    )
    assert decode_header_value(value) == "Re: 請求 and 見積"


def test_words_in_different_charsets_are_decoded_separately():
    value = b_word(jis("日本"), "ISO-2022-JP") + b" " + b_word("語".encode())
    assert decode_header_value(value) == "日本語"


def test_encoded_word_with_language_tag_decodes():
    assert (
        decode_header_value(b"=?UTF-8*ja?B?" + base64.b64encode("件名".encode()) + b"?=") == "件名"
    )


def test_unterminated_encoded_word_is_decoded_with_a_note():
    repairs: list[str] = []
    value = b"=?ISO-2022-JP?B?" + base64.b64encode(jis("途中"))
    assert decode_header_value(value, repairs) == "途中"
    assert repairs == ["header: unterminated encoded-word decoded"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_raw_8bit_header_bytes_are_decoded(encoding):
    assert (
        decode_header_value("【質問】表示がおかしい".encode(encoding)) == "【質問】表示がおかしい"
    )


def test_raw_jis_escapes_in_a_header_are_decoded():
    assert decode_header_value(b"Re: " + jis("お見積り")) == "Re: お見積り"


def test_control_characters_in_headers_are_removed():
    assert decode_header_value(b_word("件\x00名\x1b".encode())) == "件名"


# --- Parameters and file names ------------------------------------------------------------------


def test_rfc2231_parameter_with_charset():
    _type, parameters = parse_parameters(b"attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf")
    assert parameter_text(parameters, "filename") == "見積.pdf"


def test_rfc2231_continuations_mix_encoded_and_plain_sections():
    value = b"attachment; filename*1=\"_v2.pdf\"; filename*0*=utf-8'ja'%E8%A6%8B%E7%A9%8D"
    assert parameter_text(parse_parameters(value)[1], "filename") == "見積_v2.pdf"


def test_raw_cp932_filename_with_backslash_trail_byte_is_read_whole():
    value = b'attachment; filename="' + "ソフト表.xlsx".encode("cp932") + b'"; size=10'
    disposition, parameters = parse_parameters(value)
    assert disposition == "attachment"
    assert parameter_text(parameters, "filename") == "ソフト表.xlsx"
    assert parameters["size"] == b"10"


def test_missing_semicolon_and_unquoted_spaces_are_tolerated():
    content_type, parameters = parse_parameters(b"text/plain charset=Shift_JIS")
    assert (content_type, parameter_text(parameters, "charset")) == ("text/plain", "Shift_JIS")
    _type, parameters = parse_parameters("attachment; filename=見積 書.pdf".encode())
    assert parameter_text(parameters, "filename") == "見積 書.pdf"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\taro\\報告.pdf", "報告.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\x00b\x07c.txt", "a_b_c.txt"),
        ('what?<>:"|*.txt', "what_______.txt"),
        ("...", "attachment"),
        ("", "attachment"),
        ("テ\u3099スト.pdf", "デスト.pdf"),  # macOS sends decomposed names
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_filenames_are_made_safe_but_keep_name_and_extension(name, safe):
    assert sanitise_filename(name) == safe


# --- Addresses, ids, dates ----------------------------------------------------------------------


def test_raw_cp932_display_name_with_backslash_trail_byte_is_read_whole():
    value = '"鈴木 能子" <Noriko@Example.JP>'.encode("cp932")
    assert parse_addresses(value) == [("鈴木 能子", "noriko@example.jp")]


def test_quoted_encoded_word_display_names_decode():
    value = b'"' + b_word(jis("山田"), "ISO-2022-JP") + b'" <a@example.jp>, b@example.jp'
    assert parse_addresses(value) == [("山田", "a@example.jp"), ("", "b@example.jp")]


def test_message_ids_are_normalised():
    assert parse_message_ids(b" <a@x>\r\n\t<b@y> <a@x> ") == ["<a@x>", "<b@y>"]
    assert parse_message_ids(b"bare@example.jp") == ["<bare@example.jp>"]
    assert parse_message_ids(b"") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 01 Apr 2026 10:00:00 +0900", datetime.datetime(2026, 4, 1, 10, tzinfo=JST)),
        ("Wed, 01 Apr 2026 10:00:00 JST", datetime.datetime(2026, 4, 1, 10, tzinfo=JST)),
        ("Wed, 1 Apr 2026 10:00:00 +0900 (JST)", datetime.datetime(2026, 4, 1, 10, tzinfo=JST)),
        ("Wed, 01 Apr 2026 01:00:00 -0000", datetime.datetime(2026, 4, 1, 1, tzinfo=datetime.UTC)),
        ("2026年4月1日", None),
        ("", None),
    ],
)
def test_dates_are_aware_or_none(value, expected):
    parsed = parse_date(value.encode())
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_decoding_never_raises_on_random_bytes():
    for seed in range(200):
        data = uuid.UUID(int=seed * 7919).bytes * (seed % 5 + 1)
        for label in (None, "iso-2022-jp", "shift_jis", "euc-jp", "utf-8", "x-unknown"):
            decode_bytes(data, label)
            decode_bytes(b"\x1b$B" + data, label)
        decode_header_value(b"=?ISO-2022-JP?B?" + base64.b64encode(data) + b"?= " + data)
