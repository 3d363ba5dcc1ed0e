"""Staff reports under /console/reports/. Desk staff only (the console's roles): anyone else is
sent to sign in, or refused if signed in without a desk role."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from helpdesk.core.permissions import agent_required

from .selectors import availability_report, availability_report_csv, month_parse


def _month_or_404(text: str) -> tuple[int, int]:
    try:
        return month_parse(text)
    except ValueError as error:
        raise Http404(str(error)) from error


@require_safe
@agent_required
def availability(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime()
    text = request.GET.get("month") or f"{now.year:04d}-{now.month:02d}"
    year, month = _month_or_404(text)
    report = availability_report(year=year, month=month)
    return render(request, "reports/availability.html", {"report": report})


@require_safe
@agent_required
def availability_csv(request: HttpRequest, month: str) -> HttpResponse:
    year, month_number = _month_or_404(month)
    report = availability_report(year=year, month=month_number)
    response = HttpResponse(
        availability_report_csv(report).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="availability-{month}.csv"'
    return response
