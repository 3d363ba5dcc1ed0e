"""The staff side in a real browser: the unread badge, the notification list, and the ticket
page with its escalation events and the remote-support panel (loaded by htmx).

Screenshots go to ``test-artifacts/console-*.png`` for a person to look at.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from helpdesk.remote.services import consent_request
from helpdesk.tickets.escalations import escalation_sweep
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open
from tests.browser.test_inquiry_flow import browser_page, shot  # noqa: F401 - shared fixture
from tests.escalation.conftest import (  # noqa: F401 - desk_open_all_day is a fixture
    consent_texts_seed,
    desk_open_all_day,
    make_user,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_an_agent_sees_the_badge_the_notifications_and_the_remote_panel(
    browser_page,  # noqa: F811
    live_server,
    desk_open_all_day,  # noqa: F811 - so the test does not depend on the hour it runs at
):
    consent_texts_seed()
    agent = make_user("agent1", "agent", first_name="花子", last_name="佐藤")
    ticket = ticket_open(
        channel="mail",
        requester_email="taro@example.jp",
        requester_name="山田 太郎",
        subject="設定画面が表示されません",
        body_text="管理画面の設定タブを開くとエラーになります。",
        priority="urgent",
        received_at=timezone.now() - datetime.timedelta(minutes=50),  # past the warning
        acknowledge=False,
    )
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    assert escalation_sweep().fired == 1
    consent_request(
        ticket=ticket,
        requested_by=agent,
        scope="view",
        reason="エラー画面を一緒に確認するため",
        tool="Microsoft Teams",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )

    client = Client()
    client.force_login(agent)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/console/tickets/{ticket.pk}/")
    page.locator("#remote-support").wait_for()
    assert page.locator(".topbar__nav .badge").inner_text() == "1"
    assert "一次回答: 期限間近（目標の75%）" in page.locator("main").inner_text()
    assert "Microsoft Teams" in page.locator("#remote-support").inner_text()
    shot(page, "console-1-ticket-with-escalation-and-remote-panel.png")

    page.get_by_role("link", name="通知").first.click()
    assert f"{ticket.reference} 一次回答: 期限間近" in page.locator("table").inner_text()
    shot(page, "console-2-notifications.png")
    page.get_by_role("button", name="すべて既読にする").click()
    assert page.locator(".topbar__nav .badge").count() == 0
