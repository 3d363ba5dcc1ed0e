"""Subjects folded in odd places and UTF-7 words decode as the sender meant them."""

from __future__ import annotations

import pytest

from helpdesk.mail.headers import decode_header_value
from helpdesk.mail.parse import parse_mail

from . import header_fixtures as odd


@pytest.mark.parametrize(
    ("build", "subject"),
    [
        (odd.q_word_folded_inside_a_character, "お問い合わせ"),
        (odd.b_word_folded_between_its_delimiters, "請求書の件"),
        (odd.words_separated_by_several_folds_and_tabs, "ログインできません"),
        (odd.utf7_subject, "お問い合わせ"),
    ],
)
def test_regression_folded_and_utf7_subjects_read_as_sent(build, subject):
    # Bug: a fold inside an encoded-word left U+FFFD or the raw "=?ISO-2022-JP? B?..." text.
    parsed = parse_mail(build())
    assert parsed.subject == subject
    assert not parsed.defects


def test_utf7_body_is_decoded():
    assert parse_mail(odd.utf7_subject()).text == "お問い合わせ"


def test_a_real_space_inside_a_sloppy_q_word_is_kept():
    assert decode_header_value(b"=?UTF-8?Q?a b?= c") == "a b c"


def test_whitespace_between_an_encoded_word_and_plain_text_is_kept():
    value = b"Re: =?UTF-8?B?44GK?=\r\n =?UTF-8?B?5ZWP?= end"
    assert decode_header_value(value) == "Re: お問 end"
