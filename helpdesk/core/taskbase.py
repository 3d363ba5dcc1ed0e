"""The Celery task class of every task here, and the worker's database hygiene.

A worker is a long-lived process: when PostgreSQL restarts or drops its connections, or SQLite
is briefly locked by another process, the next task must not inherit the damage. So:

- before each task, connections that errored or aged out are closed, and the first query of
  the task checks that the connection still answers (``CONN_HEALTH_CHECKS``), replacing it if
  not; Celery's own fixup leaves a connection alone for ``CELERY_DB_REUSE_MAX`` tasks;
- a task that still meets a transient database error (the server went away mid-task, "database
  is locked") drops the broken connection and is retried with backoff, a few times, instead
  of failing; tasks are idempotent, so running one again is safe.
"""

from __future__ import annotations

import contextlib
import logging
import random
from typing import Any

from celery import Task
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# Errors that say "the database, or the way to it, is unwell right now", not "this data is
# wrong": IntegrityError and DataError are left to the task, since retrying cannot fix them.
TRANSIENT_DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
TRANSIENT_RETRY_MAX = 8
TRANSIENT_RETRY_BACKOFF_MAX = 300


def database_connections_discard_broken() -> None:
    """Close every connection of this thread that errored, aged out or no longer answers.

    Never raises: closing a connection whose server is gone can fail in turn, and the caller
    is usually already handling an error. The next query opens a new connection.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            # A caller's transaction (an eager task inside a test or a request): not ours.
            continue
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:
            with contextlib.suppress(Exception):
                connection.close()
            # Whatever close() managed, the wrapper must not hand out the dead socket again.
            connection.connection = None


def transient_retry_countdown(retries: int) -> float:
    """5 s, 10 s, 20 s ... up to 5 minutes, with jitter so that workers do not retry together."""
    base = min(TRANSIENT_RETRY_BACKOFF_MAX, 5 * 2**retries)
    return base / 2 + random.uniform(0, base / 2)  # noqa: S311 - jitter, not secrecy


class HealingTask(Task):
    """Retries a task that met a transient database error, after dropping the connection."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except TRANSIENT_DATABASE_ERRORS as error:
            database_connections_discard_broken()
            request = self.request
            if request.called_directly or request.is_eager:
                raise
            if request.retries >= TRANSIENT_RETRY_MAX:
                logger.error(
                    "task %s[%s] gave up after %s database errors: %s",
                    self.name,
                    request.id,
                    request.retries + 1,
                    error,
                )
                raise
            countdown = transient_retry_countdown(request.retries)
            logger.warning(
                "task %s[%s] met a database error (%s: %s); retrying in %.0f s",
                self.name,
                request.id,
                type(error).__name__,
                error,
                countdown,
            )
            raise self.retry(
                exc=error, countdown=countdown, max_retries=TRANSIENT_RETRY_MAX
            ) from error


def before_each_task(**_: Any) -> None:
    """``task_prerun``: start every task on a connection known to work."""
    database_connections_discard_broken()
