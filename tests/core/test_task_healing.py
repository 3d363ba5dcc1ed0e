"""Every task retries a transient database error on a fresh connection (core/taskbase.py)."""

from __future__ import annotations

import pytest
from celery import shared_task
from celery.exceptions import Retry
from django.db import IntegrityError, OperationalError, connection

from helpdesk.core.taskbase import TRANSIENT_RETRY_MAX, transient_retry_countdown


@shared_task(bind=True, ignore_result=True)
def flaky_database_task(self, error_kind: str) -> None:
    if error_kind == "locked":
        raise OperationalError("database is locked")
    raise IntegrityError("duplicate key value violates unique constraint")


def run_as_worker(task, *args, retries: int = 0) -> None:
    """Call the task as a worker does (not eagerly, not as a plain function)."""
    task.push_request(retries=retries, called_directly=False, is_eager=False, id="t-1")
    try:
        task(*args)
    finally:
        task.pop_request()


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_is_retried_with_backoff_not_failed(monkeypatch):
    # Regression: "database is locked" failed the acknowledgement task outright, and the
    # customer got the confirmation 18 minutes late from the outbox sweep.
    scheduled = []
    monkeypatch.setattr(
        flaky_database_task,
        "apply_async",
        lambda *args, **kwargs: scheduled.append(kwargs.get("countdown")),
    )
    with pytest.raises(Retry):
        run_as_worker(flaky_database_task, "locked")
    assert len(scheduled) == 1 and 2.5 <= scheduled[0] <= 5
    # The connection still works for the next task.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_the_retries_end_and_the_error_surfaces():
    with pytest.raises(OperationalError):
        run_as_worker(flaky_database_task, "locked", retries=TRANSIENT_RETRY_MAX)


def test_a_data_error_is_not_retried():
    with pytest.raises(IntegrityError):
        run_as_worker(flaky_database_task, "integrity")


def test_backoff_grows_and_is_capped():
    assert 2.5 <= transient_retry_countdown(0) <= 5
    assert 20 <= transient_retry_countdown(3) <= 40
    assert transient_retry_countdown(20) <= 300
