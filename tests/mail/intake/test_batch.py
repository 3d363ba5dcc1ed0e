"""Mail processed in batches (issue 13): each mail still idempotent, failing alone, and a
poison mail never batched twice."""

from __future__ import annotations

import smtplib
import threading
import time

import pytest
from django.core import mail as django_mail
from django.core.cache import caches
from django.core.mail.backends import locmem

from helpdesk.core import ratelimit
from helpdesk.mail import batch, services
from helpdesk.mail.batch import mail_process_batch
from helpdesk.mail.enqueue import ProcessingBatcher
from helpdesk.mail.models import InboundMail
from helpdesk.mail.storage import mail_store
from helpdesk.tickets import acknowledgements
from helpdesk.tickets.models import Message, Ticket, TicketAccessToken
from tests.mail.intake.conftest import japanese_mail


def stored(count: int) -> list[int]:
    return [
        mail_store(
            raw=japanese_mail(
                sender=f"customer{number}@customer.example.jp",
                subject=f"問い合わせ {number}",
                message_id=f"<b{number}@c.example>",
            ),
            source="smtp",
            envelope_sender=f"customer{number}@customer.example.jp",
            enqueue=False,
        ).inbound.pk
        for number in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_batch_opens_one_ticket_per_mail_and_running_it_again_changes_nothing():
    pks = stored(5)
    first = mail_process_batch(inbound_pks=pks)
    assert sorted(first.processed) == sorted(pks)
    assert first.alone == []
    assert Ticket.objects.count() == 5
    assert set(InboundMail.objects.values_list("status", flat=True)) == {"processed"}
    # Each customer is told, once, in the same run: the acknowledgements left with the batch.
    assert len(django_mail.outbox) == 5
    assert not Ticket.objects.filter(acknowledgement_pending=True).exists()

    # The same batch delivered again: every mail is done, nothing happens, nothing goes on.
    again = mail_process_batch(inbound_pks=pks)
    assert (again.processed, again.alone) == ([], [])
    assert Ticket.objects.count() == 5
    assert len(django_mail.outbox) == 5


@pytest.mark.django_db(transaction=True)
def test_an_acknowledgement_the_batch_cannot_send_goes_to_its_task(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(
        acknowledgements.ticket_acknowledge_task, "delay", lambda pk, language: queued.append(pk)
    )

    def mail_server_drops(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", mail_server_drops)
    pks = stored(2)
    mail_process_batch(inbound_pks=pks)
    assert sorted(queued) == sorted(Ticket.objects.values_list("pk", flat=True))
    assert Ticket.objects.filter(acknowledgement_pending=True).count() == 2
    # Queued for the retry, and the links in the mails that never left can never be used.
    assert set(
        Message.objects.filter(is_automatic=True).values_list("delivery_status", flat=True)
    ) == {"queued"}
    assert not TicketAccessToken.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_fails_in_a_batch_is_rolled_back_alone(monkeypatch):
    pks = stored(3)
    failing = pks[1]
    process_one = batch.mail_process_locked

    def breaks_on_one(inbound: InboundMail, **options):
        # Its writes happen, then the savepoint undoes them.
        result = process_one(inbound, **options)
        if inbound.pk == failing:
            raise RuntimeError("a bug this mail meets")
        return result

    monkeypatch.setattr(batch, "mail_process_locked", breaks_on_one)
    result = mail_process_batch(inbound_pks=pks)

    assert result.alone == [failing]
    assert sorted(result.processed) == sorted([pks[0], pks[2]])
    assert Ticket.objects.count() == 2
    left = InboundMail.objects.get(pk=failing)
    assert left.status == "received"
    assert left.ticket is None
    assert left.attempts == 1
    assert "a bug this mail meets" in left.reason
    # Only the two tickets that exist were acknowledged; the rolled-back one owes nothing.
    assert sorted(sent.to[0] for sent in django_mail.outbox) == [
        "customer0@customer.example.jp",
        "customer2@customer.example.jp",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_mail_tried_before_is_not_batched_but_processed_alone():
    """A poison mail that killed its batch comes back tried once: it must not take the next
    batch down with it, so it goes to the one-mail task, untouched here."""
    pks = stored(3)
    InboundMail.objects.filter(pk=pks[0]).update(attempts=1)
    result = mail_process_batch(inbound_pks=pks)
    assert result.alone == [pks[0]]
    assert sorted(result.processed) == sorted(pks[1:])
    poison = InboundMail.objects.get(pk=pks[0])
    assert (poison.status, poison.attempts) == ("received", 1)


def test_the_gateway_hands_over_full_batches_and_a_lone_mail_soon():
    sent: list[list[int]] = []
    arrived = threading.Event()

    def send(batch_pks: list[int]) -> None:
        sent.append(batch_pks)
        arrived.set()

    batcher = ProcessingBatcher(send=send, max_size=20, max_wait=0.05)
    try:
        for inbound_pk in range(45):
            batcher.add(inbound_pk)
        deadline = time.monotonic() + 5
        while sum(map(len, sent)) < 45 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [len(one) for one in sent] == [20, 20, 5]
        assert [pk for one in sent for pk in one] == list(range(45))

        arrived.clear()
        started = time.monotonic()
        batcher.add(99)
        assert arrived.wait(timeout=5)
        assert sent[-1] == [99]
        assert time.monotonic() - started < 1
    finally:
        batcher.close()


def test_closing_the_batcher_sends_what_is_pending():
    sent: list[list[int]] = []
    batcher = ProcessingBatcher(send=sent.append, max_size=20, max_wait=60)
    batcher.add(1)
    batcher.add(2)
    batcher.close()
    assert sent == [[1, 2]]


@pytest.mark.django_db(transaction=True)
def test_a_batch_past_its_time_budget_hands_the_rest_over_alone(monkeypatch):
    """Slow but honest mail must not push its neighbours into the task's time limit."""
    monkeypatch.setattr(batch, "MAIL_BATCH_BUDGET_SECONDS", -1.0)  # spent before the first
    pks = stored(3)
    result = mail_process_batch(inbound_pks=pks)
    assert result.processed == []
    assert sorted(result.alone) == sorted(pks)
    assert set(InboundMail.objects.values_list("status", flat=True)) == {"received"}


@pytest.mark.django_db(transaction=True)
def test_a_quick_second_mail_answering_the_first_in_the_same_batch_joins_its_ticket():
    """The first mail's ticket is saved at the batch's end; the second, answering it, must
    not open a ticket of its own for want of it."""
    first = mail_store(
        raw=japanese_mail(message_id="<first@customer.example.jp>"),
        source="smtp",
        envelope_sender="yamada@customer.example.jp",
        enqueue=False,
    ).inbound.pk
    second = mail_store(
        raw=japanese_mail(
            subject="Re: ログインできません",
            body="添付を忘れました。",
            in_reply_to="<first@customer.example.jp>",
            references="<first@customer.example.jp>",
        ),
        source="smtp",
        envelope_sender="yamada@customer.example.jp",
        enqueue=False,
    ).inbound.pk

    result = mail_process_batch(inbound_pks=[first, second])

    assert sorted(result.processed) == sorted([first, second])
    ticket = Ticket.objects.get()
    assert ticket.messages.filter(kind="inbound").count() == 2
    assert InboundMail.objects.get(pk=second).action == "appended"
    assert len(django_mail.outbox) == 1  # one acknowledgement: one inquiry


@pytest.mark.django_db(transaction=True)
def test_the_per_sender_acknowledgement_limit_counts_every_mail_of_a_batch_on_redis(
    settings, test_redis_url
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": test_redis_url,
        }
    }
    settings.MAIL_ACK_LIMIT_PER_SENDER = 3
    caches["default"].clear()
    pks = [
        mail_store(
            raw=japanese_mail(subject=f"問い合わせ {number}"),
            source="smtp",
            envelope_sender="yamada@customer.example.jp",
            enqueue=False,
        ).inbound.pk
        for number in range(5)
    ]
    # Two batches: the count carries over from one to the next.
    mail_process_batch(inbound_pks=pks[:2])
    mail_process_batch(inbound_pks=pks[2:])

    assert Ticket.objects.count() == 5
    assert len(django_mail.outbox) == 3
    assert Ticket.objects.filter(acknowledgement_pending=True).count() == 0
    # The window started with the first use and has not been extended by the later ones.
    ttl = (
        caches["default"]
        ._cache.get_client()
        .ttl(
            caches["default"].make_and_validate_key(
                ratelimit._cache_key("mail-ack", "yamada@customer.example.jp")
            )
        )
    )
    assert 0 < ttl <= settings.MAIL_ACK_LIMIT_WINDOW_SECONDS
    caches["default"].clear()


@pytest.mark.django_db(transaction=True)
def test_saving_the_tickets_of_a_batch_fails_then_its_mails_go_alone(monkeypatch):
    pks = stored(3)

    def database_refuses(*args, **kwargs):
        raise RuntimeError("constraint the batch's tickets break together")

    monkeypatch.setattr(services, "tickets_open", database_refuses)
    result = mail_process_batch(inbound_pks=pks)

    assert sorted(result.alone) == sorted(pks)
    assert result.processed == []
    assert Ticket.objects.count() == 0
    assert django_mail.outbox == []
    # Each was tried once, and keeps the reason for the operator.
    for inbound in InboundMail.objects.filter(pk__in=pks):
        assert (inbound.status, inbound.attempts) == ("received", 1)
        assert "break together" in inbound.reason
