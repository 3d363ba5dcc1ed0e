"""CI must test against the production kinds of service, not the embedded defaults."""

import os

import pytest
from django.db import connection

from tests.conftest import service_missing


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_when_services_are_required():
    if connection.vendor != "postgresql":
        service_missing(f"the database is {connection.vendor}, not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_redis_answers(redis_url):
    import redis

    assert redis.Redis.from_url(redis_url).ping() is True
    assert os.environ.get("REDIS_URL", redis_url) == redis_url
