"""The ticket list, the ticket page and what staff do there. Thin: forms validate, services in
helpdesk.tickets write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from helpdesk.core.permissions import DeskRequest, agent_required
from helpdesk.tickets.canned import canned_response_render, canned_responses_active
from helpdesk.tickets.changes import (
    UNSET,
    CollisionError,
    ticket_change,
    ticket_reply,
    tickets_bulk_change,
)
from helpdesk.tickets.conversation import ticket_conversation, ticket_for_staff
from helpdesk.tickets.listing import InvalidCursor, ticket_filters_from_query, ticket_list_page
from helpdesk.tickets.models import Attachment, CannedResponse, Ticket
from sla.models import Priority

from ..forms import KEEP, BulkForm, ChangeForm, ReplyForm
from ..selectors import staff_users

PAGE_SIZE = 50


@agent_required
@require_GET
def ticket_list(request: DeskRequest) -> HttpResponse:
    filters = ticket_filters_from_query(request.GET)
    try:
        page = ticket_list_page(
            user=request.user,
            filters=filters,
            cursor=request.GET.get("cursor"),
            page_size=PAGE_SIZE,
        )
    except InvalidCursor:
        # A cursor from another sort or a tampered link: start from the top instead.
        page = ticket_list_page(user=request.user, filters=filters, page_size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "statuses": Ticket.Status.choices,
        "priorities": Priority.choices,
        "channels": Ticket.Channel.choices,
        "sla_states": Ticket.SlaState.choices,
        "bulk_form": BulkForm(),
        "is_partial": request.headers.get("HX-Request") == "true",
    }
    # htmx polls for the rows only: new tickets appear without a full reload.
    template = "console/_ticket_rows.html" if context["is_partial"] else "console/ticket_list.html"
    return render(request, template, context)


def _page(request: HttpRequest, ticket: Ticket, **extra) -> dict:
    conversation = ticket_conversation(ticket=ticket)
    seen_initial = {
        "seen_message": conversation.seen.message_pk,
        "seen_event": conversation.seen.event_pk,
    }
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "reply_form": ReplyForm(initial=seen_initial),
        "change_form": ChangeForm(
            initial={
                **seen_initial,
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": ticket.assignee_id,
                "queue": ticket.queue,
                "category": ticket.category,
            }
        ),
        "canned_responses": list(canned_responses_active().only("pk", "title")),
        "collision": None,
    }
    context.update(extra)
    return context


@agent_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = ticket_for_staff(ticket_pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    return render(request, "console/ticket_detail.html", _page(request, ticket))


def _collision_page(
    request: HttpRequest, ticket: Ticket, error: CollisionError, **forms
) -> HttpResponse:
    """Show what changed and keep what was typed; the refreshed hidden fields mean that
    sending again (after reading) goes through."""
    context = _page(request, ticket, collision=error.changes)
    conversation = context["conversation"]
    for form in forms.values():
        data = form.data.copy()
        data["seen_message"] = conversation.seen.message_pk
        data["seen_event"] = conversation.seen.event_pk
        form.data = data
    context.update(forms)
    return render(request, "console/ticket_detail.html", context, status=409)


@agent_required
@require_POST
def ticket_reply_view(request: DeskRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    form = ReplyForm(request.POST, request.FILES)
    internal = request.POST.get("action") == "note"
    if not form.is_valid():
        ticket = ticket_for_staff(ticket_pk=pk)
        return render(
            request,
            "console/ticket_detail.html",
            _page(request, ticket, reply_form=form),
            status=400,
        )
    try:
        ticket_reply(
            ticket=ticket,
            author=request.user,
            body_text=form.cleaned_data["body"],
            internal=internal,
            status=form.cleaned_data["status"] or None,
            attachments=form.attachment_inputs(),
            seen=form.seen(),
        )
    except CollisionError as error:
        return _collision_page(request, ticket_for_staff(ticket_pk=pk), error, reply_form=form)
    messages.success(request, _("Internal note saved.") if internal else _("Answer sent."))
    return redirect("console:ticket", pk=pk)


@agent_required
@require_POST
def ticket_change_view(request: DeskRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    form = ChangeForm(request.POST)
    if not form.is_valid():
        ticket = ticket_for_staff(ticket_pk=pk)
        return render(
            request,
            "console/ticket_detail.html",
            _page(request, ticket, change_form=form),
            status=400,
        )
    data = form.cleaned_data
    try:
        ticket_change(
            ticket=ticket,
            actor=request.user,
            status=data["status"],
            priority=data["priority"],
            assignee=data["assignee"],
            queue=data["queue"],
            category=data["category"],
            seen=form.seen(),
        )
    except CollisionError as error:
        return _collision_page(request, ticket_for_staff(ticket_pk=pk), error, change_form=form)
    messages.success(request, _("Ticket updated."))
    return redirect("console:ticket", pk=pk)


@agent_required
@require_GET
def ticket_canned_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply box filled with a canned response for this ticket (htmx swaps it in)."""
    ticket = get_object_or_404(Ticket.objects.select_related("requester"), pk=pk)
    canned_pk = request.GET.get("canned", "")
    if not canned_pk.isdigit():
        raise Http404
    canned = get_object_or_404(CannedResponse, pk=int(canned_pk), is_active=True)
    form = ReplyForm(
        initial={"body": canned_response_render(canned_response=canned, ticket=ticket)}
    )
    return render(request, "console/_reply_body.html", {"field": form["body"]})


@agent_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Always a download, never shown inline: a customer's HTML or SVG file must not run in
    the console's origin."""
    attachment = get_object_or_404(Attachment, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


@agent_required
@require_POST
def ticket_bulk(request: DeskRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("console:tickets")
    back = back or reverse("console:tickets")
    if not form.is_valid():
        for error in form.errors.get("__all__", []) or [_("Select tickets first.")]:
            # An ErrorList yields message strings (the stubs allow ValidationError too);
            # str() is what the messages framework applies anyway.
            messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    assignee = UNSET
    if data["assignee"] == BulkForm.UNASSIGN:
        assignee = None
    elif data["assignee"] != KEEP:
        assignee = get_object_or_404(staff_users(), pk=data["assignee"])
    count = tickets_bulk_change(
        ticket_pks=[ticket.pk for ticket in data["tickets"]],
        actor=request.user,
        status=data["status"] or None,
        priority=data["priority"] or None,
        assignee=assignee,
        queue=data["queue"] or None,
    )
    messages.success(
        request,
        ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", count)
        % {"count": count},
    )
    return redirect(back)
