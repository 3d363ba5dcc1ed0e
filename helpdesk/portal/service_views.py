"""Public pages about the service itself: its status and the environment requirements."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from sla.announcements import environment_requirements_current
from sla.models import EnvironmentRequirements
from sla.status import service_status


@require_safe
def status(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/service_status.html", {"status": service_status()})


@require_safe
def environment(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    current = environment_requirements_current(today=today)
    changes = EnvironmentRequirements.objects.filter(
        announced_at__lte=now, effective_on__gt=today
    ).order_by("effective_on")
    return render(
        request, "portal/environment.html", {"current": current, "changes": list(changes)}
    )
