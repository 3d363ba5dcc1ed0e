"""A real Celery worker process, on Redis, doing work the web process asked for."""

import pytest

from helpdesk.core.models import Heartbeat
from helpdesk.core.tasks import heartbeat_task
from tests.conftest import wait_for

pytestmark = pytest.mark.services


def test_a_task_sent_to_redis_is_run_by_a_worker_process_and_lands_in_the_database(
    celery_worker_process,
):
    assert not Heartbeat.objects.filter(source="from-the-test").exists()

    heartbeat_task.delay("from-the-test")

    beat = wait_for(lambda: Heartbeat.objects.filter(source="from-the-test").first())
    assert beat.beats == 1

    heartbeat_task.delay("from-the-test")
    wait_for(lambda: Heartbeat.objects.get(source="from-the-test").beats == 2)


def test_celery_is_configured_for_safe_redelivery():
    from helpdesk.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert "worker-heartbeat" in app.conf.beat_schedule
