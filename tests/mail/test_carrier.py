"""Mail from Japanese mobile phones reads as the sender typed it, emoji included."""

from __future__ import annotations

import pytest

from helpdesk.mail.carrier import AU, DOCOMO, SOFTBANK, carrier_of
from helpdesk.mail.decode import decode_bytes
from helpdesk.mail.parse import parse_mail

from . import carrier_fixtures as phones


def test_carrier_is_known_from_the_sender_domain_and_its_subdomains():
    assert carrier_of("taro@docomo.ne.jp") == DOCOMO
    assert carrier_of("hanako@ezweb.ne.jp") == AU
    assert carrier_of("X@T.Vodafone.ne.jp") == SOFTBANK
    assert carrier_of("someone@notdocomo.ne.jp") == ""


@pytest.mark.parametrize("build", phones.CARRIER_FIXTURES.values(), ids=phones.CARRIER_FIXTURES)
def test_regression_carrier_mail_has_no_replacement_characters(build):
    # Bug: au's ISO-2022-JP emoji ended the subject and text in U+FFFD.
    parsed = parse_mail(build())
    assert "\ufffd" not in parsed.subject + parsed.text + parsed.html + parsed.sender_name
    assert not [defect for defect in parsed.defects if "replaced" in defect]


def test_docomo_emoji_become_standard_emoji_and_unknown_ones_stay_private_use():
    parsed = parse_mail(phones.docomo_shift_jis())
    assert parsed.subject == "今日は晴れ☀"
    assert parsed.text == "お世話になっております😃\nログインできません❤\n記号\ue757"


def test_au_emoji_inside_iso2022jp_escapes_are_read_as_au_meant_them():
    parsed = parse_mail(phones.au_iso2022jp())
    assert parsed.subject == "晴れです☀"
    # Row 0x79 is an IBM kanji in CP932, an emoji in au's mail.
    assert parsed.text == "請求書について✨よろしく"
    assert parsed.sender_name == "花子"


def test_au_shift_jis_emoji():
    parsed = parse_mail(phones.au_shift_jis())
    assert (parsed.subject, parsed.text) == ("天気☁", "天気☀☁です")


def test_softbank_emoji_pages_on_ibm_kanji_codes_are_emoji_yet_real_kanji_survive():
    parsed = parse_mail(phones.softbank_shift_jis())
    assert parsed.subject == "お問い合わせ😥"
    assert parsed.text == "髙橋です👦😥"


def test_softbank_utf8_private_use_emoji():
    parsed = parse_mail(phones.softbank_utf8())
    assert parsed.subject == "件名☀"
    assert parsed.text == "晴れ☀ 了解です😄 \ue50a"


def test_decomail_html_keeps_emoji_in_text_and_display():
    parsed = parse_mail(phones.docomo_decomail())
    assert parsed.subject == "デコメ❤"
    assert parsed.text == "お知らせ☀"
    assert "お知らせ☀" in parsed.html and "❤" in parsed.html
    assert "<div" in parsed.html and "color" not in parsed.html  # still sanitised


def test_pc_mail_with_a_user_defined_character_keeps_it_as_private_use():
    assert parse_mail(phones.pc_jis_user_defined()).text == "外字\ue000"


def test_the_same_emoji_from_a_non_carrier_address_is_kept_private_use_not_guessed():
    # F6 60 is au's sun and docomo's nothing: without a carrier no picture is assumed.
    assert decode_bytes(b"\xf6\x60", "Shift_JIS").text == "\ue488"


@pytest.mark.parametrize("carrier", ["", DOCOMO, AU, SOFTBANK])
def test_every_user_defined_code_decodes_without_replacement(carrier):
    sjis = b"".join(
        bytes((lead, trail))
        for lead in range(0xF0, 0xFA)
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFD)]
    )
    assert "\ufffd" not in decode_bytes(sjis, "Shift_JIS", carrier=carrier).text
    jis_rows = b"".join(
        bytes((row, cell)) for row in range(0x75, 0x7F) for cell in range(0x21, 0x7F)
    )
    assert (
        "\ufffd"
        not in decode_bytes(b"\x1b$B" + jis_rows + b"\x1b(B", "iso-2022-jp", carrier=carrier).text
    )
    euc_rows = bytes(byte | 0x80 for byte in jis_rows)
    assert "\ufffd" not in decode_bytes(euc_rows, "EUC-JP", carrier=carrier).text
