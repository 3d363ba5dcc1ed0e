"""Reads for the core app: readiness checks."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from helpdesk.celery import app

from .models import Heartbeat
from .monitoring import CheckFailed, readiness_probes

HEARTBEAT_WORKER = "worker"
HEARTBEAT_BEAT = "beat"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    milliseconds: float
    # A dependency the site can serve without, less well (the cache): it never makes the
    # process unready, or the load balancer would take a working site out for a cache outage.
    required: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "detail": self.detail,
            "ms": round(self.milliseconds, 1),
            "required": self.required,
        }


def _timed(name: str, probe, *, required: bool = True) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except CheckFailed as failure:
        detail, ok = str(failure), False
    except Exception as error:
        # The error's text can hold host names, user names or worse; it goes to the log, and
        # the public answer only says that the dependency is down.
        logger.warning("readiness: %s is down: %s: %s", name, type(error).__name__, error)
        detail = "unavailable"
        ok = False
    return CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000, required)


def _database_probe() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker_probe() -> str:
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
    # The scheme only: the URL may carry a password.
    return str(app.conf.broker_url).split("://", 1)[0]


def _cache_probe() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=5)
    cache.delete(key)
    return cache.__class__.__name__


def heartbeat_probe(source: str) -> str:
    """Fails when ``source`` has not beaten within ``READYZ_HEARTBEAT_MAX_AGE_SECONDS``."""
    heartbeat = Heartbeat.objects.filter(source=source).first()
    if heartbeat is None:
        raise CheckFailed(f"no heartbeat from {source} yet")
    age = (timezone.now() - heartbeat.last_seen_at).total_seconds()
    if age > settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS:
        raise CheckFailed(f"last heartbeat {age:.0f} s ago")
    return f"{age:.0f} s ago"


def readiness_checks() -> list[CheckResult]:
    """Can this process serve (database, broker), are the worker and beat alive, and what
    the other apps registered (``monitoring.readiness_check_register``). The cache is
    reported too, but the site works without it (rate limits fail open)."""
    checks = [
        _timed("database", _database_probe),
        _timed("broker", _broker_probe),
        _timed("cache", _cache_probe, required=False),
        _timed("worker", lambda: heartbeat_probe(HEARTBEAT_WORKER)),
        _timed("beat", lambda: heartbeat_probe(HEARTBEAT_BEAT)),
    ]
    return checks + [_timed(name, probe) for name, probe in readiness_probes().items()]
