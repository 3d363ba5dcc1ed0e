"""Liveness and readiness as a load balancer and a monitoring system see them."""

import pytest
from django.test import override_settings

from helpdesk.core import selectors
from helpdesk.core.services import heartbeat_record
from tests.conftest import celery_broker

# Nothing listens on port 1 of loopback: every cache call is refused at once.
UNREACHABLE_REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_names_each_check_and_is_200_when_all_pass(client, test_redis_url):
    heartbeat_record(source="worker")
    heartbeat_record(source="beat")
    with celery_broker(test_redis_url):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "ok": True, "detail": "redis"}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_down(client):
    # Nothing listens on port 1 of loopback: the connection is refused at once.
    with celery_broker("redis://127.0.0.1:1/0"):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    # Regression: the detail was the exception text, host and port included.
    assert body["checks"]["broker"]["detail"] == "unavailable"
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_database() -> str:
        raise ConnectionError("could not connect to server")

    monkeypatch.setattr(selectors, "_database_probe", broken_database)
    monkeypatch.setattr(selectors, "_broker_probe", lambda: "redis")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["detail"] == "unavailable"
    assert "could not connect" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_stays_200_but_names_the_cache_when_only_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr(selectors, "_broker_probe", lambda: "redis")
    heartbeat_record(source="worker")
    heartbeat_record(source="beat")
    with override_settings(CACHES=UNREACHABLE_REDIS_CACHE):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == {
        **body["checks"]["cache"],
        "ok": False,
        "detail": "unavailable",
        "required": False,
    }
