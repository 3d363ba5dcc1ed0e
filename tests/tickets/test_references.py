"""Ticket references: NP-000001 upwards, without gaps or duplicates, even under concurrency."""

import threading

import pytest
from django.db import connection, connections, transaction

from helpdesk.mail import batch
from helpdesk.mail.storage import mail_store
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.opening import TicketOpening, ticket_opening_build, tickets_open
from tests.conftest import service_missing
from tests.factories import TicketFactory
from tests.mail.intake.conftest import japanese_mail


def open_one(index: int) -> Ticket:
    return TicketFactory(requester_email=f"customer{index}@example.jp")


@pytest.mark.django_db
def test_references_count_up_with_the_configured_prefix(settings):
    settings.TICKET_REFERENCE_PREFIX = "QA"
    assert [open_one(i).reference for i in range(3)] == ["QA-000001", "QA-000002", "QA-000003"]


@pytest.mark.django_db
def test_a_rolled_back_creation_gives_its_number_back():
    open_one(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        open_one(2)
        raise RuntimeError("the request failed after the ticket was created")
    assert open_one(3).reference == "NP-000002"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_creation_on_postgresql_gives_contiguous_unique_references():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL is needed for a real concurrency test (set DATABASE_URL)")
    threads_count, per_thread = 8, 5
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def worker(thread_index: int) -> None:
        try:
            start.wait()
            for offset in range(per_thread):
                open_one(thread_index * 100 + offset)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1, threads_count * per_thread + 1))
    references = set(Ticket.objects.values_list("reference", flat=True))
    assert len(references) == threads_count * per_thread


def build(index: int) -> TicketOpening:
    return ticket_opening_build(
        channel="mail",
        requester_email=f"customer{index}@example.jp",
        subject=f"問い合わせ {index}",
        body_text="本文",
    )


@pytest.mark.django_db
def test_tickets_opened_together_are_numbered_in_order_and_a_rollback_gives_all_back():
    open_one(1)
    tickets = tickets_open([build(index) for index in range(3)])
    assert [ticket.reference for ticket in tickets] == ["NP-000002", "NP-000003", "NP-000004"]
    assert [ticket.requester.email for ticket in tickets] == [
        "customer0@example.jp",
        "customer1@example.jp",
        "customer2@example.jp",
    ]
    with pytest.raises(RuntimeError), transaction.atomic():
        tickets_open([build(index) for index in range(3, 6)])
        raise RuntimeError("the batch failed after its tickets were saved")
    assert open_one(9).reference == "NP-000005"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_batch_of_mail_in_progress_does_not_hold_up_other_tickets(monkeypatch):
    """The counter is taken when a batch saves its tickets, not at its first mail: a web
    inquiry arriving while a batch parses and threads its mail gets its number at once."""
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL is needed for a real lock test (set DATABASE_URL)")
    pks = [
        mail_store(
            raw=japanese_mail(sender=f"c{number}@customer.example.jp", subject=f"件 {number}"),
            source="smtp",
            envelope_sender=f"c{number}@customer.example.jp",
            enqueue=False,
        ).inbound.pk
        for number in range(3)
    ]
    halfway, go_on = threading.Event(), threading.Event()
    process_one = batch.mail_process_locked

    def pausing_after_the_second(inbound, **options):
        result = process_one(inbound, **options)
        if inbound.pk == pks[1]:
            halfway.set()
            go_on.wait(timeout=30)
        return result

    monkeypatch.setattr(batch, "mail_process_locked", pausing_after_the_second)
    errors: list[BaseException] = []

    def run_batch() -> None:
        try:
            batch.mail_process_batch(inbound_pks=pks)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run_batch)
    worker.start()
    try:
        assert halfway.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            web = open_one(99)
    finally:
        go_on.set()
        worker.join(timeout=60)
    assert errors == []
    assert web.reference == "NP-000001"
    batch_numbers = sorted(Ticket.objects.exclude(pk=web.pk).values_list("number", flat=True))
    assert batch_numbers == [2, 3, 4]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_batches_and_single_tickets_give_contiguous_unique_references():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL is needed for a real concurrency test (set DATABASE_URL)")
    batches, per_batch, singles = 4, 5, 6
    errors: list[BaseException] = []
    start = threading.Barrier(batches + 1)

    def open_batches(batch_index: int) -> None:
        try:
            start.wait()
            for round_ in range(3):
                offset = 1000 * batch_index + 100 * round_
                tickets_open([build(offset + index) for index in range(per_batch)])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def open_singles() -> None:
        try:
            start.wait()
            for index in range(singles):
                open_one(90000 + index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_batches, args=(i,)) for i in range(batches)]
    threads.append(threading.Thread(target=open_singles))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    expected = batches * 3 * per_batch + singles
    assert sorted(Ticket.objects.values_list("number", flat=True)) == list(range(1, expected + 1))
    # Each batch's tickets got consecutive numbers, in the order they were built.
    for batch_index in range(batches):
        for round_ in range(3):
            offset = 1000 * batch_index + 100 * round_
            numbers = [
                Ticket.objects.get(requester__email=f"customer{offset + index}@example.jp").number
                for index in range(per_batch)
            ]
            assert numbers == list(range(numbers[0], numbers[0] + per_batch))
