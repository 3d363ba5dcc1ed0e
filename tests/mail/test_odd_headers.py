"""Subjects folded in odd places and UTF-7 words decode as the sender meant them."""

from __future__ import annotations

import contextlib
import datetime
import email.utils
from email.parser import BytesParser
from email.policy import compat32

import pytest

from helpdesk.mail import parse
from helpdesk.mail.headers import decode_header_value, parse_addresses, parse_date

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
    parsed = parse.parse_mail(build())
    assert parsed.subject == subject
    assert not parsed.defects


def test_utf7_body_is_decoded():
    assert parse.parse_mail(odd.utf7_subject()).text == "お問い合わせ"


def test_a_real_space_inside_a_sloppy_q_word_is_kept():
    assert decode_header_value(b"=?UTF-8?Q?a b?= c") == "a b c"


def test_whitespace_between_an_encoded_word_and_plain_text_is_kept():
    value = b"Re: =?UTF-8?B?44GK?=\r\n =?UTF-8?B?5ZWP?= end"
    assert decode_header_value(value) == "Re: お問 end"


@pytest.mark.parametrize(
    "value",
    [
        "Wed, 01 Apr 2026 10:00:00 +0900",
        "1 Apr 2026 10:00:00 -0000",
        "Thu, 3 Dec 2026 05:06:07 -0530",
        "Wed, 01 APR 2026 10:00:00 +0000",
        "Wed, 31 Feb 2026 10:00:00 +0900",
        "Wed, 01 Apr 2026 10:00:00 +9900",
        "Wed, 01 Apr 2026 10:00 JST",
    ],
)
def test_the_usual_date_shortcut_reads_dates_as_the_stdlib_does(value):
    expected = None
    with contextlib.suppress(ValueError):
        expected = email.utils.parsedate_to_datetime(value.replace("JST", "+0900"))
    if expected is not None and expected.tzinfo is None:
        expected = expected.replace(tzinfo=datetime.UTC)
    parsed = parse_date(value.encode())
    assert parsed == expected
    assert parsed is None or parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"a@b.jp", [("", "a@b.jp")]),
        (b" Taro Yamada <Taro@B.JP> ", [("Taro Yamada", "taro@b.jp")]),
        (b'"Yamada, Taro" <a@b.jp>', [("Yamada, Taro", "a@b.jp")]),
        (b"a@b.jp, c@d.jp", [("", "a@b.jp"), ("", "c@d.jp")]),
        (b"Name <mailto:a@b.jp>", [("Name", "a@b.jp")]),
        (b"=?UTF-8?B?5bGx55Sw?= <a@b.jp>", [("山田", "a@b.jp")]),
    ],
)
def test_single_mailboxes_and_lists_read_the_same(value, expected):
    assert parse_addresses(value) == expected


PARTS = b"--x\r\n\r\nhi\r\n--x--"


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: a\r\nFrom: x@y.jp\r\n\r\nbody line\r\n\r\nsecond\r\n",
        b"Subject: a\r\nnot a header\r\nFrom: x@y.jp\r\n\r\nbody",
        b"Subject: a\r\nTo: b@c.jp\rContent-Type: multipart/mixed; boundary=x\r\n\r\n" + PARTS,
        b"Subject: a\r\nContent-Type:\r\n multipart/mixed; boundary=x\r\n\r\n" + PARTS,
        b"Subject: a\n\nLF only\n",
    ],
)
def test_the_single_part_shortcut_builds_the_same_message_as_the_full_parse(raw):
    full = BytesParser(policy=compat32).parsebytes(raw)
    quick = parse._message(raw)
    assert quick.raw_items() and list(quick.raw_items()) == list(full.raw_items())
    assert quick.get_payload() == full.get_payload() or (
        quick.is_multipart() and len(quick.get_payload()) == len(full.get_payload())
    )
    assert [type(defect) for defect in quick.defects] == [type(defect) for defect in full.defects]
