"""Background tasks of the core app: thin wrappers around services."""

import logging

from celery import shared_task
from celery.signals import beat_init, before_task_publish, worker_ready
from django.db import connections

from .backup import backup_create
from .selectors import HEARTBEAT_BEAT, HEARTBEAT_WORKER
from .services import heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def heartbeat_task(source: str) -> None:
    """Beat sends ``heartbeat_task("worker")`` every minute; the worker that runs it proves
    it is consuming tasks."""
    heartbeat_record(source=source)


@before_task_publish.connect
def _beat_heartbeat(sender: str | None = None, body: object = None, **_kwargs: object) -> None:
    """In the process that publishes the worker's heartbeat (beat): beat is alive. Recorded
    here rather than by the worker, so a dead worker and a dead beat are told apart."""
    if sender != heartbeat_task.name or not isinstance(body, tuple | list) or not body:
        return
    if list(body[0]) == [HEARTBEAT_WORKER]:
        try:
            heartbeat_record(source=HEARTBEAT_BEAT)
        except Exception:
            logger.exception("could not record beat's heartbeat")


# A backup takes minutes, not the default 60 s; one attempt a day, retried once on failure.
@shared_task(
    ignore_result=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
    autoretry_for=(Exception,),
    max_retries=1,
    default_retry_delay=600,
)
def backup_task() -> None:
    backup_create()


@beat_init.connect
def _beat_started(**_kwargs: object) -> None:
    """Beat's first interval run comes a minute after it starts: prove both alive now, so a
    freshly started site is ready in seconds rather than after the first minute."""
    try:
        heartbeat_task.delay(HEARTBEAT_WORKER)
    except Exception:
        logger.exception("could not send the first heartbeat")


@worker_ready.connect
def _worker_started(**_kwargs: object) -> None:
    try:
        heartbeat_record(source=HEARTBEAT_WORKER)
    except Exception:
        logger.exception("could not record the worker's first heartbeat")
    finally:
        # The main process does no other database work: keep no connection open.
        connections.close_all()
