"""What intake does with each kind of mail: open, thread, ignore, or record a bounce."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from helpdesk.mail.models import InboundMail
from helpdesk.mail.services import mail_process, mail_reprocess
from helpdesk.mail.storage import mail_store
from helpdesk.tickets.models import Contact, Message, Ticket, TicketEvent
from helpdesk.tickets.services import ticket_change_status, ticket_staff_reply
from tests.factories import StaffFactory
from tests.mail.intake.conftest import japanese_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes) -> InboundMail:
    stored = mail_store(raw=raw, source="pipe", enqueue=False)
    return mail_process(inbound_pk=stored.inbound.pk).inbound


def open_by_mail(**overrides) -> Ticket:
    inbound = ingest(japanese_mail(message_id="<original@customer.example.jp>", **overrides))
    assert inbound.action == "created", inbound.reason
    return inbound.ticket


def staff_answer(ticket: Ticket) -> Message:
    staff = StaffFactory()
    return ticket_staff_reply(ticket=ticket, author=staff, body_text="ご回答いたします。")


def test_a_new_mail_opens_a_ticket_with_the_sender_as_requester():
    ticket = open_by_mail(subject="【至急】ログインできません")
    assert ticket.subject == "【至急】ログインできません"
    assert ticket.requester.email == "yamada@customer.example.jp"
    message = ticket.messages.get()
    assert "㈱テスト" in message.body_text
    assert message.message_id == "<original@customer.example.jp>"


def test_a_reply_to_our_mail_is_threaded_by_in_reply_to():
    ticket = open_by_mail()
    answer = staff_answer(ticket)
    answer.message_id = "<answer-1@helpdesk.example.jp>"
    answer.save(update_fields=["message_id"])

    inbound = ingest(
        japanese_mail(
            subject="Re: ログインできません", in_reply_to="<answer-1@helpdesk.example.jp>"
        )
    )
    assert inbound.action == "appended"
    assert inbound.ticket == ticket
    assert ticket.messages.filter(kind="inbound").count() == 2


def test_a_reply_with_only_the_subject_tag_is_threaded():
    ticket = open_by_mail()
    inbound = ingest(japanese_mail(subject=f"Re: [{ticket.reference}] ログインできません"))
    assert inbound.action == "appended"
    assert "subject-tag" in inbound.reason


def test_a_stranger_using_the_subject_tag_gets_a_new_linked_ticket():
    ticket = open_by_mail()
    inbound = ingest(
        japanese_mail(
            sender="stranger@other.example.jp", subject=f"[{ticket.reference}] 私も同じです"
        )
    )
    assert inbound.action == "created"
    assert inbound.ticket != ticket
    assert inbound.ticket.related_ticket == ticket
    assert ticket.messages.count() == 1


def test_someone_copied_on_the_first_mail_may_reply_on_the_ticket():
    ticket = open_by_mail(cc="boss@customer.example.jp")
    inbound = ingest(
        japanese_mail(
            sender="boss@customer.example.jp",
            sender_name="",
            references="<original@customer.example.jp>",
        )
    )
    assert inbound.action == "appended"
    assert inbound.ticket == ticket


def test_a_reply_to_a_closed_ticket_reopens_it_within_the_window(settings):
    settings.MAIL_REOPEN_DAYS = 14
    ticket = open_by_mail()
    ticket_change_status(ticket=ticket, status="closed")
    inbound = ingest(japanese_mail(in_reply_to="<original@customer.example.jp>"))
    ticket.refresh_from_db()
    assert inbound.action == "appended"
    assert ticket.status == "open"


def test_a_reply_to_a_ticket_closed_long_ago_opens_a_new_linked_ticket(settings):
    settings.MAIL_REOPEN_DAYS = 14
    ticket = open_by_mail()
    ticket_change_status(ticket=ticket, status="closed")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - datetime.timedelta(days=30)
    )
    inbound = ingest(japanese_mail(in_reply_to="<original@customer.example.jp>"))
    assert inbound.action == "created"
    assert inbound.ticket.related_ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == "closed"


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ({"Auto-Submitted": "auto-replied"}, "yamada@customer.example.jp"),
        ({"X-Autoreply": "yes"}, "yamada@customer.example.jp"),
        ({"Precedence": "auto_reply"}, "yamada@customer.example.jp"),
        ({"X-Auto-Response-Suppress": "All"}, "yamada@customer.example.jp"),
        ({"Precedence": "bulk"}, "news@customer.example.jp"),
        ({"List-Id": "<users.lists.example.jp>"}, "list@lists.example.jp"),
        ({"List-Unsubscribe": "<mailto:leave@example.jp>"}, "news@customer.example.jp"),
    ],
)
def test_automatic_and_bulk_mail_opens_nothing_and_gets_no_acknowledgement(
    headers, sender, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = ingest(japanese_mail(sender=sender, headers=headers))
    assert inbound.status == "ignored"
    assert inbound.kind in ("auto_reply", "bulk")
    assert Ticket.objects.count() == 0
    assert django_mail.outbox == []


def bounce_of(original_message_id: str, failed: str) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends it."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example.jp>\r\n"
        "To: support@helpdesk.example.jp\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.customer.example.jp>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example.jp\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: support@helpdesk.example.jp\r\n"
        f"To: {failed}\r\n"
        "Subject: reply\r\n"
        f"Message-ID: {original_message_id}\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_of_our_reply_is_noted_on_the_ticket_and_marks_the_address():
    ticket = open_by_mail()
    answer = staff_answer(ticket)
    answer.message_id = "<answer-2@helpdesk.example.jp>"
    answer.save(update_fields=["message_id"])

    inbound = ingest(bounce_of("<answer-2@helpdesk.example.jp>", "yamada@customer.example.jp"))
    assert inbound.kind == "bounce"
    assert inbound.action == "appended"
    assert inbound.ticket == ticket
    assert Contact.objects.get(email="yamada@customer.example.jp").email_undeliverable
    note = ticket.messages.get(kind="note")
    assert "yamada@customer.example.jp" in note.body_text
    answer.refresh_from_db()
    assert answer.delivery_status == "failed"
    assert Ticket.objects.count() == 1
    # The bounce is an event in the ticket's history too (issue 8: bounces among the events).
    (event,) = TicketEvent.objects.filter(ticket=ticket, kind="bounce")
    assert "yamada@customer.example.jp" in event.detail


def test_a_bounce_of_someone_elses_mail_is_ignored():
    inbound = ingest(bounce_of("<unknown@elsewhere.example.jp>", "x@customer.example.jp"))
    assert inbound.status == "ignored"
    assert Ticket.objects.count() == 0


def test_acknowledgements_are_rate_limited_per_sender(settings, django_capture_on_commit_callbacks):
    settings.MAIL_ACK_LIMIT_PER_SENDER = 2
    with django_capture_on_commit_callbacks() as callbacks:
        for number in range(4):
            ingest(japanese_mail(subject=f"問い合わせ {number}"))
    assert Ticket.objects.count() == 4
    # Two acknowledgements queued (plus one processing enqueue per stored mail: none here).
    assert len(callbacks) == 2


def test_no_acknowledgement_to_no_reply_addresses(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ingest(japanese_mail(sender="no-reply@service.example.jp", sender_name=""))
    assert Ticket.objects.count() == 1
    assert callbacks == []


def test_garbage_is_quarantined_with_a_reason_and_can_be_reprocessed():
    stored = mail_store(raw=b"\x00\x01\x02\x03 not a mail at all", source="pipe", enqueue=False)
    result = mail_process(inbound_pk=stored.inbound.pk)
    assert result.inbound.status == "quarantined"
    assert result.inbound.reason.startswith("not a mail")
    assert bytes(InboundMail.objects.get().raw) == b"\x00\x01\x02\x03 not a mail at all"

    again = mail_reprocess(inbound_pk=stored.inbound.pk)
    assert again.inbound.status == "quarantined"
    # An operator who reprocesses gives the mail a fresh budget of attempts.
    assert again.inbound.attempts == 1


def test_processing_twice_does_nothing_the_second_time():
    stored = mail_store(raw=japanese_mail(), source="pipe", enqueue=False)
    mail_process(inbound_pk=stored.inbound.pk)
    second = mail_process(inbound_pk=stored.inbound.pk)
    assert second.action == "duplicate"
    assert Ticket.objects.count() == 1


def test_no_acknowledgement_to_a_null_envelope_sender(django_capture_on_commit_callbacks):
    stored = mail_store(raw=japanese_mail(), source="smtp", envelope_sender="", enqueue=False)
    with django_capture_on_commit_callbacks() as callbacks:
        result = mail_process(inbound_pk=stored.inbound.pk)
    assert result.action == "created"
    assert callbacks == []


def test_no_acknowledgement_to_an_address_known_to_bounce(django_capture_on_commit_callbacks):
    Contact.objects.create(email="yamada@customer.example.jp", email_undeliverable=True)
    with django_capture_on_commit_callbacks() as callbacks:
        ingest(japanese_mail())
    assert Ticket.objects.count() == 1
    assert callbacks == []


def test_reprocess_mail_command_processes_quarantined_mail_again(settings):
    import io

    from django.core.management import call_command

    stored = mail_store(raw=japanese_mail(), source="pipe", enqueue=False)
    InboundMail.objects.filter(pk=stored.inbound.pk).update(
        status="quarantined", reason="database was down"
    )
    out = io.StringIO()
    call_command("reprocess_mail", str(stored.inbound.pk), stdout=out)
    inbound = InboundMail.objects.get(pk=stored.inbound.pk)
    assert inbound.status == "processed"
    assert inbound.action == "created"
    assert f"#{inbound.pk}: processed created {inbound.ticket.reference}" in out.getvalue()


def test_the_sla_clock_starts_when_the_mail_arrived_not_when_it_was_processed():
    import time_machine

    from tests.mail.intake.conftest import japanese_mail as mail

    arrived = datetime.datetime(2026, 11, 25, 16, 50, tzinfo=datetime.UTC)  # 01:50 JST Thu
    with time_machine.travel(arrived, tick=False):
        stored = mail_store(
            raw=mail(subject=""), source="smtp", envelope_sender="a@b.jp", enqueue=False
        )
    with time_machine.travel(arrived + datetime.timedelta(hours=9), tick=False):
        ticket = mail_process(inbound_pk=stored.inbound.pk).ticket
    assert ticket.received_at == arrived
    assert ticket.messages.get().created_at == arrived
    assert ticket.subject == "(件名なし)"
