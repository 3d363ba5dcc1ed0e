"""Recognising the same mail again, and parsing hostile mail with bounded work (issue 9)."""

from __future__ import annotations

import time

import pytest

from helpdesk.mail.containment import MailUnprocessable, parse_contained
from helpdesk.mail.digest import content_digest
from helpdesk.mail.htmltext import MAX_HTML_DEPTH, flatten_deep_nesting, html_to_text
from tests.faults.poison import ampersand_html_mail, nested_html_mail, nested_mime_mail

MAIL = (
    b"From: a@example.jp\r\nTo: support@helpdesk.example.jp\r\nSubject: hello\r\n"
    b"Message-ID: <m1@example.jp>\r\n\r\nbody line\r\n"
)


def test_trace_fields_line_endings_and_the_final_break_do_not_change_the_digest():
    relayed = (
        b"Received: from mx1 by mx2;\r\n\tThu, 3 Dec 2026 10:00:00 +0900\r\n"
        b"Return-Path: <a@example.jp>\r\nX-Spam-Score: 1.0\r\nARC-Seal: i=1; cv=none\r\n"
        + MAIL.replace(b"\r\n", b"\n").rstrip(b"\n")
    )
    assert content_digest(relayed) == content_digest(MAIL)


def test_any_other_difference_changes_the_digest():
    assert content_digest(MAIL.replace(b"hello", b"hullo")) != content_digest(MAIL)
    assert content_digest(MAIL.replace(b"body line", b"body lime")) != content_digest(MAIL)
    assert content_digest(MAIL + b"Cc: b@example.jp\r\n") != content_digest(MAIL)


def test_deep_mime_is_refused_before_the_parser_recurses():
    started = time.monotonic()
    with pytest.raises(MailUnprocessable, match="multipart boundaries"):
        parse_contained(
            nested_mime_mail(3000), our_domain="helpdesk.example.jp", reference_prefix="NP"
        )
    assert time.monotonic() - started < 1


def test_moderately_nested_mime_still_parses():
    parsed = parse_contained(nested_mime_mail(30), our_domain="x.jp", reference_prefix="NP")
    assert parsed.subject == "nested 30"


@pytest.mark.parametrize(
    "raw", [nested_html_mail(70_000), ampersand_html_mail(700_000)], ids=["divs", "ampersands"]
)
def test_pathological_html_is_read_in_seconds(raw):
    started = time.monotonic()
    parsed = parse_contained(raw, our_domain="x.jp", reference_prefix="NP")
    assert time.monotonic() - started < 8
    assert parsed.subject


def test_flattening_keeps_the_text_and_ordinary_html_unchanged():
    ordinary = "<div><p>こんにちは <b>世界</b></p><ul><li>一</li></ul></div>"
    assert flatten_deep_nesting(ordinary) == ordinary
    deep = "<div>" * (MAX_HTML_DEPTH + 50) + "中身" + "</div>" * (MAX_HTML_DEPTH + 50)
    flattened = flatten_deep_nesting(deep)
    assert flattened.count("<div>") == MAX_HTML_DEPTH
    assert html_to_text(deep) == "中身"
