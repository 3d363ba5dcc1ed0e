"""CI must test against the production kinds of service, not the embedded defaults."""

import base64
import json

import pytest
import redis
from django.db import connection

from helpdesk.celery import app as celery_app
from helpdesk.core.tasks import heartbeat_task
from tests.conftest import service_missing


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_when_services_are_required():
    if connection.vendor != "postgresql":
        service_missing(f"the database is {connection.vendor}, not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_a_task_sent_to_the_test_redis_is_queued_there_as_json(test_redis_url):
    """Replaces a check that pinged the Redis its own fixture had just pinged: this one fails
    when a task does not reach the suite's Redis database, or is not JSON under its name."""
    queue = redis.Redis.from_url(test_redis_url)
    queue.delete("celery")

    # Its own connection: the app's producer pool belongs to whatever broker tests used before.
    with celery_app.connection_for_write(test_redis_url) as broker:
        heartbeat_task.apply_async(args=["services-check"], connection=broker)

    assert queue.llen("celery") == 1
    envelope = json.loads(queue.lpop("celery"))
    assert envelope["headers"]["task"] == "helpdesk.core.tasks.heartbeat_task"
    assert envelope["content-type"] == "application/json"
    args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    assert args == ["services-check"]
