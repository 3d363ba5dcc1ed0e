"""Staff answers go out by mail with headers that thread the customer's reply back."""

from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail as django_mail
from django.core.mail import EmailMessage

from helpdesk.mail.services import mail_process
from helpdesk.mail.storage import mail_store
from helpdesk.tickets.models import Message, TicketEvent
from helpdesk.tickets.outbound import message_send
from helpdesk.tickets.services import ticket_staff_reply
from tests.factories import StaffFactory
from tests.mail.intake.conftest import japanese_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    stored = mail_store(
        raw=japanese_mail(message_id="<question@customer.example.jp>"),
        source="pipe",
        enqueue=False,
    )
    ticket = mail_process(inbound_pk=stored.inbound.pk).ticket
    staff = StaffFactory()
    answer = ticket_staff_reply(
        ticket=ticket, author=staff, body_text="設定画面から再発行できます。"
    )
    return ticket, answer


def test_a_staff_answer_carries_threading_headers_the_tag_and_utf8(answered):
    ticket, answer = answered
    assert message_send(message_pk=answer.pk) is True

    sent = django_mail.outbox[-1]
    answer.refresh_from_db()
    assert sent.to == ["yamada@customer.example.jp"]
    assert sent.subject.startswith(f"[{ticket.reference}] ")
    assert sent.extra_headers["Message-ID"] == answer.message_id
    assert answer.message_id.endswith("@helpdesk.example.jp>")
    assert sent.extra_headers["In-Reply-To"] == "<question@customer.example.jp>"
    assert "<question@customer.example.jp>" in sent.extra_headers["References"]
    raw = sent.message().as_bytes()
    assert b'charset="utf-8"' in raw or b"charset=utf-8" in raw
    assert "設定画面から再発行できます。" in sent.body
    assert answer.delivery_status == "sent"

    # Sent once: a redelivered task does nothing.
    assert message_send(message_pk=answer.pk) is False
    assert len([m for m in django_mail.outbox if m.subject == sent.subject]) == 1


def test_the_customers_reply_to_our_answer_lands_on_the_same_ticket(answered):
    ticket, answer = answered
    message_send(message_pk=answer.pk)
    answer.refresh_from_db()
    stored = mail_store(
        raw=japanese_mail(
            subject=f"Re: [{ticket.reference}] ログインできません",
            in_reply_to=answer.message_id,
            references=answer.references,
        ),
        source="pipe",
        enqueue=False,
    )
    assert mail_process(inbound_pk=stored.inbound.pk).ticket == ticket


def test_a_failed_send_stays_queued_until_the_last_retry_then_shows_on_the_ticket(
    answered, monkeypatch
):
    _ticket, answer = answered

    def refuse(self, fail_silently=False):
        raise SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(SMTPServerDisconnected):
        message_send(message_pk=answer.pk)
    answer.refresh_from_db()
    assert answer.delivery_status == "queued"
    assert not TicketEvent.objects.filter(kind="send_failed").exists()  # retries remain

    with pytest.raises(SMTPServerDisconnected):
        message_send(message_pk=answer.pk, final_attempt=True)
    answer.refresh_from_db()
    assert answer.delivery_status == "failed"
    assert "mail server went away" in answer.delivery_error
    assert Message.objects.get(pk=answer.pk).delivery_status == "failed"
    # And the ticket's history says so, once, naming the address and the error.
    (event,) = TicketEvent.objects.filter(ticket=answer.ticket, kind="send_failed")
    assert "mail server went away" in event.detail
    assert answer.recipient in event.detail
