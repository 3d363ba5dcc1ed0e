"""``seed_demo``: a living demo desk, written in bulk the way the services would write it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from helpdesk.core.roles import user_is_agent
from helpdesk.tickets.demo import demo_tickets_seed
from helpdesk.tickets.listing import TicketFilters, ticket_list_page, ticket_next_deadline
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import ticket_open, ticket_sla_refresh

pytestmark = pytest.mark.django_db


def seed(**options) -> None:
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"), **options)  # noqa: SIM115


def test_first_run_seeds_a_small_desk_once_and_demo_agents_can_work_it():
    seed()
    first = Ticket.objects.count()
    seed()

    assert first == Ticket.objects.count() > 0
    agents = get_user_model().objects.filter(username__startswith="agent.")
    assert agents.count() == 3 and all(user_is_agent(user) for user in agents)


def test_many_tickets_in_every_state_with_conversations_some_breached():
    seed(tickets=400)

    assert set(Ticket.objects.values_list("status", flat=True)) == set(Ticket.Status.values)
    assert Ticket.objects.filter(sla_state="breached", status="open").exists()
    assert Ticket.objects.filter(sla_state="ok", status="new").exists()
    assert 2.5 <= Message.objects.count() / 400 <= 3.5
    # Japanese body search finds demo tickets through the same selector the console uses.
    assert ticket_list_page(user=None, filters=TicketFilters(q="請求", status=["all"])).rows


def test_seeded_tickets_carry_what_the_services_would_have_written():
    seed(tickets=200)

    for ticket in Ticket.objects.order_by("?")[:40]:
        before = (ticket.first_response_due, ticket.resolution_due, ticket.sla_state)
        deadline = ticket_next_deadline(ticket)
        assert ticket.sort_due_at == (deadline[1] if deadline else ticket.sort_due_at)
        ticket_sla_refresh(ticket, now=ticket.updated_at if not ticket.is_active else None)
        if ticket.is_active:
            assert (ticket.first_response_due, ticket.resolution_due) == before[:2]
        assert ticket.search_document.bigrams.startswith(" ")
    # The reference counter moved on: the next real ticket does not collide.
    ticket = ticket_open(
        channel="web", requester_email="a@example.jp", subject="x", body_text="y", acknowledge=False
    )
    assert ticket.number == Ticket.objects.count() and ticket.pk == Ticket.objects.latest("pk").pk


def test_a_large_load_rebuilds_every_index_it_dropped():
    def index_names() -> set[str]:
        with connection.cursor() as cursor:
            tables = [
                "tickets_ticket",
                "tickets_ticketsearchdocument",
                "tickets_message",
                "tickets_ticketevent",
            ]
            if connection.vendor != "postgresql":
                return set()
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
            return {row[0] for row in cursor.fetchall()}

    before = index_names()
    staff = list(get_user_model().objects.all())
    demo_tickets_seed(count=50, staff=staff, defer_indexes=True)

    assert index_names() == before
    if connection.vendor == "postgresql":
        assert "ticket_search_document_gin" in before
    assert ticket_list_page(user=None, filters=TicketFilters(q="お世話", status=["all"])).rows
