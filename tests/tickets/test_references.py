"""Ticket references: NP-000001 upwards, without gaps or duplicates, even under concurrency."""

import threading

import pytest
from django.db import connection, connections, transaction

from helpdesk.tickets.models import Ticket
from tests.conftest import service_missing
from tests.factories import TicketFactory


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
