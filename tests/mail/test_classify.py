"""Which mails reach people: bounces, auto-replies and bulk never open a ticket or get an answer."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.mail import containment as containment_module
from helpdesk.mail.classify import Classification, classify, is_no_reply_address
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.summary import dry_run_summary

from . import fixtures


def kind_of(raw: bytes, **options: str) -> Classification:
    return classify(parse_mail(raw, **options))


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([("Auto-Submitted", "auto-replied")], "Auto-Submitted: auto-replied"),
        ([("Auto-Submitted", "Auto-Generated; owner-email=x@y")], "Auto-Submitted: auto-generated"),
        ([("X-Autoreply", "yes")], "X-Autoreply present"),
        ([("X-Autorespond", "vacation")], "X-Autorespond present"),
        (
            [("X-Auto-Response-Suppress", "OOF, AutoReply")],
            "X-Auto-Response-Suppress: OOF, AutoReply",
        ),
        ([("Precedence", "auto_reply")], "Precedence: auto_reply"),
        ([("Precedence", "junk")], "Precedence: junk with an auto-reply subject"),
    ],
)
def test_auto_replies_are_recognised_by_their_headers(headers, reason):
    assert kind_of(fixtures.auto_reply(headers)) == Classification("auto_reply", reason)


def test_exchange_out_of_office_is_an_auto_reply():
    assert kind_of(fixtures.exchange_out_of_office()) == Classification(
        "auto_reply", "X-Auto-Response-Suppress: All"
    )


def test_auto_reply_subject_alone_does_not_hide_a_customer_mail():
    # A person may well write "不在" or "Out of Office" in a real question.
    raw = fixtures.auto_reply([], subject="Out of Office設定の方法を教えてください")
    assert kind_of(raw) == Classification("inquiry", "new conversation")


@pytest.mark.parametrize("value", ["no", "No", "none"])
def test_auto_submitted_no_and_suppress_none_are_ordinary_mail(value):
    headers = (
        [("Auto-Submitted", "no")] if value != "none" else [("X-Auto-Response-Suppress", "None")]
    )
    assert kind_of(fixtures.auto_reply(headers, subject="質問")).kind == "inquiry"


def test_vacation_answer_with_null_return_path_is_an_auto_reply_not_a_bounce():
    assert kind_of(fixtures.null_sender_vacation()) == Classification(
        "auto_reply", "Auto-Submitted: auto-replied"
    )


def test_read_receipt_is_an_auto_reply():
    assert kind_of(fixtures.read_receipt()) == Classification(
        "auto_reply", "read receipt (multipart/report disposition-notification)"
    )


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (fixtures.dsn_bounce, "multipart/report (delivery-status)"),
        (fixtures.rfc822_headers_bounce, "multipart/report (delivery-status)"),
        (fixtures.exim_bounce, "sender is mailer-daemon"),
        (fixtures.japanese_null_sender_bounce, "null Return-Path with a delivery failure report"),
    ],
)
def test_bounces_are_recognised(build, reason):
    assert kind_of(build()) == Classification("bounce", reason)


def test_bounce_wins_over_its_auto_submitted_header():
    # The DSN carries Auto-Submitted too; it must still be tied to the mail that bounced.
    assert kind_of(fixtures.dsn_bounce()).kind == "bounce"


def test_customer_forwarding_a_delivery_report_is_still_an_inquiry():
    report = fixtures.entity(
        [("Content-Type", "message/delivery-status")],
        b"Final-Recipient: rfc822; partner@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n",
    )
    question = fixtures.plain_part("取引先へのメールが届きません。".encode())
    parsed = parse_mail(fixtures.mixed_mail([question, report]))
    assert classify(parsed) == Classification("inquiry", "new conversation")
    assert parsed.bounce is None


def test_postmaster_sender_is_a_bounce():
    raw = fixtures.text_mail(b"undeliverable", sender="Postmaster <POSTMASTER@example.net>")
    assert kind_of(raw) == Classification("bounce", "sender is postmaster")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (fixtures.list_mail, "Precedence: list"),
        (fixtures.newsletter, "List-Unsubscribe present"),
        (lambda: fixtures.text_mail(b"x", extra=[("Precedence", "bulk")]), "Precedence: bulk"),
        (lambda: fixtures.text_mail(b"x", extra=[("List-Id", "<a.b.c>")]), "List-Id present"),
    ],
)
def test_bulk_and_list_mail_is_recognised(build, reason):
    assert kind_of(build()) == Classification("bulk", reason)


def test_reply_to_our_message_id_is_a_reply():
    raw = fixtures.reply(in_reply_to="<ack.42@helpdesk.example.jp>")
    assert kind_of(raw) == Classification(
        "reply", "In-Reply-To refers to our mail <ack.42@helpdesk.example.jp>"
    )


def test_reply_found_through_references_only_is_a_reply():
    raw = fixtures.reply(
        in_reply_to="<their@customer.example>",
        references="<ack.42@helpdesk.example.jp> <their@customer.example>",
    )
    assert kind_of(raw) == Classification(
        "reply", "References refers to our mail <ack.42@helpdesk.example.jp>"
    )


def test_reply_with_only_the_ticket_tag_in_the_subject_is_a_reply():
    raw = fixtures.reply(subject="Re: [NP-000123] ログインできません")
    assert kind_of(raw) == Classification("reply", "subject tag [NP-000123]")


def test_tag_with_another_prefix_opens_a_new_inquiry():
    raw = fixtures.reply(subject="Re: [NP-000123] ログインできません")
    assert kind_of(raw, reference_prefix="QA").kind == "inquiry"


def test_reply_to_someone_elses_mail_is_a_new_inquiry():
    raw = fixtures.reply(in_reply_to="<x@other.example>")
    assert kind_of(raw) == Classification("inquiry", "new conversation")


def test_japanese_inquiry_is_an_inquiry():
    assert kind_of(fixtures.outlook_express_jis_with_cp932_extensions()).opens_conversation


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("MAILER-DAEMON@example.com", True),
        ("postmaster@example.com", True),
        ("no-reply@example.com", True),
        ("noreply@example.com", True),
        ("No_Reply+billing@example.com", True),
        ("do-not-reply@example.com", True),
        ("donotreply@example.com", True),
        ("<do.not.reply@example.com>", True),
        ("hanako@example.com", False),
        ("reply@example.com", False),
        ("noreplyhere@example.com", False),
    ],
)
def test_no_reply_addresses_are_recognised(address, expected):
    assert is_no_reply_address(address) is expected


# --- Dry run ---------------------------------------------------------------------------------


def test_dry_run_summary_describes_the_mail():
    summary = dry_run_summary(fixtures.outlook_encoded_word_filename())
    assert summary == {
        "kind": "inquiry",
        "sender": "hanako@example.com",
        "sender_name": "Hanako Suzuki",
        "subject": "お問い合わせ",
        "text": "添付します",
        "attachments": [
            {"filename": "御見積書①.pdf", "content_type": "application/pdf", "size": 54}
        ],
        "reason": "new conversation",
    }


def test_dry_run_of_html_only_mail_gives_readable_text():
    assert dry_run_summary(fixtures.html_only())["text"].startswith(
        "山田様\n\nお世話になっております。"
    )


def test_dry_run_of_something_that_is_not_a_mail_is_invalid_with_a_reason():
    assert dry_run_summary(b"hello") == {
        "kind": "invalid",
        "sender": "",
        "sender_name": "",
        "subject": "",
        "text": "",
        "attachments": [],
        "reason": "no header block: the first line is not a header field",
    }


def test_dry_run_turns_an_unexpected_parser_error_into_invalid(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    # Patched beneath the poison-mail budget, where the parser is called.
    monkeypatch.setattr(containment_module, "parse_mail", broken)
    summary = dry_run_summary(fixtures.list_mail())
    assert (summary["kind"], summary["reason"]) == (
        "invalid",
        "unexpected error while parsing: RuntimeError: a bug",
    )


@pytest.mark.parametrize("name", sorted(fixtures.FIXTURES))
def test_dry_run_of_every_fixture_is_json(name):
    summary = dry_run_summary(fixtures.FIXTURES[name]())
    assert summary["kind"] in ("inquiry", "reply", "auto_reply", "bounce", "bulk")
    json.dumps(summary, ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_dry_run_never_raises_for_arbitrary_bytes(raw):
    summary = dry_run_summary(raw)
    assert summary["kind"] in ("inquiry", "reply", "auto_reply", "bounce", "bulk", "invalid")
    json.dumps(summary)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(fixtures.FIXTURES)),
    st.integers(min_value=0, max_value=5000),
    st.binary(min_size=1, max_size=20),
)
def test_dry_run_never_raises_for_damaged_fixtures(name, position, noise):
    raw = fixtures.FIXTURES[name]()
    position %= len(raw)
    damaged = raw[:position] + noise + raw[position + len(noise) :]
    summary = dry_run_summary(damaged)
    assert not summary["reason"].startswith("unexpected error"), summary["reason"]
