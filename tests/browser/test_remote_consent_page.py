"""The customer's consent page in a real browser (Debian's Chromium, driven by Playwright):
the request and the consent text, granting, the used link, revoking, and an expired link.

Screenshots go to ``test-artifacts/remote-consent-*.png`` for a person to look at.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from helpdesk.remote.mail import consent_link_send
from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.services import consent_request
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open
from tests.browser.test_inquiry_flow import browser_page, shot  # noqa: F401 - the shared browser fixture
from tests.escalation.conftest import consent_texts_seed
from tests.remote.conftest import mailed_link_token

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def consent_link(live_server, settings, tmp_path) -> tuple[RemoteSupportRequest, str]:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    consent_texts_seed()
    agent = User.objects.create_user("agent1", "agent1@helpdesk.example.jp", first_name="花子")
    agent.last_name = "佐藤"
    agent.save()
    ticket = ticket_open(
        channel=Ticket.Channel.MAIL,
        requester_email="taro@example.jp",
        requester_name="山田 太郎",
        subject="設定画面が表示されません",
        body_text="管理画面の設定タブを開くとエラーになります。",
        acknowledge=False,
    )
    request = consent_request(
        ticket=ticket,
        requested_by=agent,
        scope="control",
        reason="エラーが出る操作を一緒に確認し、設定を修正するため",
        tool="AnyDesk",
    )
    assert consent_link_send(request_id=request.pk)
    return request, f"{live_server.url}/remote/{mailed_link_token()}/"


def test_the_customer_reads_grants_and_revokes_in_a_browser(browser_page, consent_link):  # noqa: F811
    page = browser_page
    request, url = consent_link
    page.goto(url)
    assert page.locator("h1").inner_text() == "リモートサポートへのご同意"
    assert page.get_by_test_id("consent-scope").inner_text() == "遠隔操作"
    assert (
        "リモートサポートに関する同意事項（第1版）"
        in page.get_by_test_id("consent-text").inner_text()
    )
    shot(page, "remote-consent-1-request.png")

    page.get_by_role("button", name="同意する").click()
    page.wait_for_url(url)
    assert "リモートサポートに同意いただきました" in page.locator(".flash-messages").inner_text()
    assert page.get_by_test_id("consent-status").inner_text() == "同意"
    shot(page, "remote-consent-2-granted.png")
    request.refresh_from_db()
    assert request.status == "granted"
    assert (
        "HeadlessChrome" in request.decision_user_agent or "Chrome" in request.decision_user_agent
    )
    assert request.decision_ip == "127.0.0.1"

    page.get_by_role("button", name="同意を撤回する").click()
    page.wait_for_url(url)
    assert page.get_by_test_id("consent-status").inner_text() == "同意の撤回"
    shot(page, "remote-consent-3-revoked.png")
    request.refresh_from_db()
    assert request.status == "revoked"


def test_an_expired_link_shows_a_clear_japanese_page(browser_page, consent_link):  # noqa: F811
    page = browser_page
    request, url = consent_link
    RemoteSupportRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page.goto(url)
    assert (
        "このご依頼は有効期限が切れています。" in page.get_by_test_id("consent-state").inner_text()
    )
    assert page.get_by_role("button", name="同意する").count() == 0
    shot(page, "remote-consent-4-expired.png")
