"""Liveness and readiness endpoints for the load balancer and monitoring (SLA 5(e))."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import readiness_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: no database or broker I/O, so it stays cheap under load."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
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
