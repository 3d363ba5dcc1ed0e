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
_lock = threading.Lock()
_loaded: dict[str, object] = {"policies": None, "version": None, "loaded_at": 0.0}


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


def _all_policies() -> dict[tuple[str, str], Targets]:
    """Every policy, cached per process: a handful of rows read on every ticket change.
    Reloaded when ``sla_policies_changed`` bumps the shared version, or after the TTL."""
    version = cache.get(POLICY_VERSION_CACHE_KEY)
    now = time.monotonic()
    policies = _loaded["policies"]
    if (
        policies is None
        or version != _loaded["version"]
        or now - float(_loaded["loaded_at"]) > settings.SLA_CALENDAR_TTL_SECONDS  # type: ignore[arg-type]
    ):
        with _lock:
            policies = {
                (policy.priority, policy.category): _targets(policy)
                for policy in SlaPolicy.objects.all()
            }
            _loaded.update(policies=policies, version=version, loaded_at=now)
    return policies  # type: ignore[return-value]


def sla_policies_changed() -> None:
    cache.set(POLICY_VERSION_CACHE_KEY, uuid.uuid4().hex, timeout=None)
    with _lock:
        _loaded.update(policies=None, version=None, loaded_at=0.0)


def sla_targets_for(*, priority: str, category: str = "") -> Targets:
    """The policy for this priority and category, else for the priority, else the defaults."""
    policies = _all_policies()
    targets = policies.get((priority, category)) or policies.get((priority, ""))
    if targets is None:
        first, following, resolution = DEFAULT_POLICY_MINUTES[Priority(priority)]
        return Targets(first * 60, following * 60, resolution * 60, 75)
    return targets
