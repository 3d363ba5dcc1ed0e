"""The staff API: who gets in, the console's list behind it, cursor pages, throttling, writes
through the console's services, the OpenAPI schema and its docs page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from helpdesk.api.models import StaffApiToken
from helpdesk.api.services import staff_api_token_create, staff_api_token_revoke
from helpdesk.tickets.access import ticket_access_token_issue
from helpdesk.tickets.models import Message, Ticket, TicketEvent
from helpdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db


def make_user(username: str, role: str | None = None) -> User:
    user = User.objects.create_user(username, f"{username}@helpdesk.example.jp", "pw-123456789")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def open_ticket(subject: str, body: str = "よろしくお願いします。") -> Ticket:
    return ticket_open(
        channel="mail",
        requester_email="taro@example.jp",
        requester_name="山田 太郎",
        subject=subject,
        body_text=body,
        acknowledge=False,
    )


def token_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {staff_api_token_create(user=user, name='test')}")


@pytest.fixture
def agent() -> User:
    return make_user("agent1", "agent")


@pytest.fixture
def api(agent) -> Client:
    return token_client(agent)


def test_strangers_customers_and_plain_users_get_nothing(agent):
    ticket = open_ticket("ログインできません")
    customer_link = ticket_access_token_issue(ticket=ticket)
    plain = make_user("plain")
    session = Client()
    session.force_login(plain)

    anonymous = Client().get("/api/v1/tickets/")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Token")
    customer = Client(HTTP_AUTHORIZATION=f"Token {customer_link}").get("/api/v1/tickets/")
    assert customer.status_code == 401
    assert token_client(plain).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 403
    assert session.get(f"/api/v1/tickets/{ticket.pk}/messages/").status_code == 403


def test_agent_by_token_or_session_and_revoked_tokens_stop_working(agent):
    raw = staff_api_token_create(user=agent, name="script")
    by_token = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    assert by_token.get("/api/v1/tickets/").status_code == 200
    assert StaffApiToken.objects.get().token_hash != raw  # only the hash is kept

    staff_api_token_revoke(token=StaffApiToken.objects.get())
    assert by_token.get("/api/v1/tickets/").status_code == 401
    session = Client()
    session.force_login(agent)
    assert session.get("/api/v1/tickets/").status_code == 200


def test_list_filters_and_searches_japanese_text_like_the_console(api, agent):
    billing = open_ticket("お問い合わせ", "先月分の請求書が届いていません。")
    outage = open_ticket("【至急】障害のご報告")
    Ticket.objects.filter(pk=outage.pk).update(assignee=agent)

    found = api.get("/api/v1/tickets/", {"q": "請求"}).json()["results"]
    assert [row["reference"] for row in found] == [billing.reference]
    mine = api.get("/api/v1/tickets/", {"view": "mine"}).json()["results"]
    assert [row["reference"] for row in mine] == [outage.reference]
    row = mine[0]
    assert row["assignee"]["username"] == "agent1"
    assert row["next_deadline_kind"] == "first_response"
    assert isinstance(row["business_seconds_left"], int)


def test_cursor_links_walk_every_ticket_once(api):
    opened = {open_ticket(f"件名{index}").reference for index in range(5)}
    seen, url, pages = [], "/api/v1/tickets/?page_size=2&sort=received", 0
    while url:
        body = api.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(opened) and len(seen) == 5 and pages == 3
    assert api.get("/api/v1/tickets/", {"cursor": "garbage"}).status_code == 400


def test_list_query_count_does_not_grow_with_the_page(api):
    for index in range(12):
        open_ticket(f"件名{index}")
    api.get("/api/v1/tickets/")  # warm the per-process calendar
    counts = []
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/api/v1/tickets/", {"page_size": size}).json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_requests_past_the_rate_are_refused(api, settings):
    settings.STAFF_API_THROTTLE_RATE = "3/min"
    statuses = [api.get("/api/v1/tickets/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_update_goes_through_the_services_and_is_recorded(api, agent):
    ticket = open_ticket("設定について")
    detail = api.get(f"/api/v1/tickets/{ticket.pk}/").json()

    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"priority": "urgent", "assignee": agent.pk, "seen_message_id": detail["last_message_id"]},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "urgent"
    assert response.json()["assignee"]["id"] == agent.pk
    kinds = [event["kind"] for event in api.get(f"/api/v1/tickets/{ticket.pk}/events/").json()]
    assert sorted(kinds) == ["assignee", "priority"]
    refused = api.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"queue": "x"}, content_type="application/json"
    )
    assert refused.status_code == 200  # no "seen": no guard
    bad = api.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"status": "bogus"}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_answer_stops_the_first_response_timer_and_a_stale_answer_is_refused(api, agent):
    ticket = open_ticket("ログインできません")
    seen = api.get(f"/api/v1/tickets/{ticket.pk}/").json()["last_message_id"]
    colleague = token_client(make_user("agent2", "agent"))

    note = colleague.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"body_text": "経理に確認中", "internal": True},
        content_type="application/json",
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None  # a note is no answer

    stale = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"body_text": "確認します。", "seen_message_id": seen},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert [message["body_text"] for message in stale.json()["messages"]] == ["経理に確認中"]
    assert not Message.objects.filter(ticket=ticket, kind="outbound").exists()

    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"body_text": "確認します。", "status": "pending_customer"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.status == "pending_customer"
    assert answer.json()["delivery_status"] == "queued"
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").exists()
    conversation = api.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()
    assert [message["kind"] for message in conversation] == ["inbound", "note", "outbound"]


def test_missing_ticket_is_404(api):
    assert api.get("/api/v1/tickets/999999/").status_code == 404


def test_schema_and_docs_page_for_staff_without_any_cdn(api):
    schema = api.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/tickets/", "/api/v1/tickets/{id}/messages/"} <= set(paths)
    assert "Token" in str(schema.json()["components"]["securitySchemes"])
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower() and "https://" not in page
    assert Client().get("/api/v1/schema/").status_code == 401
