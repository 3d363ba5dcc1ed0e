"""Staff changes to a ticket (status, priority, assignee, queue, category), answers and notes
from the console or the API, each recorded as a TicketEvent; with a collision guard.

The SLA rules stay in ``services.py``: answers go through ``ticket_staff_reply`` and status
changes through ``ticket_change_status``, so one way to reply and one way to pause a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from sla.models import Priority

from .models import Message, Ticket, TicketEvent
from .services import (
    AttachmentInput,
    now_in_seconds,
    ticket_change_status,
    ticket_sla_refresh,
    ticket_staff_reply,
)


class _Unset:
    """ "Leave the assignee as it is" (None means "unassigned")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Seen:
    """The newest message and event a person saw when they opened the ticket (primary keys;
    0 when there were none)."""

    message_pk: int = 0
    event_pk: int = 0


@dataclass
class CollisionError(Exception):
    """Someone else answered or changed the ticket after the caller last looked."""

    changes: list[Message | TicketEvent] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.changes)} change(s) since the ticket was opened"


def user_display_name(user: User | None) -> str:
    """A staff member as colleagues call them: 佐藤 花子 (family name first when the name is
    written in Japanese), Hanako Sato otherwise, else the user name."""
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if not (first or last):
        return user.get_username()
    if any(ord(character) > 0x2E80 for character in first + last):
        return f"{last} {first}".strip()
    return f"{first} {last}".strip()


def ticket_changes_since(
    *, ticket: Ticket, seen: Seen, excluding: User | None = None
) -> list[Message | TicketEvent]:
    """Messages and events newer than what ``seen`` names, oldest first, leaving out what
    ``excluding`` did themself (their own other tab is no collision)."""
    messages = Message.objects.filter(ticket=ticket, pk__gt=seen.message_pk)
    events = TicketEvent.objects.filter(ticket=ticket, pk__gt=seen.event_pk)
    if excluding is not None:
        messages = messages.exclude(author_user=excluding)
        events = events.exclude(actor=excluding)
    found: list[Message | TicketEvent] = [
        *messages.select_related("author_user", "author_contact"),
        *events.select_related("actor"),
    ]
    return sorted(found, key=lambda item: (item.created_at, item.pk))


def _guard(ticket: Ticket, seen: Seen | None, actor: User | None) -> None:
    if seen is None:
        return
    changes = ticket_changes_since(ticket=ticket, seen=seen, excluding=actor)
    if changes:
        raise CollisionError(changes)


def _event(ticket: Ticket, kind: str, actor: User | None, old: str, new: str, now) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        old_value=old[:200],
        new_value=new[:200],
        created_at=now,
    )


@transaction.atomic
def ticket_change(
    *,
    ticket: Ticket,
    actor: User | None,
    status: str | None = None,
    priority: str | None = None,
    assignee: User | None = UNSET,
    queue: str | None = None,
    category: str | None = None,
    seen: Seen | None = None,
) -> Ticket:
    """Change what is given (None leaves a field alone; ``assignee=None`` unassigns), record
    one event per field that really changed, and recompute the deadlines once.

    With ``seen``, refuse (CollisionError) when someone else changed or answered since."""
    if status is not None and status not in Ticket.Status.values:
        raise ValueError(f"unknown status {status!r}")
    if priority is not None and priority not in Priority.values:
        raise ValueError(f"unknown priority {priority!r}")
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ticket.pk)
    )
    _guard(locked, seen, actor)
    now = now_in_seconds()
    events: list[TicketEvent] = []
    if status is not None and status != locked.status:
        events.append(_event(locked, TicketEvent.Kind.STATUS, actor, locked.status, status, now))
        # The status service owns pausing and resuming the clock.
        locked = ticket_change_status(ticket=locked, status=status)
    changed_fields: list[str] = []
    if priority is not None and priority != locked.priority:
        events.append(
            _event(locked, TicketEvent.Kind.PRIORITY, actor, locked.priority, priority, now)
        )
        locked.priority = priority
        changed_fields.append("priority")
    if assignee is not UNSET and getattr(assignee, "pk", None) != locked.assignee_id:
        events.append(
            _event(
                locked,
                TicketEvent.Kind.ASSIGNEE,
                actor,
                user_display_name(locked.assignee),
                user_display_name(assignee),
                now,
            )
        )
        locked.assignee = assignee
        changed_fields.append("assignee")
    for kind, name, value in (
        (TicketEvent.Kind.QUEUE, "queue", queue),
        (TicketEvent.Kind.CATEGORY, "category", category),
    ):
        value = value.strip()[:50] if value is not None else None
        if value is not None and value != getattr(locked, name):
            events.append(_event(locked, kind, actor, getattr(locked, name), value, now))
            setattr(locked, name, value)
            changed_fields.append(name)
    if changed_fields:
        # Priority and category choose the SLA targets: deadlines follow at once.
        ticket_sla_refresh(locked, now=now)
        locked.save()
    TicketEvent.objects.bulk_create(events)
    return locked


@transaction.atomic
def tickets_bulk_change(
    *,
    ticket_pks: Sequence[int],
    actor: User | None,
    status: str | None = None,
    priority: str | None = None,
    assignee: User | None = UNSET,
    queue: str | None = None,
) -> int:
    """The same change on many tickets in one transaction (all or none), each ticket's change
    recorded. Returns how many tickets there were."""
    pks = sorted(set(ticket_pks))  # a fixed lock order: two bulk changes never deadlock
    tickets = list(Ticket.objects.filter(pk__in=pks).order_by("pk"))
    for ticket in tickets:
        ticket_change(
            ticket=ticket,
            actor=actor,
            status=status,
            priority=priority,
            assignee=assignee,
            queue=queue,
        )
    return len(tickets)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: User,
    body_text: str,
    internal: bool = False,
    status: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
    seen: Seen | None = None,
) -> Message:
    """Answer the customer (mailed by a worker after commit; the SLA's response) or leave an
    internal note; optionally change the status in the same step (recorded as an event).

    With ``seen``, refuse (CollisionError) when someone else answered or changed since."""
    if not body_text.strip():
        raise ValueError("an answer needs text")
    if status is not None and status not in Ticket.Status.values:
        raise ValueError(f"unknown status {status!r}")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _guard(locked, seen, author)
    old_status = locked.status
    message = ticket_staff_reply(
        ticket=locked,
        author=author,
        body_text=body_text,
        internal=internal,
        status=status,
        attachments=attachments,
    )
    new_status = Ticket.objects.values_list("status", flat=True).get(pk=locked.pk)
    if new_status != old_status:
        TicketEvent.objects.create(
            ticket=locked,
            kind=TicketEvent.Kind.STATUS,
            actor=author,
            old_value=old_status,
            new_value=new_status,
            created_at=message.created_at,
        )
    return message


def ticket_event_record(
    *, ticket: Ticket, kind: str, detail: str = "", actor: User | None = None
) -> TicketEvent:
    """A system event (escalation, bounce, failed send, recomputed deadlines)."""
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, detail=detail, created_at=now_in_seconds()
    )
