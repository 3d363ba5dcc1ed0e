"""Liveness, readiness and metrics endpoints for the load balancer and monitoring (SLA 5(e))."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .monitoring import metrics_registry
from .selectors import readiness_checks
from .tokens import token_hash


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: no database or broker I/O, so it stays cheap under load."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when every dependency answers; 503 naming the one that did not."""
    checks = readiness_checks()
    ready = all(check.ok for check in checks if check.required)
    body = {
        "status": ("ok" if all(check.ok for check in checks) else "degraded")
        if ready
        else "unavailable",
        "checks": {check.name: check.as_dict() for check in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the monitoring system (``Authorization: Bearer METRICS_TOKEN``)
    or a logged-in staff member. Anyone else learns nothing, not even the metric names."""
    if not (_has_metrics_token(request) or request.user.is_staff):
        status = 403 if request.user.is_authenticated else 401
        response = HttpResponse(status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)


def _has_metrics_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _space, supplied = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not supplied:
        return False
    # Compared as hashes, in constant time: neither length nor prefix leaks.
    return hmac.compare_digest(token_hash(supplied.strip()), token_hash(expected))
