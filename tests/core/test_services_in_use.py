"""CI must test against the production kinds of service, not the embedded defaults."""

import base64
import json

import pytest
import redis
from django.db import connection

from helpdesk.core.tasks import heartbeat_task
from tests.conftest import celery_broker, service_missing


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_when_services_are_required():
    if connection.vendor != "postgresql":
        service_missing(f"the database is {connection.vendor}, not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_a_task_sent_to_the_test_redis_is_queued_there_as_json(test_redis_url):
    """Replaces a check that pinged the Redis its own fixture had just pinged: this one fails
    when tasks do not reach Redis, reach another database, or are not JSON."""
    queue = redis.Redis.from_url(test_redis_url)
    queue.delete("celery")

    with celery_broker(test_redis_url):
        heartbeat_task.delay("services-check")

    assert queue.llen("celery") == 1
    envelope = json.loads(queue.lpop("celery"))
    assert envelope["headers"]["task"] == "helpdesk.core.tasks.heartbeat_task"
    assert envelope["content-type"] == "application/json"
    args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    assert args == ["services-check"]
