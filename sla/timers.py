"""SLA timers of a ticket, derived from the facts stored on it.

A ticket stores facts: when it was received, when staff first answered, when the customer last
wrote, how much business time it has spent paused (pending customer), whether it is paused now,
when it was resolved. ``timers_refresh`` derives every deadline and the SLA state from those
facts, the policy's targets and the business clock, so a priority change, a pause, or a new
closure day all come down to "change a fact, refresh".

Every comparison is in business seconds on the clock (``position``), never on the wall clock: a
reply at 12:30 to a deadline shown as 12:00 is on time, because no business time passed over
lunch.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .clock import BusinessClock
from .escalation import LEVELS, Schedule, escalation_schedule
from .selectors import Targets

RESOLUTION, FIRST_RESPONSE, NEXT_RESPONSE = "resolution", "first_response", "next_response"


@dataclass(frozen=True)
class RunningTimer:
    name: str
    start_position: int
    target: int  # business seconds
    paused: int  # business seconds paused since the timer started


def _running_timers(ticket, clock: BusinessClock, targets: Targets) -> list[RunningTimer]:
    if not ticket.is_active:
        return []
    received = clock.position(ticket.received_at)
    paused_total = ticket.paused_business_seconds
    timers = [RunningTimer(RESOLUTION, received, targets.resolution, paused_total)]
    if ticket.first_responded_at is None:
        timers.append(RunningTimer(FIRST_RESPONSE, received, targets.first_response, paused_total))
    elif ticket.next_response_started_at is not None:
        timers.append(
            RunningTimer(
                NEXT_RESPONSE,
                clock.position(ticket.next_response_started_at),
                targets.next_response,
                paused_total - ticket.next_response_pause_offset,
            )
        )
    return timers


def timers_refresh(
    ticket, *, clock: BusinessClock, targets: Targets, now: datetime.datetime
) -> Schedule:
    """Recompute deadlines, consumed time, ``sla_state``, ``next_escalation_at`` and
    ``escalation_level`` in place; returns the escalation schedule they were taken from."""
    now_position = clock.position(now)
    # While paused, business time stops counting at the moment the pause began.
    current_pause = 0
    if ticket.sla_paused_since is not None:
        current_pause = max(0, now_position - clock.position(ticket.sla_paused_since))
    timers = _running_timers(ticket, clock, targets)

    # A timer that stopped keeps its last deadline (the first response's stays on record),
    # except the next-response one: with no customer message waiting there is none.
    ticket.next_response_due = None
    for timer in timers:
        due = clock.instant_at_position(timer.start_position + timer.target + timer.paused)
        if timer.name == RESOLUTION:
            ticket.resolution_due = due
        elif timer.name == FIRST_RESPONSE:
            ticket.first_response_due = due
        else:
            ticket.next_response_due = due

    received = clock.position(ticket.received_at)
    end_position = clock.position(ticket.resolved_at) if ticket.resolved_at else now_position
    ticket.business_seconds_consumed = max(
        0, end_position - received - ticket.paused_business_seconds - current_pause
    )

    state = ticket.SlaState.OK
    for timer in timers:
        consumed = now_position - timer.start_position - timer.paused - current_pause
        warning_at = targets.warning_threshold(timer.target)
        if consumed > timer.target:
            state = ticket.SlaState.BREACHED
        elif consumed >= warning_at and state != ticket.SlaState.BREACHED:
            state = ticket.SlaState.WARNING
    ticket.sla_state = state
    schedule = ticket_escalation_schedule(
        ticket, clock=clock, targets=targets, now=now, timers=timers
    )
    # A level already reached may not have fired yet (a priority change, a closure removed, a
    # missed sweep): the sweep looks at the ticket when the desk is next open and fires each
    # level once; it then moves ``next_escalation_at`` on to ``schedule.next_at``.
    ticket.next_escalation_at = clock.next_open(now) if schedule.reached else schedule.next_at
    # The highest level any running timer has reached: 0 none, 1 warning, 2 breach, 3 overdue.
    ticket.escalation_level = max(
        (LEVELS.index(crossing.level) + 1 for crossing in schedule.reached), default=0
    )
    return schedule


def ticket_escalation_schedule(
    ticket,
    *,
    clock: BusinessClock,
    targets: Targets,
    now: datetime.datetime,
    timers: list[RunningTimer] | None = None,
) -> Schedule:
    """The escalation levels of the ticket's running timers reached by ``now``, and when the
    next falls due (see ``sla.escalation``)."""
    now_position = clock.position(now)
    current_pause = 0
    if ticket.sla_paused_since is not None:
        current_pause = max(0, now_position - clock.position(ticket.sla_paused_since))
    if timers is None:
        timers = _running_timers(ticket, clock, targets)
    started_at = {
        "first_response": ticket.received_at,
        "resolution": ticket.received_at,
        "next_response": ticket.next_response_started_at,
    }
    return escalation_schedule(
        timers=timers,
        started_at=started_at,
        clock=clock,
        plan=targets.escalation,
        now_position=now_position,
        current_pause=current_pause,
        paused=ticket.sla_paused_since is not None,
    )


def first_response_on_time(ticket, *, clock: BusinessClock) -> bool | None:
    """Was the first response within target? None while it is still running.

    The due instant stops moving once the response is recorded, so comparing business
    positions is exact: an answer over lunch to a 12:00 deadline is on time.
    """
    if ticket.first_responded_at is None or ticket.first_response_due is None:
        return None
    return clock.position(ticket.first_responded_at) <= clock.position(ticket.first_response_due)
