"""Background tasks of the core app: thin wrappers around services."""

from celery import shared_task

from .backup import backup_create
from .services import heartbeat_record


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def heartbeat_task(source: str) -> None:
    heartbeat_record(source=source)


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
