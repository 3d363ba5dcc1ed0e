"""The staff ticket list: filters, search, sorts, saved views and keyset pagination.

One selector serves the console's list page and the API's list, so both filter, search and
order alike. A page costs one SQL query whatever its size: the rows with their requester and
assignee joined in; business time left is computed in Python on the cached business clock.
Pages are cut by keyset (the last row's sort value and id), never by OFFSET, so page 2,000
costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import BooleanField, F, Func, Max, Q, QuerySet
from django.utils import timezone

from sla.calendars import business_clock
from sla.models import Priority

from .models import INACTIVE_STATUSES, Message, Ticket, TicketEvent, TicketSearchDocument
from .search import query_terms

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ACTIVE_STATUSES = tuple(s for s in Ticket.Status.values if s not in INACTIVE_STATUSES)


class InvalidCursor(ValueError):
    """A cursor that this list did not hand out (or for another sort)."""


@dataclass(frozen=True)
class Sort:
    name: str
    field: str
    descending: bool


SORTS = {
    "due": Sort("due", "sort_due_at", descending=False),
    "received": Sort("received", "received_at", descending=True),
    "updated": Sort("updated", "updated_at", descending=True),
}
DEFAULT_SORT = "due"
VIEWS = ("mine", "unassigned", "breaching_today")


@dataclass(frozen=True)
class TicketFilters:
    """What the list is narrowed to. Empty means no narrowing; ``status`` empty means the
    tickets still being worked on (``all`` in it means every status)."""

    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    category: Sequence[str] = ()
    channel: Sequence[str] = ()
    queue: Sequence[str] = ()
    sla_state: Sequence[str] = ()
    assignee: str = ""  # "me", "unassigned" or a user id
    view: str = ""  # one of VIEWS
    q: str = ""
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    deadline: datetime.datetime | None
    deadline_kind: str | None  # "first_response", "next_response", "resolution"
    business_seconds_left: int | None  # negative: overdue by that much
    paused: bool
    state: str  # "ok", "warning", "breached": how to colour the row

    @property
    def overdue(self) -> bool:
        return self.business_seconds_left is not None and self.business_seconds_left < 0


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    next_cursor: str | None
    previous_cursor: str | None
    filters: TicketFilters = field(default_factory=TicketFilters)


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = value if isinstance(value, list | tuple) else [value] if value else []
    # "a,b" and repeated parameters both work: forms send the latter, people type the former.
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _known(values: list[str], allowed: Sequence[str]) -> tuple[str, ...]:
    return tuple(value for value in values if value in allowed)


def ticket_filters_from_query(params: Mapping[str, Any]) -> TicketFilters:
    """Filters from GET parameters (``status``, ``priority``, ``category``, ``channel``,
    ``queue``, ``sla``, ``assignee``, ``view``, ``q``, ``sort``). Unknown values are dropped,
    never an error: a stale bookmark still opens a list."""
    assignee = (params.get("assignee") or "").strip()
    if assignee not in ("me", "unassigned") and not assignee.isdigit():
        assignee = ""
    view = (params.get("view") or "").strip()
    sort = (params.get("sort") or "").strip()
    return TicketFilters(
        status=_known(_values(params, "status"), [*Ticket.Status.values, "all"]),
        priority=_known(_values(params, "priority"), Priority.values),
        category=tuple(_values(params, "category")),
        channel=_known(_values(params, "channel"), Ticket.Channel.values),
        queue=tuple(_values(params, "queue")),
        sla_state=_known(_values(params, "sla"), Ticket.SlaState.values),
        assignee=assignee,
        view=view if view in VIEWS else "",
        q=(params.get("q") or "").strip()[:200],
        sort=sort if sort in SORTS else DEFAULT_SORT,
    )


class _BigramsContain(Func):
    """``string_to_array(bigrams, ' ') @> ARRAY[...]`` on the ticket's search document: the
    expression its GIN index (migration 0008) is built on, so PostgreSQL answers from it."""

    output_field = BooleanField()

    def __init__(self, bigrams: list[str]) -> None:
        super().__init__(F("bigrams"))
        self.bigrams = bigrams

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        # Func's own parameters, unused: the template below is fixed.
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"string_to_array({column}, ' ') @> %s::text[]", (*params, self.bigrams)


def _search(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    prefix = settings.TICKET_REFERENCE_PREFIX.lower()
    lowered = text.strip().lower()
    if lowered.startswith(prefix + "-") and lowered[len(prefix) + 1 :].isdigit():
        # A reference: the unique index, not the bigrams ("00" is in every reference).
        return tickets.filter(number=int(lowered[len(prefix) + 1 :]))
    pairs, singles = query_terms(text)
    if not pairs and not singles:
        return tickets
    matching = Q()
    if pairs:
        if connection.vendor == "postgresql":
            matching &= Q(_BigramsContain(pairs))
        else:
            for pair in pairs:
                matching &= Q(bigrams__contains=f" {pair} ")
    for single in singles:
        # One character: any bigram holding it (no index helps; a rare query).
        matching &= Q(bigrams__contains=single)
    # A semi-join from the documents: PostgreSQL can start from the GIN index when the words
    # are rare, or walk the list's sort order and probe the documents when they are common.
    condition = Q(pk__in=TicketSearchDocument.objects.filter(matching).values("ticket_id"))
    if lowered.isdigit():
        condition |= Q(number=int(lowered))
    return tickets.filter(condition)


def _end_of_today() -> datetime.datetime:
    zone = ZoneInfo(settings.SLA_TIME_ZONE)
    today = timezone.localtime(timezone.now(), zone).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), zone)


def ticket_list_queryset(*, user: User | None, filters: TicketFilters) -> QuerySet[Ticket]:
    """The filtered tickets, unordered and unpaginated."""
    tickets = Ticket.objects.all()
    statuses = tuple(filters.status)
    if filters.view:
        statuses = ACTIVE_STATUSES
    if "all" not in statuses:
        tickets = tickets.filter(status__in=statuses or ACTIVE_STATUSES)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    if filters.category:
        tickets = tickets.filter(category__in=filters.category)
    if filters.channel:
        tickets = tickets.filter(channel__in=filters.channel)
    if filters.queue:
        tickets = tickets.filter(queue__in=filters.queue)
    if filters.sla_state:
        tickets = tickets.filter(sla_state__in=filters.sla_state)
    assignee = filters.assignee
    if filters.view == "mine":
        assignee = "me"
    elif filters.view == "unassigned":
        assignee = "unassigned"
    elif filters.view == "breaching_today":
        tickets = tickets.filter(sort_due_at__lt=_end_of_today())
    if assignee == "me":
        if user is None:
            raise ValueError("the 'me' filter needs a user")
        tickets = tickets.filter(assignee_id=user.pk)
    elif assignee == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee_id=int(assignee))
    if filters.q:
        tickets = _search(tickets, filters.q)
    return tickets


def _encode_cursor(sort: Sort, ticket: Ticket, *, backwards: bool) -> str:
    value = getattr(ticket, sort.field)
    payload = {"s": sort.name, "v": value.isoformat(), "id": ticket.pk, "b": backwards}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def ticket_cursor_after(ticket: Ticket, *, sort: str = DEFAULT_SORT) -> str:
    """The cursor of the page that starts after ``ticket`` (benchmarks jump deep with it)."""
    return _encode_cursor(SORTS[sort], ticket, backwards=False)


def _decode_cursor(cursor: str, sort: Sort) -> tuple[datetime.datetime, int, bool]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        value = datetime.datetime.fromisoformat(payload["v"])
        pk = int(payload["id"])
        backwards = bool(payload["b"])
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise InvalidCursor("unreadable cursor") from error
    if payload.get("s") != sort.name or value.tzinfo is None:
        raise InvalidCursor("the cursor belongs to another sort")
    return value, pk, backwards


def _beyond(sort: Sort, value: datetime.datetime, pk: int, *, forwards: bool) -> Q:
    """Rows after (value, pk) in the walking direction. The first term alone is a range on the
    sort index; the second resolves ties on the value by id."""
    ascending = sort.descending != forwards
    name, after = sort.field, ("gt" if ascending else "lt")
    return Q(**{f"{name}__{after}e": value}) & (
        Q(**{f"{name}__{after}": value}) | Q(**{f"id__{after}": pk})
    )


def ticket_list_page(
    *,
    user: User | None,
    filters: TicketFilters,
    cursor: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    now: datetime.datetime | None = None,
) -> TicketPage:
    """One page of the staff list. ``cursor`` is a ``next_cursor`` or ``previous_cursor`` of
    an earlier page (``InvalidCursor`` for anything else)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    sort = SORTS[filters.sort]
    tickets = ticket_list_queryset(user=user, filters=filters).select_related(
        "requester", "assignee"
    )
    backwards = False
    if cursor:
        value, pk, backwards = _decode_cursor(cursor, sort)
        tickets = tickets.filter(_beyond(sort, value, pk, forwards=not backwards))
    # Walking backwards reads the index the other way, then puts the rows back in order.
    descending = sort.descending != backwards
    order = [f"-{sort.field}", "-id"] if descending else [sort.field, "id"]
    rows = list(tickets.order_by(*order)[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_previous = more if backwards else bool(cursor)
    now = now or timezone.now()
    return TicketPage(
        rows=[ticket_row(ticket, now=now) for ticket in rows],
        next_cursor=_encode_cursor(sort, rows[-1], backwards=False) if rows and has_next else None,
        previous_cursor=(
            _encode_cursor(sort, rows[0], backwards=True) if rows and has_previous else None
        ),
        filters=filters,
    )


def ticket_next_deadline(ticket: Ticket) -> tuple[str, datetime.datetime] | None:
    """The earliest running deadline and which one it is (the generated ``sort_due_at`` column
    says the same in SQL); None while paused or finished."""
    if (
        ticket.status in INACTIVE_STATUSES
        or ticket.sla_paused_since is not None
        or ticket.resolution_due is None
    ):
        return None
    candidates = [("resolution", ticket.resolution_due)]
    if ticket.first_responded_at is None:
        if ticket.first_response_due is not None:
            candidates.append(("first_response", ticket.first_response_due))
    elif ticket.next_response_due is not None:
        candidates.append(("next_response", ticket.next_response_due))
    return min(candidates, key=lambda candidate: candidate[1])


def ticket_row(ticket: Ticket, *, now: datetime.datetime) -> TicketRow:
    """A ticket with its next deadline and the business time left to it (negative: overdue)."""
    deadline = ticket_next_deadline(ticket)
    if deadline is None:
        return TicketRow(
            ticket=ticket,
            deadline=None,
            deadline_kind=None,
            business_seconds_left=None,
            paused=ticket.sla_paused_since is not None and ticket.is_active,
            state=ticket.sla_state,
        )
    kind, due = deadline
    clock = business_clock()
    left = clock.position(due) - clock.position(now)
    state = Ticket.SlaState.BREACHED if left < 0 else ticket.sla_state
    return TicketRow(
        ticket=ticket,
        deadline=due,
        deadline_kind=kind,
        business_seconds_left=left,
        paused=False,
        state=state,
    )


def ticket_staff_get(*, pk: int) -> Ticket | None:
    """A ticket for staff, with its requester and assignee (one query)."""
    return Ticket.objects.select_related("requester", "assignee").filter(pk=pk).first()


def ticket_staff_messages(*, ticket: Ticket) -> QuerySet[Message]:
    """Every message of the ticket for staff (notes and automatic mail included), oldest
    first, with authors and attachments: two queries."""
    return (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def ticket_staff_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def ticket_last_seen_ids(*, ticket: Ticket) -> tuple[int, int]:
    """The newest message and event ids: what a client that shows the ticket now has seen."""
    return (
        Message.objects.filter(ticket=ticket).aggregate(top=Max("id"))["top"] or 0,
        TicketEvent.objects.filter(ticket=ticket).aggregate(top=Max("id"))["top"] or 0,
    )
