"""Reads for SLA policies."""

from __future__ import annotations

from dataclasses import dataclass

from .models import DEFAULT_POLICY_MINUTES, Priority, SlaPolicy


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


def sla_targets_for(*, priority: str, category: str = "") -> Targets:
    """The policy for this priority and category, else for the priority, else the defaults."""
    policies = {
        policy.category: policy
        for policy in SlaPolicy.objects.filter(priority=priority, category__in=[category, ""])
    }
    policy = policies.get(category) or policies.get("")
    if policy is None:
        first, following, resolution = DEFAULT_POLICY_MINUTES[Priority(priority)]
        return Targets(first * 60, following * 60, resolution * 60, 75)
    return Targets(
        policy.first_response_minutes * 60,
        policy.next_response_minutes * 60,
        policy.resolution_minutes * 60,
        policy.warning_percent,
    )
