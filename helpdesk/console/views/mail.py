"""Quarantined mail: what could not be processed, why, and what a supervisor does about it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.core.permissions import DeskRequest, supervisor_required
from helpdesk.mail.models import InboundMail
from helpdesk.mail.quarantine import mail_discard, quarantined_mails
from helpdesk.mail.services import mail_reprocess


@supervisor_required
@require_GET
def quarantine_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/quarantine_list.html", {"mails": quarantined_mails()[:200]})


@supervisor_required
@require_GET
def quarantine_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The raw message as plain text, never as HTML: whatever the sender put in it cannot run
    here. Bytes that are not UTF-8 show as replacement characters."""
    mail = get_object_or_404(InboundMail, pk=pk)
    response = HttpResponse(
        bytes(mail.raw).decode("utf-8", errors="replace"),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@supervisor_required
@require_POST
def quarantine_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(InboundMail, pk=pk)
    result = mail_reprocess(inbound_pk=mail.pk)
    if result.inbound.status in (InboundMail.Status.QUARANTINED, InboundMail.Status.FAILED):
        messages.error(request, _("Mail #%(id)d is still quarantined.") % {"id": mail.pk})
    else:
        messages.success(request, _("Mail #%(id)d was processed again.") % {"id": mail.pk})
    return redirect("console:quarantine")


@supervisor_required
@require_POST
def quarantine_discard(request: DeskRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(InboundMail, pk=pk)
    if mail_discard(inbound_pk=mail.pk, actor=request.user, note=request.POST.get("note", "")):
        messages.success(request, _("Mail #%(id)d was discarded.") % {"id": mail.pk})
    return redirect("console:quarantine")
