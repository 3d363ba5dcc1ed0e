"""The consent pages people use: the customer's page behind the link (in Japanese by default),
the status page's revoke, the console panel and audit, and the staff API."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from helpdesk.remote.mail import consent_link_send
from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.services import consent_upkeep
from helpdesk.tickets.access import ticket_access_token_issue

from .conftest import jst, mailed_link_token, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wednesday_afternoon():
    with time_machine.travel(jst(2026, 11, 25, 14, 0), tick=False):
        yield


@pytest.fixture
def ticket(agent):
    return open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)


def ask_from_console(client, agent, ticket) -> RemoteSupportRequest:
    client.force_login(agent)
    response = client.post(
        f"/console/tickets/{ticket.pk}/remote/request/",
        {"scope": "view", "tool": "Microsoft Teams", "reason": "エラー画面を一緒に確認するため"},
    )
    assert response.status_code == 302
    request = RemoteSupportRequest.objects.get(ticket=ticket)
    consent_link_send(request_id=request.pk)  # what the worker does after commit
    return request


def test_the_customer_grants_on_the_page_and_the_used_link_says_so_in_japanese(
    client, agent, ticket
):
    request = ask_from_console(client, agent, ticket)
    client.logout()
    url = f"/remote/{mailed_link_token()}/"
    page = client.get(url).content.decode()
    assert "リモートサポートへのご同意" in page
    assert "画面の閲覧のみ" in page and "Microsoft Teams" in page
    assert "リモートサポートに関する同意事項（第1版）" in page
    response = client.post(
        url,
        {"action": "grant"},
        HTTP_USER_AGENT="Mozilla/5.0 Firefox/128",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    assert response.headers["Referrer-Policy"] == "strict-origin"
    request.refresh_from_db()
    assert request.status == "granted"
    assert request.decision_ip == "198.51.100.4"
    again = client.get(url).content.decode()
    assert "このリンクは使用済みです。このご依頼には既にご回答いただいています。" in again
    assert "同意を撤回する" in again
    client.post(url, {"action": "decline"})  # a second decision through the used link
    request.refresh_from_db()
    assert request.status == "granted"


def test_an_expired_link_shows_a_clear_japanese_page_and_an_unknown_one_404(client, agent, ticket):
    request = ask_from_console(client, agent, ticket)
    url = f"/remote/{mailed_link_token()}/"
    with time_machine.travel(request.expires_at, tick=False):
        consent_upkeep()
        page = client.get(url)
        assert "このご依頼は有効期限が切れています。" in page.content.decode()
        client.post(url, {"action": "grant"})
    request.refresh_from_db()
    assert request.status == "expired"
    missing = client.get("/remote/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert missing.status_code == 404
    assert "このリンクは無効です。" in missing.content.decode()


def test_the_customer_revokes_from_the_status_page(client, agent, ticket):
    request = ask_from_console(client, agent, ticket)
    client.post(f"/remote/{mailed_link_token()}/", {"action": "grant"})
    status_token = ticket_access_token_issue(ticket=ticket)
    status_page = client.get(f"/t/{status_token}/").content.decode()
    assert "リモートサポート" in status_page and "同意を撤回する" in status_page
    client.post(f"/t/{status_token}/remote/{request.pk}/revoke/")
    request.refresh_from_db()
    assert request.status == "revoked"


def test_staff_start_a_session_only_after_the_grant_and_read_the_audit(client, agent, ticket):
    request = ask_from_console(client, agent, ticket)
    start = f"/console/tickets/{ticket.pk}/remote/{request.pk}/start/"
    refused = client.post(start, follow=True).content.decode()
    assert "リモートサポートを開始できません。お客様の同意が得られていません" in refused
    client.logout()
    client.post(f"/remote/{mailed_link_token()}/", {"action": "grant"})
    client.force_login(agent)
    client.post(start)
    request.refresh_from_db()
    assert request.session_started_at is not None

    panel = client.get(f"/console/tickets/{ticket.pk}/remote/").content.decode()
    assert "セッション終了を記録" in panel
    audit = client.get(f"/console/tickets/{ticket.pk}/remote/audit/").content.decode()
    for kind in ("依頼", "お客様へリンクを送信", "セッション開始を拒否：有効な同意なし", "同意"):
        assert kind in audit
    export = client.get(f"/console/tickets/{ticket.pk}/remote/audit.csv")
    assert export.content.startswith(b"\xef\xbb\xbf")
    assert export.headers["Content-Disposition"].endswith('-remote-support-audit.csv"')


def test_the_api_asks_refuses_a_session_without_grant_and_exports_the_audit(client, agent, ticket):
    client.force_login(agent)
    base = f"/api/v1/tickets/{ticket.pk}/remote-support/"
    created = client.post(
        base,
        {"scope": "file_transfer", "tool": "SFTP", "reason": "ログの受け渡し"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending"
    assert body["consent_text_version"] == "1"
    assert len(body["consent_text_sha256"]) == 64
    refused = client.post(f"{base}{body['id']}/session/start/")
    assert refused.status_code == 409
    assert "同意" in refused.json()["detail"]
    listed = client.get(base).json()
    assert [item["id"] for item in listed] == [body["id"]]
    audit = client.get(f"{base}audit/").json()
    assert [row["event"] for row in audit] == ["依頼", "セッション開始を拒否：有効な同意なし"]
    assert client.get(f"{base}audit.csv").content.startswith(b"\xef\xbb\xbf")
    assert not mail.outbox  # the link goes out from a worker after commit


def test_the_status_page_shows_the_request_with_the_consent_text_and_decides(client, agent, ticket):
    request = ask_from_console(client, agent, ticket)
    mailed_link = f"/remote/{mailed_link_token()}/"
    client.logout()
    status_url = f"/t/{ticket_access_token_issue(ticket=ticket)}/"
    page = client.get(status_url).content.decode()
    assert "リモートサポートに関する同意事項（第1版）" in page
    assert "エラー画面を一緒に確認するため" in page and "同意する" in page
    client.post(f"{status_url}remote/{request.pk}/decide/", {"action": "decline"})
    request.refresh_from_db()
    assert request.status == "declined"
    # The mailed link is used up by a decision made on the status page.
    assert "このリンクは使用済みです" in client.get(mailed_link).content.decode()
    refused = client.post(
        f"{status_url}remote/{request.pk}/decide/", {"action": "grant"}, follow=True
    )
    assert "このご依頼には回答できません。" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "declined"
