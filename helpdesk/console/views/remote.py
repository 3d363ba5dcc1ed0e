"""Remote support from the ticket page: the panel (asking, the session's start and end) and
the per-ticket audit of consent events, with its CSV export. Thin: helpdesk.remote's services
write and its selectors read."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.core.permissions import DeskRequest, agent_required
from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.selectors import (
    consent_audit_csv,
    consent_audit_rows,
    consent_requests_for_ticket,
)
from helpdesk.remote.services import (
    ConsentRefused,
    consent_request,
)
from helpdesk.remote.sessions import remote_session_end, remote_session_start
from helpdesk.tickets.models import Ticket

from ..remote_forms import RemoteRequestForm


@agent_required
@require_GET
def remote_panel(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    return render(
        request,
        "console/_remote_panel.html",
        {
            "ticket": ticket,
            "requests": consent_requests_for_ticket(ticket=ticket)[:10],
            "form": RemoteRequestForm(),
        },
    )


@agent_required
@require_POST
def remote_request_create(request: DeskRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    form = RemoteRequestForm(request.POST)
    if form.is_valid():
        try:
            consent_request(
                ticket=ticket,
                requested_by=request.user,
                scope=form.cleaned_data["scope"],
                reason=form.cleaned_data["reason"],
                tool=form.cleaned_data["tool"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValueError:
            messages.error(request, _("The consent must be valid for some time."))
        else:
            messages.success(request, _("Remote support requested: the customer gets a link."))
    else:
        messages.error(request, _("Please give the scope, the tool and a reason."))
    return redirect("console:ticket", pk=pk)


def _session_step(
    request: DeskRequest,
    pk: int,
    request_id: int,
    step: Callable[..., RemoteSupportRequest],
) -> HttpResponse:
    remote = get_object_or_404(RemoteSupportRequest, pk=request_id, ticket_id=pk)
    try:
        step(request=remote, actor=request.user)
    except ConsentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Recorded."))
    return redirect("console:ticket", pk=pk)


@agent_required
@require_POST
def remote_session_start_view(request: DeskRequest, pk: int, request_id: int) -> HttpResponse:
    return _session_step(request, pk, request_id, remote_session_start)


@agent_required
@require_POST
def remote_session_end_view(request: DeskRequest, pk: int, request_id: int) -> HttpResponse:
    return _session_step(request, pk, request_id, remote_session_end)


@agent_required
@require_GET
def remote_audit(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    return render(
        request,
        "console/remote_audit.html",
        {"ticket": ticket, "rows": consent_audit_rows(ticket=ticket)},
    )


@agent_required
@require_GET
def remote_audit_csv(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    response = HttpResponse(consent_audit_csv(ticket=ticket), content_type="text/csv")
    filename = f"{ticket.reference}-remote-support-audit.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
