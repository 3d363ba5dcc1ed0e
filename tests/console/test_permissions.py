"""Who may open what: every console and staff-API URL, read from the URL resolver, requested as
an anonymous visitor, a customer holding a status-page link, a signed-in user without a desk
role, an agent, a supervisor and an admin. A new view without a permission check fails here.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from helpdesk.console.urls import PUBLIC_NAMES
from helpdesk.tickets.access import ticket_access_token_issue

from .conftest import make_user

pytestmark = pytest.mark.django_db

# Console pages only supervisors (and admins) may open; every other one needs an agent.
SUPERVISOR_ONLY = {
    "quarantine",
    "quarantine_raw",
    "quarantine_reprocess",
    "quarantine_discard",
    "closure_add",
    "closure_remove",
    "canned_list",
    "canned_new",
    "canned_edit",
    "canned_delete",
}
# Machine endpoints with their own credentials (a gateway token), not staff endpoints.
API_MACHINE_NAMES = {"intake-mail"}

SAMPLE_VALUES = {"pk": "1", "year": "2026", "month": "12", "uidb64": "MQ", "token": "x-y"}


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    """``console/tickets/<int:pk>/`` -> ``/console/tickets/1/`` (regex routes: their groups)."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: SAMPLE_VALUES.get(match[1], "1"), route)
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + route


def staff_urls() -> list[tuple[str, str, str]]:
    found = []
    for namespace, name, route in _walk(get_resolver().url_patterns, "", ""):
        if namespace == "console" and name not in PUBLIC_NAMES:
            found.append(("console", name, _concrete(route)))
        elif namespace.startswith("api") and name not in API_MACHINE_NAMES:
            found.append(("api", name, _concrete(route)))
    return found


STAFF_URLS = staff_urls()


def test_the_matrix_covers_the_console():
    names = {name for kind, name, _url in STAFF_URLS if kind == "console"}
    assert {"dashboard", "tickets", "ticket", "ticket_reply", "calendar", "quarantine"} <= names
    # Every supervisor-only name still exists (a renamed view must not drop out of the check).
    assert names >= SUPERVISOR_ONLY


@pytest.fixture
def clients(db, ticket) -> dict[str, Client]:
    anonymous = Client()
    customer = Client()
    # The customer opened their status page: whatever that leaves in their session must not
    # reach the console.
    customer.get(f"/t/{ticket_access_token_issue(ticket=ticket)}/")
    made = {"anonymous": anonymous, "customer": customer}
    for role in ("plain", "agent", "supervisor", "admin"):
        client = Client()
        client.force_login(make_user(f"{role}-user", None if role == "plain" else role))
        made[role] = client
    return made


def _refused(kind: str, response) -> bool:
    if kind == "api":
        return response.status_code in (401, 403)
    if response.status_code == 302:
        return "/console/login/" in response["Location"]
    return response.status_code == 403


@pytest.mark.parametrize(("kind", "name", "url"), STAFF_URLS, ids=[u[1] for u in STAFF_URLS])
def test_permission_matrix(clients, kind, name, url):
    needs_supervisor = name in SUPERVISOR_ONLY
    expected_allowed = {
        "anonymous": False,
        "customer": False,
        "plain": False,
        "agent": not needs_supervisor,
        "supervisor": True,
        "admin": True,
    }
    for role, allowed in expected_allowed.items():
        for method in ("get", "post"):
            response = getattr(clients[role], method)(url)
            assert _refused(kind, response) is not allowed, (
                f"{method.upper()} {url} as {role}: {response.status_code}"
            )


def test_anonymous_is_sent_to_sign_in_and_back(client):
    response = client.get("/console/tickets/?status=open")
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/tickets/%3Fstatus%3Dopen"
