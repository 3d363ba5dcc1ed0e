"""The ticket status page's remote-support section: the ticket's requests, newest first."""

from django import template

from helpdesk.remote.selectors import consent_requests_for_ticket
from helpdesk.remote.services import consent_statement

register = template.Library()


@register.simple_tag
def remote_requests_for(ticket) -> list:
    """``(request, consent text shown)`` pairs; the text only for requests awaiting an answer."""
    requests = consent_requests_for_ticket(ticket=ticket).select_related("ticket")[:5]
    return [
        (request, consent_statement(request) if request.status == "pending" else "")
        for request in requests
    ]
