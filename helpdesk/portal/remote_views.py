"""The customer's side of remote support: the consent page behind the mailed link (grant,
decline, revoke), and revoking from the ticket status page. Thin: services in
helpdesk.remote write, its selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.core.http import client_ip
from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.selectors import consent_page_for_token
from helpdesk.remote.services import (
    ConsentLinkInvalid,
    ConsentRefused,
    Decider,
    consent_decide,
    consent_decide_on_status_page,
    consent_revoke,
    consent_revoke_by_token,
)

from .views import _origin_only_referrer, _ticket_or_404


def _decider(request: HttpRequest) -> Decider:
    return Decider(
        ip_address=client_ip(request) or None,
        user_agent=request.headers.get("User-Agent", ""),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def remote_consent(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("grant", "decline"):
                consent_decide(raw_token=token, grant=action == "grant", decider=_decider(request))
                if action == "grant":
                    messages.success(request, _("Thank you. You have granted remote support."))
                else:
                    messages.info(request, _("You have declined remote support."))
            elif action == "revoke":
                consent_revoke_by_token(raw_token=token, decider=_decider(request))
                messages.info(request, _("You have revoked your consent."))
        except ConsentLinkInvalid:
            pass  # the page below says why, in words
        except ConsentRefused as error:
            messages.error(request, str(error))
        return _origin_only_referrer(redirect(request.path))
    page = consent_page_for_token(raw_token=token)
    response = render(
        request,
        "portal/remote_consent.html",
        {"page": page, "token": token},
        status=404 if page.state == "invalid" else 200,
    )
    return _origin_only_referrer(response)


@never_cache
@require_POST
def ticket_remote_revoke(request: HttpRequest, token: str, request_id: int) -> HttpResponse:
    """Revoke from the status page (the status-page link is the customer's key)."""
    ticket = _ticket_or_404(token)
    remote_request = get_object_or_404(RemoteSupportRequest, pk=request_id, ticket=ticket)
    try:
        consent_revoke(request=remote_request, decider=_decider(request))
        messages.info(request, _("You have revoked your consent."))
    except ConsentRefused as error:
        messages.error(request, str(error))
    return _origin_only_referrer(redirect("portal:ticket_status", token=token))


@never_cache
@require_POST
def ticket_remote_decide(request: HttpRequest, token: str, request_id: int) -> HttpResponse:
    """Grant or decline from the status page."""
    ticket = _ticket_or_404(token)
    remote_request = get_object_or_404(RemoteSupportRequest, pk=request_id, ticket=ticket)
    grant = request.POST.get("action") == "grant"
    try:
        consent_decide_on_status_page(
            request=remote_request, grant=grant, decider=_decider(request)
        )
    except ConsentRefused as error:
        messages.error(request, str(error))
    else:
        if grant:
            messages.success(request, _("Thank you. You have granted remote support."))
        else:
            messages.info(request, _("You have declined remote support."))
    return _origin_only_referrer(redirect("portal:ticket_status", token=token))
