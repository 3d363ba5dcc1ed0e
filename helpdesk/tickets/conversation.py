"""Reads for the staff view of one ticket: the conversation with its events in time order, and
the SLA panel. A fixed number of queries, however long the conversation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch

from sla.calendars import business_clock
from sla.selectors import sla_targets_for

from .changes import Seen
from .models import Attachment, Message, Ticket, TicketEvent
from .services import now_in_seconds


@dataclass(frozen=True)
class TimelineEntry:
    """A message or an event, for one list in time order."""

    at: datetime.datetime
    message: Message | None = None
    event: TicketEvent | None = None


@dataclass(frozen=True)
class SlaTimer:
    """One SLA target as the panel shows it."""

    name: str  # first_response, next_response, resolution
    target_seconds: int
    due: datetime.datetime | None
    done_at: datetime.datetime | None
    used_seconds: int | None  # business time used against the target, when known
    state: str  # running, overdue, paused, met, missed, not_started

    @property
    def percent_used(self) -> int | None:
        if self.used_seconds is None or not self.target_seconds:
            return None
        return min(999, self.used_seconds * 100 // self.target_seconds)


@dataclass(frozen=True)
class SlaPanel:
    timers: list[SlaTimer]
    paused_since: datetime.datetime | None
    paused_seconds: int  # business seconds paused so far, the current pause included
    escalations: list[TicketEvent]


@dataclass(frozen=True)
class TicketConversation:
    ticket: Ticket
    timeline: list[TimelineEntry]
    seen: Seen  # what the page shows: the collision guard compares against it
    sla: SlaPanel


def ticket_for_staff(*, ticket_pk: int) -> Ticket:
    return Ticket.objects.select_related("requester__organization", "assignee").get(pk=ticket_pk)


def _business_used(ticket: Ticket, end: datetime.datetime, paused_seconds: int) -> int:
    clock = business_clock()
    return max(0, clock.elapsed(ticket.received_at, end) - paused_seconds)


def ticket_sla_panel(
    *, ticket: Ticket, events: list[TicketEvent], now: datetime.datetime | None = None
) -> SlaPanel:
    now = now or now_in_seconds()
    clock = business_clock()
    targets = sla_targets_for(priority=ticket.priority, category=ticket.category)
    paused = ticket.paused_business_seconds
    if ticket.sla_paused_since is not None:
        paused += clock.elapsed(ticket.sla_paused_since, max(now, ticket.sla_paused_since))
    end = ticket.resolved_at or now
    running = "paused" if ticket.sla_paused_since is not None else "running"

    def state(due: datetime.datetime | None, done_at: datetime.datetime | None) -> str:
        if done_at is not None:
            return "met" if due is None or done_at <= due else "missed"
        if not ticket.is_active or due is None:
            return "not_started"
        if running == "running" and now > due:
            return "overdue"
        return running

    first_done = ticket.first_responded_at
    # Paused time is kept as one total, so a pause after the first response is subtracted
    # here too: for display only (the timers themselves count exactly, in sla.timers).
    first_used = _business_used(ticket, min(first_done or end, end), paused)
    timers = [
        SlaTimer(
            "first_response",
            targets.first_response,
            ticket.first_response_due,
            first_done,
            first_used,
            state(ticket.first_response_due, first_done),
        ),
        SlaTimer(
            "next_response",
            targets.next_response,
            ticket.next_response_due,
            None,
            None,
            state(ticket.next_response_due, None) if ticket.next_response_due else "not_started",
        ),
        SlaTimer(
            "resolution",
            targets.resolution,
            ticket.resolution_due,
            ticket.resolved_at,
            _business_used(ticket, end, paused),
            state(ticket.resolution_due, ticket.resolved_at),
        ),
    ]
    escalations = [event for event in events if event.kind == TicketEvent.Kind.ESCALATION]
    return SlaPanel(timers, ticket.sla_paused_since, paused, escalations)


def ticket_conversation(*, ticket: Ticket) -> TicketConversation:
    """Messages (with authors and attachments) and events, merged oldest first."""
    messages = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    events = list(
        TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at")
    )
    timeline = [TimelineEntry(message.created_at, message=message) for message in messages]
    timeline += [TimelineEntry(event.created_at, event=event) for event in events]
    # Events sort after a message of the same second: a reply's status change follows it.
    timeline.sort(key=lambda entry: (entry.at, entry.event is not None))
    seen = Seen(
        message_pk=max((message.pk for message in messages), default=0),
        event_pk=max((event.pk for event in events), default=0),
    )
    return TicketConversation(
        ticket, timeline, seen, ticket_sla_panel(ticket=ticket, events=events)
    )
