"""Demo data: Japanese companies, their people and tickets in every state, fast at any size.

Not a service: it writes in bulk (PostgreSQL ``COPY``, elsewhere ``bulk_create``) what the
services would have written one ticket at a time: references from the counter, deadlines and
SLA state from the business clock and the policies (``sla.timers``), the search document of
every message, and events for assignments and status changes. 200,000 tickets with about
three messages each load in a few minutes on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.utils import timezone

from sla.calendars import business_clock
from sla.clock import BusinessClock
from sla.selectors import sla_targets_for
from sla.timers import timers_refresh

from .demo_words import (
    ANSWERS,
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    CLOSING_ANSWER,
    CLOSINGS,
    COMPANY_KINDS,
    COMPANY_STEMS,
    FOLLOW_UPS,
    GIVEN_NAMES,
    OPENINGS,
    PRIORITY_WEIGHTS,
    QUEUE_OF,
    QUEUES,
    STATUS_WEIGHTS,
    SURNAMES,
    TOPICS,
)
from .models import (
    Contact,
    Message,
    Organization,
    ReferenceCounter,
    Ticket,
    TicketEvent,
    TicketSearchDocument,
)
from .search import search_document

CHUNK = 5_000


def _pick(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in weights], [weight for _, weight in weights])[0]


@dataclass
class DemoCounts:
    organizations: int = 0
    contacts: int = 0
    tickets: int = 0
    messages: int = 0
    events: int = 0


def _copy_rows(model: type[models.Model], rows: list[dict]) -> None:
    """Insert rows of one model: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return
    columns = list(rows[0])
    names = ", ".join(connection.ops.quote_name(_column(model, name)) for name in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _column(model: type[models.Model], name: str) -> str:
    """The table column behind a field name or attname (``requester_id``)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} has no column of its own")
    return field.column


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=models.Max("id"))["top"] or 0) + 1


def _reset_sequences(*tables: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )


@contextlib.contextmanager
def _indexes_deferred(enabled: bool, tables: Sequence[str]) -> Iterator[None]:
    """For a large load, drop the tables' secondary indexes and build each once at the end:
    minutes faster than updating them row by row (the GIN index above all). Indexes behind a
    constraint (primary and unique keys) stay, so duplicates are still refused."""
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass(i.indexname))",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # The foreign keys are checked at commit; an index cannot be built while checks wait.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


class DemoDesk:
    """Builds one batch of demo tickets after another, from a fixed random seed."""

    def __init__(self, *, seed: int, staff: Sequence[User], now: datetime.datetime):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, reproducible, not secret
        self.staff = list(staff)
        self.now = now.replace(microsecond=0)
        self.clock: BusinessClock = business_clock()

    def organizations(self, count: int) -> list[Organization]:
        existing = set(Organization.objects.values_list("name", flat=True))
        names = []
        for index in range(count * 3):
            stem = COMPANY_STEMS[index % len(COMPANY_STEMS)]
            kind = COMPANY_KINDS[(index // len(COMPANY_STEMS)) % len(COMPANY_KINDS)]
            round_ = index // (len(COMPANY_STEMS) * len(COMPANY_KINDS))
            name = f"株式会社{stem}{kind}" + (f"{round_ + 1}号" if round_ else "")
            if name not in existing:
                names.append(name)
            if len(names) == count:
                break
        fees = (50_000, 120_000, 300_000, 800_000)
        return Organization.objects.bulk_create(
            [Organization(name=name, monthly_fee=self.rng.choice(fees)) for name in names]
        )

    def contacts(self, count: int, organizations: Sequence[Organization]) -> list[Contact]:
        start = _next_id(Contact)
        people = []
        for offset in range(count):
            surname, surname_roman = self.rng.choice(SURNAMES)
            given, given_roman = self.rng.choice(GIVEN_NAMES)
            organization = organizations[offset % len(organizations)]
            people.append(
                Contact(
                    email=f"{given_roman}.{surname_roman}.{start + offset}@"
                    f"c{organization.pk}.example.jp",
                    name=f"{surname} {given}",
                    organization=organization,
                )
            )
        return Contact.objects.bulk_create(people, batch_size=1000)

    def _received_at(self, status: str) -> datetime.datetime:
        # Finished tickets spread over a year; live ones over the last days, so some
        # are on track, some near their deadline and some past it.
        days = {"closed": 365, "resolved": 60, "new": 2}.get(status, 10)
        moment = self.now - datetime.timedelta(seconds=self.rng.randint(600, days * 86_400))
        return moment.replace(microsecond=0)

    def _after(self, start: datetime.datetime, business_minutes: int) -> datetime.datetime:
        return min(self.clock.add_seconds(start, business_minutes * 60), self.now)

    def batch(
        self, first_id: int, first_number: int, count: int, contacts: Sequence[Contact]
    ) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        """Rows for ``count`` tickets with ids from ``first_id``: tickets, their search
        documents, messages, events."""
        prefix = settings.TICKET_REFERENCE_PREFIX
        tickets: list[dict] = []
        documents: list[dict] = []
        messages: list[dict] = []
        events: list[dict] = []
        for offset in range(count):
            rng = self.rng
            status = _pick(rng, STATUS_WEIGHTS)
            status = "pending_customer" if status == "pending" else status
            category = _pick(rng, CATEGORY_WEIGHTS)
            subject, first_sentence = rng.choice(TOPICS[category])
            contact = rng.choice(contacts)
            number = first_number + offset
            received = self._received_at(status)
            ticket = Ticket(
                id=first_id + offset,
                number=number,
                reference=f"{prefix}-{number:06d}",
                subject=subject,
                status=status,
                priority=_pick(rng, PRIORITY_WEIGHTS),
                category=category,
                channel=_pick(rng, CHANNEL_WEIGHTS),
                requester_id=contact.pk,
                queue=QUEUE_OF.get(category, rng.choice(QUEUES)),
                received_at=received,
                created_at=received,
            )
            if status != "new" and self.staff and rng.random() < 0.85:
                ticket.assignee_id = rng.choice(self.staff).pk
            company = f"{contact.organization.name}の" if contact.organization else ""
            inbound = f"{rng.choice(OPENINGS)}{company}{contact.name}です。\n"
            inbound += f"{first_sentence}\n{rng.choice(CLOSINGS)}"
            texts = [inbound]
            # (kind, sent at, text, staff user id or None for the customer)
            thread: list[tuple[str, datetime.datetime, str, int | None]] = [
                ("inbound", received, inbound, None)
            ]
            last = received
            if status != "new" and rng.random() < 0.97:
                answered = self._after(received, rng.randint(5, 500))
                ticket.first_responded_at = answered
                answer = f"{contact.name}様\n\n{rng.choice(ANSWERS)}\n\nサポートデスク"
                staff_id = ticket.assignee_id or (self.staff[0].pk if self.staff else None)
                thread.append(("outbound", answered, answer, staff_id))
                texts.append(answer)
                last = answered
                if status in ("open", "closed", "resolved") and rng.random() < 0.85:
                    replied = self._after(answered, rng.randint(10, 900))
                    follow_up = rng.choice(FOLLOW_UPS)
                    thread.append(("inbound", replied, follow_up, None))
                    texts.append(follow_up)
                    last = replied
                    if status == "open":
                        ticket.next_response_started_at = replied
                    else:
                        closing = self._after(replied, rng.randint(10, 300))
                        thread.append(("outbound", closing, CLOSING_ANSWER, staff_id))
                        texts.append(CLOSING_ANSWER)
                        last = closing
            if status == "pending_customer":
                ticket.sla_paused_since = last
            if status in ("resolved", "closed"):
                ticket.resolved_at = self._after(last, rng.randint(10, 600))
                last = ticket.resolved_at
            ticket.updated_at = last
            document = search_document(
                ticket.reference, subject, contact.email, contact.name, *texts
            )
            documents.append({"ticket_id": ticket.pk, "bigrams": document})
            timers_refresh(
                ticket,
                clock=self.clock,
                targets=sla_targets_for(priority=ticket.priority, category=category),
                now=self.now,
            )
            tickets.append(_ticket_row(ticket))
            for kind, at, text, staff_id in thread:
                messages.append(_message_row(ticket, contact, kind, at, text, staff_id))
            if ticket.assignee_id:
                assigned = str(ticket.assignee_id)
                events.append(_event_row(ticket.pk, "assignee", "", assigned, received))
            if status in ("resolved", "closed", "pending_customer"):
                events.append(_event_row(ticket.pk, "status", "open", status, last))
        return tickets, documents, messages, events


TICKET_COLUMNS = [
    field.attname
    for field in Ticket._meta.concrete_fields
    if not field.generated and field.attname != "language"
]


def _ticket_row(ticket: Ticket) -> dict:
    row = {name: getattr(ticket, name) for name in TICKET_COLUMNS}
    row["language"] = "ja"
    return row


def _message_row(ticket, contact, kind, at, text, staff_id) -> dict:
    outbound = kind == "outbound"
    return {
        "ticket_id": ticket.pk,
        "kind": kind,
        "is_automatic": False,
        "author_user_id": staff_id if outbound else None,
        "author_contact_id": None if outbound else contact.pk,
        "channel": ticket.channel,
        "subject": ticket.subject,
        "body_text": text,
        "body_html": "",
        "message_id": "",
        "in_reply_to": "",
        "references": "",
        "recipient": contact.email if outbound else "",
        "cc_addresses": "",
        "delivery_status": Message.DeliveryStatus.SENT if outbound else "",
        "delivery_error": "",
        "created_at": at,
    }


def _event_row(ticket_id: int, kind: str, old: str, new: str, at) -> dict:
    return {
        "ticket_id": ticket_id,
        "kind": kind,
        "actor_id": None,
        "old_value": old,
        "new_value": new,
        "detail": "",
        "created_at": at,
    }


def demo_tickets_seed(
    *,
    count: int,
    staff: Sequence[User],
    seed: int = 20261203,
    now: datetime.datetime | None = None,
    progress=None,
    defer_indexes: bool | None = None,
) -> DemoCounts:
    """Add ``count`` demo tickets (with organizations and contacts in proportion). Indexes
    are rebuilt once at the end when ``defer_indexes`` (by default from 20,000 tickets)."""
    desk = DemoDesk(seed=seed, staff=staff, now=now or timezone.now())
    counts = DemoCounts()
    with transaction.atomic():
        organizations = desk.organizations(max(5, min(2_000, count // 100)))
        contacts = desk.contacts(max(10, count // 4), organizations)
        counts.organizations, counts.contacts = len(organizations), len(contacts)
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            name="ticket"
        )
        first_number = counter.last_value + 1
        first_id = _next_id(Ticket)
        tables = [
            model._meta.db_table for model in (Ticket, TicketSearchDocument, Message, TicketEvent)
        ]
        if defer_indexes is None:
            defer_indexes = count >= 20_000
        with _indexes_deferred(defer_indexes, tables):
            for start in range(0, count, CHUNK):
                size = min(CHUNK, count - start)
                tickets, documents, messages, events = desk.batch(
                    first_id + start, first_number + start, size, contacts
                )
                _copy_rows(Ticket, tickets)
                _copy_rows(TicketSearchDocument, documents)
                _copy_rows(Message, messages)
                _copy_rows(TicketEvent, events)
                counts.tickets += len(tickets)
                counts.messages += len(messages)
                counts.events += len(events)
                if progress:
                    progress(counts)
        counter.last_value = first_number + count - 1
        counter.save(update_fields=["last_value"])
        _reset_sequences(Ticket, Message, TicketEvent)
    if connection.vendor == "postgresql":
        # Fresh statistics: without them the planner guesses, and a search over the new
        # documents scans them all instead of using their index.
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return counts
