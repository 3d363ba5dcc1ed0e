"""Shared fixtures: real services when present; with REQUIRE_SERVICES=1 (CI) a missing service,
or any skipped test, is a failure rather than a skip."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(message: str) -> None:
    """Skip locally; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REQUIRE_SERVICES=1: {report.longrepr}"


@pytest.fixture(autouse=True)
def fresh_business_calendar():
    """Each test starts with an empty cache (rate limits) and a clock built from its own
    closures, not a previous test's."""
    from django.core.cache import cache

    from sla.calendars import calendar_changed
    from sla.selectors import sla_policies_changed

    cache.clear()
    calendar_changed()
    sla_policies_changed()
    yield
    cache.clear()
    calendar_changed()
    sla_policies_changed()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        service_missing(f"Redis is not reachable at {url}: {error}")
    return url


@pytest.fixture(scope="session")
def test_redis_url(redis_url: str) -> str:
    """A Redis database of its own, so tests never touch a developer's queues. TEST_REDIS_DB
    picks another one, so two checkouts can run their suites side by side."""
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    return f"{base}/{int(os.environ.get('TEST_REDIS_DB', '14'))}"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (shutil.which(path) or os.access(path, os.X_OK)):
        service_missing(f"Chromium is not installed at {path}")
    return path


def database_url_for_subprocess() -> str:
    """The URL of the database this test is using, for a worker in another process."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings['NAME']}"


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker for the duration of the block."""
    from helpdesk.celery import app

    def reset_pools() -> None:
        # kombu keeps producer pools per broker URL in a global registry; a closed one would
        # be handed out again ("Acquire on closed pool"), so drop them all.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    reset_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset_pools()
        app.conf.broker_url = previous


@pytest.fixture
def celery_worker_process(transactional_db, test_redis_url: str) -> Iterator[str]:
    """A real ``celery worker`` process on Redis, sharing this test's database.

    Yields the broker URL; the test's own Celery app is pointed at the same broker.
    """
    import redis

    redis.Redis.from_url(test_redis_url).flushdb()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.test_settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "TEST_CELERY_BROKER_URL": test_redis_url,
        "PYTHONPATH": str(ROOT),
    }
    log_path = ROOT / "var" / "test-celery-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    with contextlib.ExitStack() as stack:
        stack.enter_context(celery_broker(test_redis_url))
        stack.callback(stop_process, worker)
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield test_redis_url


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``condition()`` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
