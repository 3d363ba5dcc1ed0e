"""Reads for SLA policies."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .models import DEFAULT_POLICY_MINUTES, Priority, SlaPolicy

POLICY_VERSION_CACHE_KEY = "sla:policy-version"
# As for the calendar: ask the shared cache about changes at most once a second.
VERSION_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Targets:
    """A policy's targets in business seconds (the clock counts seconds)."""

    first_response: int
    next_response: int
    resolution: int
    warning_percent: int

    def warning_threshold(self, target: int) -> int:
        # Whole seconds, rounded up: a warning never fires before the stated percentage.
        return -(-target * self.warning_percent // 100)


def _targets(policy: SlaPolicy) -> Targets:
    return Targets(
        policy.first_response_minutes * 60,
        policy.next_response_minutes * 60,
        policy.resolution_minutes * 60,
        policy.warning_percent,
    )


@dataclass
class _ProcessPolicies:
    policies: dict[tuple[str, str], Targets] | None = None
    version: str | None = None
    loaded_at: float = 0.0
    checked_at: float = 0.0


_lock = threading.Lock()
_current = _ProcessPolicies()


def _all_policies() -> dict[tuple[str, str], Targets]:
    """Every policy, cached per process: a handful of rows read on every ticket change.
    Reloaded when ``sla_policies_changed`` bumps the shared version, or after the TTL."""
    global _current
    now = time.monotonic()
    current = _current
    if current.policies is not None and now - current.checked_at < VERSION_CHECK_SECONDS:
        return current.policies
    version = cache.get(POLICY_VERSION_CACHE_KEY)
    current.checked_at = now
    if (
        current.policies is None
        or version != current.version
        or now - current.loaded_at > settings.SLA_CALENDAR_TTL_SECONDS
    ):
        with _lock:
            policies = {
                (policy.priority, policy.category): _targets(policy)
                for policy in SlaPolicy.objects.all()
            }
            _current = current = _ProcessPolicies(policies, version, now, now)
    return current.policies  # type: ignore[return-value]


def sla_policies_changed() -> None:
    global _current
    cache.set(POLICY_VERSION_CACHE_KEY, uuid.uuid4().hex, timeout=None)
    with _lock:
        _current = _ProcessPolicies()


def sla_targets_for(*, priority: str, category: str = "") -> Targets:
    """The policy for this priority and category, else for the priority, else the defaults."""
    policies = _all_policies()
    targets = policies.get((priority, category)) or policies.get((priority, ""))
    if targets is None:
        first, following, resolution = DEFAULT_POLICY_MINUTES[Priority(priority)]
        return Targets(first * 60, following * 60, resolution * 60, 75)
    return targets
