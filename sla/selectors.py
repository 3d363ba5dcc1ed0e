"""Reads for SLA policies."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .caching import ProcessCache
from .escalation import DEFAULT_PLAN, EscalationPlan
from .models import (
    DEFAULT_POLICY_MINUTES,
    DEFAULT_WARNING_PERCENT,
    EscalationRule,
    Priority,
    SlaPolicy,
)


@dataclass(frozen=True)
class Targets:
    """A policy's targets in business seconds (the clock counts seconds)."""

    first_response: int
    next_response: int
    resolution: int
    warning_percent: int
    escalation: EscalationPlan = field(default=DEFAULT_PLAN)

    def warning_threshold(self, target: int) -> int:
        # Whole seconds, rounded up: a warning never fires before the stated percentage.
        return -(-target * self.warning_percent // 100)


def escalation_plan_for(policy: SlaPolicy, rule: EscalationRule | None) -> EscalationPlan:
    """The policy's escalation rule as a plan; without one, the defaults at the policy's own
    warning percentage."""
    if rule is None:
        return EscalationPlan(warning_percent=policy.warning_percent)
    return EscalationPlan(
        warning_percent=rule.warning_percent,
        breach_percent=rule.breach_percent,
        overdue_percent=rule.overdue_percent,
        recipients={
            "warning": tuple(rule.warning_recipients),
            "breach": tuple(rule.breach_recipients),
            "overdue": tuple(rule.overdue_recipients),
        },
    )


def _targets(policy: SlaPolicy) -> Targets:
    rule = getattr(policy, "escalation_rule", None)
    plan = escalation_plan_for(policy, rule)
    return Targets(
        policy.first_response_minutes * 60,
        policy.next_response_minutes * 60,
        policy.resolution_minutes * 60,
        # The rule's warning is the one the SLA state follows too, so the two never disagree.
        plan.warning_percent,
        plan,
    )


def _load_policies() -> dict[tuple[str, str], Targets]:
    return {
        (policy.priority, policy.category): _targets(policy)
        for policy in SlaPolicy.objects.select_related("escalation_rule")
    }


# A handful of rows read on every ticket change: kept per process (see sla.caching).
_policy_cache: ProcessCache[dict[tuple[str, str], Targets]] = ProcessCache(
    version_key="sla:policy-version",
    build=_load_policies,
    ttl=lambda: settings.SLA_CALENDAR_TTL_SECONDS,
)


def sla_policies_changed() -> None:
    _policy_cache.invalidate()


def sla_targets_for(*, priority: str, category: str = "") -> Targets:
    """The policy for this priority and category, else for the priority, else the defaults."""
    policies = _policy_cache.get()
    targets = policies.get((priority, category)) or policies.get((priority, ""))
    if targets is None:
        first, following, resolution = DEFAULT_POLICY_MINUTES[Priority(priority)]
        return Targets(first * 60, following * 60, resolution * 60, DEFAULT_WARNING_PERCENT)
    return targets
