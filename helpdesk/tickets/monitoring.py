"""What the ticket domain reports to ``/metrics`` (registered in ``apps.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count

from helpdesk.core.monitoring import Sample, metrics_gauge_register

from .models import Message, Ticket


def _tickets_by_state() -> Iterator[Sample]:
    rows = Ticket.objects.values_list("status", "sla_state").annotate(count=Count("pk")).order_by()
    for status, sla_state, count in rows:
        yield Sample((status, sla_state), count)


def _open_breaches() -> Iterator[Sample]:
    breached = Ticket.objects.filter(sla_state=Ticket.SlaState.BREACHED).exclude(
        status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]
    )
    yield Sample((), breached.count())


def _outbound_by_delivery() -> Iterator[Sample]:
    # Sent mail is the bulk of the table and not a concern: only what waits or failed.
    rows = (
        Message.objects.filter(
            delivery_status__in=[Message.DeliveryStatus.QUEUED, Message.DeliveryStatus.FAILED]
        )
        .values_list("delivery_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {Message.DeliveryStatus.QUEUED.value: 0, Message.DeliveryStatus.FAILED.value: 0}
    counts.update(dict(rows))
    for status, count in counts.items():
        yield Sample((status,), count)


def register() -> None:
    metrics_gauge_register(
        "helpdesk_tickets",
        "Tickets by status and SLA state.",
        ["status", "sla_state"],
        _tickets_by_state,
    )
    metrics_gauge_register(
        "helpdesk_sla_breaches_open",
        "Tickets still being worked on whose SLA deadline is breached.",
        [],
        _open_breaches,
    )
    metrics_gauge_register(
        "helpdesk_outbound_mail",
        "Mail to customers waiting to be sent or failed for good, by delivery status.",
        ["status"],
        _outbound_by_delivery,
    )
