"""Monitors check pages with HEAD: every page that answers GET answers HEAD the same way.

Regression: ``HEAD /`` answered 405 because the views allowed GET only.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from helpdesk.tickets.access import ticket_access_token_issue
from helpdesk.tickets.models import Attachment
from helpdesk.tickets.services import AttachmentInput, ticket_open

pytestmark = pytest.mark.django_db


def pages_without_parameters(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the site that needs no parameter (admin excluded: it answers any method)."""
    paths = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith(("^", "admin/")):
            continue
        if isinstance(entry, URLResolver):
            paths += pages_without_parameters(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return paths


def test_the_site_has_pages_to_check():
    assert {"/", "/inquiry/", "/healthz", "/readyz"} <= set(pages_without_parameters())


@pytest.mark.parametrize("path", pages_without_parameters())
def test_head_answers_like_get(client, path):
    get = client.get(path)
    head = client.head(path)

    assert head.status_code == get.status_code, path
    assert head["Content-Type"] == get["Content-Type"], path


def test_regression_head_on_the_top_page_answered_405(client):
    assert client.head("/").status_code == 200


def test_head_on_a_status_page_and_its_attachment(client):
    ticket = ticket_open(
        channel="web",
        requester_email="hanako@example.jp",
        requester_name="佐藤 花子",
        subject="請求書の宛名",
        body_text="宛名を変更してください。",
        attachments=[AttachmentInput("請求書.pdf", "application/pdf", b"%PDF-1.4")],
        acknowledge=False,
    )
    token = ticket_access_token_issue(ticket=ticket)
    attachment = Attachment.objects.get(message__ticket=ticket)

    assert client.head(f"/t/{token}/").status_code == 200
    assert client.head(f"/t/{token}/attachments/{attachment.pk}/").status_code == 200
