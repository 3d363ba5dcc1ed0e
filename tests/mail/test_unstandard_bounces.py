"""Bounces without DSN, Auto-Submitted or daemon sender are still bounces; people's mail
about a failed delivery is still an inquiry."""

from __future__ import annotations

import pytest

from helpdesk.mail.classify import classify
from helpdesk.mail.parse import parse_mail

from . import bounce_fixtures as odd
from .fixtures import text_mail


@pytest.mark.parametrize(
    ("build", "reason", "original", "failed"),
    [
        (
            odd.plain_mta_notice_english,
            "plain-text delivery failure notice",
            "<ack.31@helpdesk.example.jp>",
            ["gone@customer.example"],
        ),
        (
            odd.plain_mta_notice_japanese,
            "plain-text delivery failure notice",
            "<ack.32@helpdesk.example.jp>",
            ["taro@customer.example"],
        ),
        (
            odd.json_notification,
            "delivery failure notification in JSON",
            "<ack.33@helpdesk.example.jp>",
            ["hanako@customer.example"],
        ),
        (odd.list_not_a_member, "mailing list manager's error reply", "", []),
        (odd.list_loop_alert_japanese, "mailing list manager's error reply", "", []),
    ],
)
def test_regression_unstandard_bounces_open_no_ticket(build, reason, original, failed):
    # Bug: each of these opened a ticket and was sent an acknowledgement.
    parsed = parse_mail(build())
    assert (classify(parsed).kind, classify(parsed).reason) == ("bounce", reason)
    assert parsed.bounce.original_message_id == original
    assert parsed.bounce.failed_recipients == failed


def test_json_bounce_keeps_the_status_and_the_servers_words():
    bounce = parse_mail(odd.json_notification()).bounce
    assert (bounce.status, bounce.diagnostic) == ("5.1.1", "smtp; 550 5.1.1 user unknown")


@pytest.mark.parametrize("build", odd.NOT_BOUNCE_FIXTURES.values(), ids=odd.NOT_BOUNCE_FIXTURES)
def test_people_writing_about_a_failed_delivery_are_inquiries(build):
    parsed = parse_mail(build())
    assert parsed.bounce is None
    assert classify(parsed).kind == "inquiry"


def test_json_that_is_no_bounce_event_is_an_inquiry():
    raw = text_mail(b'{"event": "delivered", "email": "a@b.example"}', subject="Webhook")
    assert classify(parse_mail(raw)).kind == "inquiry"
