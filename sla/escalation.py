"""Escalation levels on the business clock: which thresholds of a ticket's running SLA timers
have been reached, and when the next one falls. Pure: no database, no settings (the plan is
read by ``sla.selectors``; the ticket services and the sweep in ``helpdesk.tickets`` act on it).

A level fires when the business time a timer has used reaches its share of the target:
``warning`` at 75 % by default, ``breach`` one business second past 100 % (the first instant
that is late, as in ``sla.timers``), ``overdue`` past 150 %. Thresholds are business seconds,
so the instant a level falls due is always one at which the desk is open.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from .clock import BusinessClock

WARNING = "warning"
BREACH = "breach"
OVERDUE = "overdue"
LEVELS = (WARNING, BREACH, OVERDUE)

ASSIGNEE = "assignee"
SUPERVISORS = "supervisors"
ADMINS = "admins"


@dataclass(frozen=True)
class EscalationPlan:
    """Percentages of the target at which each level fires, and who is told at each."""

    warning_percent: int = 75
    breach_percent: int = 100
    overdue_percent: int = 150
    recipients: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            WARNING: (ASSIGNEE,),
            BREACH: (SUPERVISORS,),
            OVERDUE: (ADMINS,),
        }
    )

    def percent(self, level: str) -> int:
        return {
            WARNING: self.warning_percent,
            BREACH: self.breach_percent,
            OVERDUE: self.overdue_percent,
        }[level]

    def threshold(self, level: str, target: int) -> int:
        """Business seconds used at which ``level`` fires for a target of ``target`` seconds.

        Below 100 % a level fires when the share is reached (rounded up, so never early); from
        100 % on, one second past it, since exactly at the target is still on time."""
        percent = self.percent(level)
        if percent < 100:
            return -(-target * percent // 100)
        return target * percent // 100 + 1


DEFAULT_PLAN = EscalationPlan()


class RunningTimer(Protocol):
    # Read-only members: ``sla.timers`` passes frozen dataclasses, which a plain (writable)
    # protocol attribute would not accept.
    @property
    def name(self) -> str: ...
    @property
    def start_position(self) -> int: ...
    @property
    def target(self) -> int: ...
    @property
    def paused(self) -> int: ...


@dataclass(frozen=True)
class Crossing:
    """One level of one timer. ``timer_started_at`` tells the next-response timer's rounds
    apart: each customer message starts a new one, with levels of its own."""

    timer: str
    level: str
    timer_started_at: datetime.datetime

    @property
    def key(self) -> tuple[str, str, datetime.datetime]:
        return (self.timer, self.level, self.timer_started_at)


@dataclass(frozen=True)
class Schedule:
    reached: list[Crossing]  # in firing order: by timer, then warning, breach, overdue
    next_at: datetime.datetime | None  # when the earliest level not yet reached falls due


def escalation_schedule(
    *,
    timers: Iterable[RunningTimer],
    started_at: dict[str, datetime.datetime],
    clock: BusinessClock,
    plan: EscalationPlan,
    now_position: int,
    current_pause: int,
    paused: bool,
) -> Schedule:
    """Levels reached by ``now`` and the instant the next one falls due (None while paused:
    a paused timer uses no business time, so nothing more can fall due)."""
    reached: list[Crossing] = []
    upcoming: list[int] = []
    for timer in timers:
        used = now_position - timer.start_position - timer.paused - current_pause
        for level in LEVELS:
            threshold = plan.threshold(level, timer.target)
            if used >= threshold:
                reached.append(Crossing(timer.name, level, started_at[timer.name]))
            elif not paused:
                upcoming.append(timer.start_position + timer.paused + threshold)
    next_at = None
    if upcoming:
        # The earliest instant with that position may be a window's end (17:00), when the desk
        # is already closed: the level falls due when it opens again.
        next_at = clock.next_open(clock.instant_at_position(min(upcoming)))
    return Schedule(reached, next_at)
