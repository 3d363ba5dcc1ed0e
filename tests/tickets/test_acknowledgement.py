"""The acknowledgement mail (reference, reply deadline, desk hours, status link) and the
outgoing-mail builder it shares with staff answers."""

from __future__ import annotations

import datetime
import re
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import models

from helpdesk.tickets.models import Message, TicketAccessToken
from helpdesk.tickets.notifications import ticket_acknowledge
from helpdesk.tickets.outbound import message_send
from helpdesk.tickets.services import ticket_customer_reply, ticket_staff_reply
from helpdesk.tickets.tasks import message_send_task, ticket_acknowledge_task
from tests.factories import StaffFactory, TicketFactory

JST = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver(/t/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def _site_and_media(settings, tmp_path):
    settings.SITE_URL = "http://testserver"
    settings.MAIL_DOMAIN = "helpdesk.example.jp"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def saturday_ticket():
    """An inquiry on Saturday 2026-11-28 09:00 JST: normal priority, due Monday 17:00."""
    with time_machine.travel(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=JST), tick=False):
        return TicketFactory(requester_email="taro.yamada@example.jp")


@pytest.fixture
def smtp_down(monkeypatch):
    def refuse(self, messages):
        raise SMTPException("451 4.3.0 temporary failure")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)


def the_acknowledgement(ticket) -> Message:
    return Message.objects.get(ticket=ticket, is_automatic=True)


def test_the_mail_tells_reference_deadline_hours_and_link(saturday_ticket):
    ticket_acknowledge(ticket_id=saturday_ticket.pk)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["taro.yamada@example.jp"]
    assert sent.subject == "[NP-000001] お問い合わせを受け付けました: ログインできません"
    assert "山田 太郎 様" in sent.body
    assert "受付番号: NP-000001" in sent.body
    assert "回答予定日時: 2026年11月30日(月) 17:00" in sent.body
    assert "受付時間 10:00〜12:00、13:00〜17:00（土日祝・年末年始を除く平日）" in sent.body
    assert "次の受付開始時刻 2026年11月30日(月) 10:00 から対応を開始いたします。" in sent.body
    assert LINK.search(sent.body)


def test_the_headers_mark_an_auto_reply_and_the_message_id_is_stored(saturday_ticket):
    ticket_acknowledge(ticket_id=saturday_ticket.pk)

    raw = mail.outbox[0].message()
    stored = the_acknowledgement(saturday_ticket)
    assert raw["Auto-Submitted"] == "auto-replied"
    assert raw["Message-ID"] == stored.message_id
    assert re.fullmatch(r"<[^<>@\s]+@helpdesk\.example\.jp>", stored.message_id)
    assert raw.get_content_charset() == "utf-8"
    assert stored.kind == "outbound" and stored.is_automatic
    assert stored.delivery_status == "sent"
    assert stored.subject.startswith("[NP-000001]")


def test_running_twice_sends_once(saturday_ticket):
    ticket_acknowledge_task.apply(args=[saturday_ticket.pk])
    ticket_acknowledge_task.apply(args=[saturday_ticket.pk])

    assert len(mail.outbox) == 1
    assert Message.objects.filter(ticket=saturday_ticket, is_automatic=True).count() == 1
    assert TicketAccessToken.objects.filter(ticket=saturday_ticket).count() == 1


def test_the_link_in_the_mail_opens_the_ticket(client, saturday_ticket):
    ticket_acknowledge(ticket_id=saturday_ticket.pk)
    path = LINK.search(mail.outbox[0].body).group(1)

    response = client.get(path)

    assert response.status_code == 200
    assert "NP-000001" in response.content.decode()
    assert "ログインできません" in response.content.decode()


def test_the_raw_token_is_stored_nowhere_in_the_database(saturday_ticket):
    ticket_acknowledge(ticket_id=saturday_ticket.pk)
    token = LINK.search(mail.outbox[0].body).group(1).split("/")[2]

    for model in apps.get_models():
        text_fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        for name in text_fields:
            found = model._default_manager.filter(**{f"{name}__contains": token}).exists()
            assert not found, f"{model.__name__}.{name} holds the raw token"
    stored = the_acknowledgement(saturday_ticket).body_text
    assert "/t/" not in stored
    assert "リンクはお客様宛てのメールにのみ記載" in stored


def test_an_english_inquiry_gets_an_english_mail(saturday_ticket):
    ticket_acknowledge(ticket_id=saturday_ticket.pk, language="en")

    sent = mail.outbox[0]
    assert sent.subject == "[NP-000001] Your inquiry has been received: ログインできません"
    assert "Reply deadline: Mon 30 Nov 2026 17:00 (JST)" in sent.body
    assert "Desk hours: 10:00–12:00, 13:00–17:00" in sent.body


def test_a_mailed_inquiry_is_answered_in_its_thread():
    ticket = TicketFactory(channel="mail", message_id="<abc.123@mail.example.jp>")

    ticket_acknowledge(ticket_id=ticket.pk)

    raw = mail.outbox[0].message()
    assert raw["In-Reply-To"] == "<abc.123@mail.example.jp>"
    assert raw["References"] == "<abc.123@mail.example.jp>"
    assert the_acknowledgement(ticket).in_reply_to == "<abc.123@mail.example.jp>"


def test_a_long_subject_with_a_line_break_still_gets_an_acknowledgement():
    ticket = TicketFactory(channel="mail", subject="長い件名\n" + "あ" * 300)

    ticket_acknowledge(ticket_id=ticket.pk)

    stored = the_acknowledgement(ticket)
    assert stored.delivery_status == "sent"
    assert len(stored.subject) <= 300 and "\n" not in stored.subject
    expected_start = "[NP-000001] お問い合わせを受け付けました: 長い件名 あ"
    assert mail.outbox[0].subject.startswith(expected_start)


