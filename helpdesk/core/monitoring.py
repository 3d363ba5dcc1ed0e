"""Monitoring (SLA 5(e)): readiness checks and Prometheus metrics that other apps plug into.

Core is the lowest layer and must not import tickets or mail, yet ``/readyz`` and
``/metrics`` report on them. So apps register their own readiness checks and metric
families here from their ``AppConfig.ready()``, and the endpoints read the registry.

- HTTP requests are counted per view and status by ``MetricsMiddleware`` in each process
  (with ``PROMETHEUS_MULTIPROC_DIR`` set, gunicorn's processes are summed).
- Database figures (tickets, inbound mail) are computed when scraped and cached for
  ``METRICS_CACHE_SECONDS``, so frequent scrapes do not become frequent table scans.
- Celery task failures happen in worker processes: counted in the shared cache (Redis in
  production) so the web process can report them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from celery.signals import task_failure
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from helpdesk.celery import app as celery_app

logger = logging.getLogger(__name__)

# --- readiness --------------------------------------------------------------------------------

ReadinessProbe = Callable[[], str]
_readiness_probes: dict[str, ReadinessProbe] = {}


class CheckFailed(Exception):
    """A readiness check failed for a reason the check itself words (a heartbeat's age, the
    intake lag): safe to show in ``/readyz``, unlike an exception's text."""


def readiness_check_register(name: str, probe: ReadinessProbe) -> None:
    """``probe()`` returns a short detail when healthy and raises when not."""
    _readiness_probes[name] = probe


def readiness_probes() -> dict[str, ReadinessProbe]:
    return dict(_readiness_probes)


# --- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One gauge value: ``labels`` in the order of the family's label names."""

    labels: tuple[str, ...]
    value: float


@dataclass(frozen=True)
class GaugeSource:
    name: str
    documentation: str
    label_names: tuple[str, ...]
    read: Callable[[], Iterable[Sample]]


_gauge_sources: dict[str, GaugeSource] = {}


def metrics_gauge_register(
    name: str,
    documentation: str,
    label_names: Iterable[str],
    read: Callable[[], Iterable[Sample]],
) -> None:
    _gauge_sources[name] = GaugeSource(name, documentation, tuple(label_names), read)


class _DatabaseGauges(Collector):
    """Every registered gauge, read at scrape time (cached briefly in the shared cache)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for source in list(_gauge_sources.values()):
            key = f"metrics:gauge:{source.name}"
            samples = cache.get(key)
            if samples is None:
                try:
                    samples = [(sample.labels, sample.value) for sample in source.read()]
                except Exception:
                    logger.exception("metrics source failed name=%s", source.name)
                    continue
                cache.set(key, samples, settings.METRICS_CACHE_SECONDS)
            family = GaugeMetricFamily(
                source.name, source.documentation, labels=list(source.label_names)
            )
            for labels, value in samples:
                family.add_metric(list(labels), value)
            yield family


TASK_FAILURE_NAMES_KEY = "metrics:celery-task-failures:names"


def _task_failure_key(task_name: str) -> str:
    return f"metrics:celery-task-failures:{task_name}"


@task_failure.connect
def _count_task_failure(sender=None, **_kwargs) -> None:
    """In the worker: one more failure of this task, in the shared cache."""
    task_name = getattr(sender, "name", "unknown")
    try:
        if cache.add(_task_failure_key(task_name), 1, timeout=None):
            names = set(cache.get(TASK_FAILURE_NAMES_KEY) or ())
            cache.set(TASK_FAILURE_NAMES_KEY, sorted(names | {task_name}), timeout=None)
        else:
            cache.incr(_task_failure_key(task_name))
    except Exception:
        # Counting must never turn a task failure into a second failure.
        logger.exception("could not count a task failure task=%s", task_name)


class _TaskFailures(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "helpdesk_celery_task_failures",
            "Celery tasks that failed (after their retries), by task.",
            labels=["task"],
        )
        for name in cache.get(TASK_FAILURE_NAMES_KEY) or ():
            family.add_metric([name], float(cache.get(_task_failure_key(name)) or 0))
        yield family


# Our own registry: nothing of the client library's default process collectors leaks in
# twice, and tests can scrape a known set.
REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "helpdesk_http_requests",
    "HTTP requests answered, by view and status code.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
REGISTRY.register(_DatabaseGauges())
REGISTRY.register(_TaskFailures())


def metrics_registry() -> CollectorRegistry:
    """The registry to scrape: with ``PROMETHEUS_MULTIPROC_DIR`` (gunicorn with several
    workers) the per-process HTTP counters are summed from their files."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_DatabaseGauges())
    registry.register(_TaskFailures())
    return registry


class MetricsMiddleware:
    """Counts each response by the name of the view that answered (not the path: paths
    carry ticket tokens and ids, which would leak and explode the label set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unresolved"
        HTTP_REQUESTS.labels(
            view=view, method=request.method, status=str(response.status_code)
        ).inc()
        return response


def _queue_lengths() -> Iterator[Sample]:
    """Tasks waiting in each queue; only a Redis broker can be asked cheaply."""
    if not str(celery_app.conf.broker_url).startswith(("redis://", "rediss://")):
        return
    with celery_app.connection_for_read() as connection:
        client = connection.default_channel.client
        for queue in settings.METRICS_CELERY_QUEUES:
            yield Sample((queue,), client.llen(queue))


def register() -> None:
    metrics_gauge_register(
        "helpdesk_celery_queue_length",
        "Tasks waiting in the broker, by queue.",
        ["queue"],
        _queue_lengths,
    )
