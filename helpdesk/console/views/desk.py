"""The dashboard, the calendar with closures, and canned responses."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.core.permissions import DeskRequest, agent_required, supervisor_required
from helpdesk.core.roles import user_is_supervisor
from helpdesk.tickets.canned import canned_response_delete, canned_response_save
from helpdesk.tickets.models import CannedResponse
from sla.services import closure_day_remove, closure_day_save

from ..forms import CannedResponseForm, ClosureForm, ClosureRemoveForm
from ..selectors import calendar_month, dashboard


@agent_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(request, "console/dashboard.html", {"board": dashboard(user=request.user)})


@agent_required
@require_GET
def calendar_view(
    request: HttpRequest, year: int | None = None, month: int | None = None
) -> HttpResponse:
    today = timezone.localdate()
    year, month = year or today.year, month or today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2099):
        raise Http404
    return render(
        request,
        "console/calendar.html",
        {
            "month": calendar_month(year=year, month=month),
            "today": today,
            "weekday_names": [WEEKDAYS_ABBR[index] for index in range(7)],
            "closure_form": ClosureForm(initial={"announced_at": timezone.localtime()}),
            "can_edit": user_is_supervisor(request.user),
        },
    )


@supervisor_required
@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                # An ErrorList yields message strings (the stubs allow ValidationError too);
                # str() is what the messages framework applies anyway.
                messages.error(request, str(error))
        return redirect("console:calendar")
    data = form.cleaned_data
    closure_day_save(date=data["date"], reason=data["reason"], announced_at=data["announced_at"])
    # The open tickets' deadlines are recomputed by a worker (sla.tasks), not in this request.
    messages.success(
        request,
        _("%(date)s is now a closure day. Open tickets' deadlines are being recomputed.")
        % {"date": data["date"].isoformat()},
    )
    return redirect("console:calendar_month", year=data["date"].year, month=data["date"].month)


@supervisor_required
@require_POST
def closure_remove(request: HttpRequest) -> HttpResponse:
    form = ClosureRemoveForm(request.POST)
    if not form.is_valid():
        return redirect("console:calendar")
    day: datetime.date = form.cleaned_data["date"]
    if closure_day_remove(date=day):
        messages.success(
            request,
            _("The closure on %(date)s was removed. Open tickets' deadlines are being recomputed.")
            % {"date": day.isoformat()},
        )
    return redirect("console:calendar_month", year=day.year, month=day.month)


@supervisor_required
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/canned_list.html",
        {"canned_responses": CannedResponse.objects.select_related("updated_by")},
    )


@supervisor_required
@require_http_methods(["GET", "POST"])
def canned_edit(request: DeskRequest, pk: int | None = None) -> HttpResponse:
    canned = get_object_or_404(CannedResponse, pk=pk) if pk else None
    form = CannedResponseForm(request.POST or None, instance=canned)
    if request.method == "POST" and form.is_valid():
        canned_response_save(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            is_active=form.cleaned_data["is_active"],
            updated_by=request.user,
            canned_response=canned,
        )
        messages.success(request, _("Canned response saved."))
        return redirect("console:canned_list")
    return render(request, "console/canned_edit.html", {"form": form, "canned": canned})


@supervisor_required
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    canned_response_delete(canned_response=get_object_or_404(CannedResponse, pk=pk))
    messages.success(request, _("Canned response deleted."))
    return redirect("console:canned_list")