# --- delivery failures ---------------------------------------------------------------------


def test_a_failed_send_revokes_the_link_and_leaves_the_message_queued(saturday_ticket, smtp_down):
    with pytest.raises(SMTPException):
        ticket_acknowledge(ticket_id=saturday_ticket.pk)

    message = the_acknowledgement(saturday_ticket)
    assert message.delivery_status == "queued"
    assert "451 4.3.0" in message.delivery_error
    tokens = TicketAccessToken.objects.filter(ticket=saturday_ticket)
    assert tokens.count() == 1
    assert tokens.get().revoked_at is not None


def test_a_retry_after_a_failure_sends_once_with_a_working_link(
    client, saturday_ticket, monkeypatch
):
    original = EmailBackend.send_messages
    monkeypatch.setattr(
        EmailBackend, "send_messages", lambda self, m: (_ for _ in ()).throw(SMTPException())
    )
    with pytest.raises(SMTPException):
        ticket_acknowledge(ticket_id=saturday_ticket.pk)
    monkeypatch.setattr(EmailBackend, "send_messages", original)

    ticket_acknowledge(ticket_id=saturday_ticket.pk)

    assert len(mail.outbox) == 1
    assert Message.objects.filter(ticket=saturday_ticket, is_automatic=True).count() == 1
    assert the_acknowledgement(saturday_ticket).delivery_status == "sent"
    assert client.get(LINK.search(mail.outbox[0].body).group(1)).status_code == 200


def test_after_the_last_retry_the_message_is_marked_failed(saturday_ticket, smtp_down):
    # Eager apply() runs the retries at once: the first attempt and five retries.
    result = ticket_acknowledge_task.apply(args=[saturday_ticket.pk])

    assert result.failed()
    message = the_acknowledgement(saturday_ticket)
    assert message.delivery_status == "failed"
    assert "SMTPException" in message.delivery_error
    tokens = TicketAccessToken.objects.filter(ticket=saturday_ticket)
    assert tokens.count() == 6
    assert not tokens.filter(revoked_at__isnull=True).exists()
    assert mail.outbox == []


def test_the_tasks_retry_delivery_errors_with_backoff_and_a_cap():
    for task in (ticket_acknowledge_task, message_send_task):
        assert SMTPException in task.autoretry_for
        assert ConnectionError in task.autoretry_for and OSError in task.autoretry_for
        assert task.max_retries == 5
        assert task.retry_backoff
        assert task.acks_late


def test_no_mail_to_an_address_known_to_bounce(saturday_ticket):
    requester = saturday_ticket.requester
    requester.email_undeliverable = True
    requester.save()

    ticket_acknowledge(ticket_id=saturday_ticket.pk)

    assert mail.outbox == []
    assert the_acknowledgement(saturday_ticket).delivery_status == "failed"


# --- the same builder for staff answers --------------------------------------------------


def test_a_staff_answer_is_mailed_in_the_customers_thread():
    ticket = TicketFactory(
        channel="mail", subject="請求書について", message_id="<first@mail.example.jp>"
    )
    ticket_customer_reply(
        ticket=ticket,
        body_text="補足です。",
        channel="mail",
        message_id="<second@mail.example.jp>",
        references="<first@mail.example.jp>",
    )
    staff = StaffFactory()
    answer = ticket_staff_reply(
        ticket=ticket, author=staff, body_text="ご連絡ありがとうございます。"
    )

    assert message_send(message_pk=answer.pk) is True
    assert message_send(message_pk=answer.pk) is False  # already sent: nothing twice

    assert len(mail.outbox) == 1
    raw = mail.outbox[0].message()
    answer.refresh_from_db()
    assert mail.outbox[0].subject == "[NP-000001] Re: 請求書について"
    assert raw["Message-ID"] == answer.message_id
    assert answer.message_id.endswith("@helpdesk.example.jp>")
    # It answers the customer's latest message, keeping the whole thread in References.
    assert raw["In-Reply-To"] == "<second@mail.example.jp>"
    assert raw["References"] == "<first@mail.example.jp> <second@mail.example.jp>"
    assert raw["Auto-Submitted"] is None
    assert "ご連絡ありがとうございます。" in mail.outbox[0].body
    assert answer.delivery_status == "sent"


def test_an_internal_note_is_never_mailed():
    ticket = TicketFactory()
    staff = StaffFactory()
    note = ticket_staff_reply(ticket=ticket, author=staff, body_text="社内メモ", internal=True)

    assert message_send(message_pk=note.pk) is False
    assert mail.outbox == []


def test_the_mail_is_the_stored_text_with_the_link_in_place_of_the_note():
    note = "（状況確認ページのリンクはお客様宛てのメールにのみ記載しています）"
    # A customer who writes the note's very words in the subject gets them back as written.
    ticket = TicketFactory(subject=f"件名に{note}", requester_email="taro.yamada@example.jp")
    ticket_acknowledge(ticket_id=ticket.pk)

    stored = the_acknowledgement(ticket).body_text
    sent = mail.outbox[0].body
    path = LINK.search(sent).group(1)
    assert stored.count(note) == 2
    assert (
        sent
        == stored[: stored.rindex(note)]
        + (f"http://testserver{path}\nこのリンクはお客様専用です。第三者と共有しないでください。")
        + stored[stored.rindex(note) + len(note) :]
    )
    assert path not in stored
