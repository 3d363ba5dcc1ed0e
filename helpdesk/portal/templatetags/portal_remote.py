"""The ticket status page's remote-support section: the ticket's requests, newest first."""

from django import template

from helpdesk.remote.selectors import consent_requests_for_ticket

register = template.Library()


@register.simple_tag
def remote_requests_for(ticket) -> list:
    return list(consent_requests_for_ticket(ticket=ticket)[:5])
