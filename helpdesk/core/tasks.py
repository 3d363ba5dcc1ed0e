"""Background tasks of the core app: thin wrappers around services."""

from celery import shared_task

from .services import heartbeat_record


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def heartbeat_task(source: str) -> None:
    heartbeat_record(source=source)
