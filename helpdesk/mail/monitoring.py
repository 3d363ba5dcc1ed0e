"""What mail intake reports to ``/readyz`` and ``/metrics`` (registered in ``apps.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from helpdesk.core.monitoring import (
    CheckFailed,
    Sample,
    metrics_gauge_register,
    readiness_check_register,
)

from .selectors import inbound_counts_by_status, inbound_oldest_unprocessed_seconds


def _intake_lag_probe() -> str:
    """Reported always; fails once the oldest waiting mail is older than the limit, which
    means the workers are not keeping up (or not running)."""
    seconds = inbound_oldest_unprocessed_seconds()
    if seconds > settings.READYZ_INBOUND_LAG_SECONDS:
        raise CheckFailed(f"oldest unprocessed mail waited {seconds:.0f} s")
    return f"oldest unprocessed mail waited {seconds:.0f} s"


def _inbound_by_status() -> Iterator[Sample]:
    for status, count in inbound_counts_by_status().items():
        yield Sample((status,), count)


def _inbound_lag() -> Iterator[Sample]:
    yield Sample((), inbound_oldest_unprocessed_seconds())


def register() -> None:
    readiness_check_register("inbound_mail", _intake_lag_probe)
    metrics_gauge_register(
        "helpdesk_inbound_mail",
        "Received mail by processing status.",
        ["status"],
        _inbound_by_status,
    )
    metrics_gauge_register(
        "helpdesk_inbound_lag_seconds",
        "Age of the oldest received mail not yet processed (0 when none waits).",
        [],
        _inbound_lag,
    )
