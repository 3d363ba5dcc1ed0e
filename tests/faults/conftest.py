"""Fixtures of the fault suite: real processes on PostgreSQL and a Redis server of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.conftest import database_url_for_subprocess, service_missing
from tests.faults.harness import Processes, RedisServer, desk_processes


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed (the fault suite starts its own)")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desk(request, transactional_db, own_redis: RedisServer) -> Iterator[Processes]:
    """Gateway and workers sharing this test's PostgreSQL database and the test's Redis."""
    if connection.vendor != "postgresql":
        service_missing("the fault suite needs PostgreSQL (set DATABASE_URL)")
    with desk_processes(
        database_url=database_url_for_subprocess(),
        broker_url=own_redis.url,
        name=request.node.name[:40],
    ) as processes:
        yield processes
