"""The customer portal's pages. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from helpdesk.core.errors import rate_limited
from helpdesk.core.http import client_ip
from helpdesk.tickets.downloads import attachment_download_response
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.selectors import (
    ticket_get_by_access_token,
    ticket_public_attachment_get,
    ticket_public_messages,
    ticket_reply_expectation,
)

from .forms import InquiryForm, ReplyForm
from .selectors import inquiry_confirmation, portal_notices
from .services import RateLimited, inquiry_submit, ticket_reply_submit

SESSION_TICKET_KEY = "portal_inquiry_ticket_id"

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def _origin_only_referrer(response: ResponseT) -> ResponseT:
    """The page's URL holds the key to the ticket: it must never travel in a Referer header.

    ``strict-origin`` sends at most ``https://host/``, to no one more. Not ``no-referrer``: under
    that policy browsers send ``Origin: null`` with the page's own form posts, and Django's CSRF
    check rightly refuses them, so the reply form and the language switch would stop working.
    """
    response.headers["Referrer-Policy"] = "strict-origin"
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"notices": portal_notices()})


@require_http_methods(["GET", "HEAD", "POST"])
def inquiry_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/inquiry_form.html", {"form": InquiryForm()})

    form = InquiryForm(request.POST, request.FILES)
    if form.is_honeypot_filled:
        # Looks like success to the bot; nothing is stored and nobody is mailed.
        request.session.pop(SESSION_TICKET_KEY, None)
        return redirect("portal:inquiry_thanks")
    if not form.is_valid():
        return render(request, "portal/inquiry_form.html", {"form": form})
    data = form.cleaned_data
    try:
        ticket = inquiry_submit(
            client_ip=client_ip(request),
            organization=data["organization"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            category=data["category"],
            subject=data["subject"],
            body=data["body"],
            attachments=data["attachments"],
            language=get_language() or settings.LANGUAGE_CODE,
        )
    except RateLimited:
        return rate_limited(
            request,
            retry_after_seconds=settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS,
            kept_text=f"{data['subject']}\n\n{data['body']}",
        )
    request.session[SESSION_TICKET_KEY] = ticket.pk
    return redirect("portal:inquiry_thanks")


@never_cache
@require_safe
def inquiry_thanks(request: HttpRequest) -> HttpResponse:
    # Only the ticket this browser session opened: the id never comes from the URL.
    ticket_id = request.session.get(SESSION_TICKET_KEY)
    confirmation = inquiry_confirmation(ticket_id=ticket_id) if ticket_id else None
    return render(request, "portal/inquiry_thanks.html", {"confirmation": confirmation})


def _ticket_or_404(token: str) -> Ticket:
    ticket = ticket_get_by_access_token(raw_token=token)
    if ticket is None:
        raise Http404
    return ticket


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket_or_404(token)
    can_reply = ticket.status != Ticket.Status.CLOSED
    form = ReplyForm()
    if request.method == "POST" and can_reply:
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket_reply_submit(
                    ticket=ticket,
                    client_ip=client_ip(request),
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                )
            except RateLimited:
                response = rate_limited(
                    request,
                    retry_after_seconds=settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS,
                    kept_text=form.cleaned_data["body"],
                )
                return _origin_only_referrer(response)
            else:
                messages.success(request, _("Thank you. Your reply has been sent to the desk."))
                return _origin_only_referrer(redirect(request.path))
    context = {
        "ticket": ticket,
        "token": token,
        "expectation": ticket_reply_expectation(ticket=ticket),
        "conversation": ticket_public_messages(ticket=ticket),
        "form": form,
        "can_reply": can_reply,
    }
    response = render(request, "portal/ticket_status.html", context)
    return _origin_only_referrer(response)


@never_cache
@require_safe
def ticket_attachment_download(
    request: HttpRequest, token: str, attachment_id: int
) -> FileResponse:
    ticket = _ticket_or_404(token)
    attachment = ticket_public_attachment_get(ticket=ticket, attachment_id=attachment_id)
    if attachment is None:
        raise Http404
    response = attachment_download_response(attachment)
    _origin_only_referrer(response)
    return response
