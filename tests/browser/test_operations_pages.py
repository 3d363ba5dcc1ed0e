"""The staff availability report and the public status page in a real browser, with
screenshots in ``test-artifacts/`` for a person to look at."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from helpdesk.core.roles import AGENT
from helpdesk.tickets.models import Organization
from sla.models import MaintenanceWindow, Outage
from tests.browser.test_inquiry_flow import browser_page, shot  # noqa: F401 - fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def incidents():
    def at(month: int, day: int, hour: int, year: int = 2026) -> datetime.datetime:
        return datetime.datetime(year, month, day, hour, tzinfo=JST)

    MaintenanceWindow.objects.create(
        title="データベース更新",
        starts_at=at(11, 10, 2),
        ends_at=at(11, 10, 4),
        announced_at=at(11, 1, 10),
    )
    Outage.objects.create(
        title="Web サーバー停止",
        affected_functions="ログイン、画面表示",
        cause=Outage.Cause.OURS,
        started_at=at(11, 20, 14),
        ended_at=at(11, 20, 15),
    )
    Outage.objects.create(
        title="回線事業者の障害",
        cause=Outage.Cause.OUTSIDE,
        resolved_by_itself=True,
        started_at=at(11, 5, 3),
        ended_at=at(11, 5, 3) + datetime.timedelta(minutes=29),
    )
    Outage.objects.create(
        title="メール遅延",
        cause=Outage.Cause.UNKNOWN,
        started_at=at(11, 24, 9),
        ended_at=at(11, 24, 9) + datetime.timedelta(minutes=45),
    )
    now = timezone.now()
    MaintenanceWindow.objects.create(
        title="ネットワーク機器の交換",
        starts_at=now + datetime.timedelta(days=6),
        ends_at=now + datetime.timedelta(days=6, hours=3),
        announced_at=now - datetime.timedelta(days=1),
    )
    Organization.objects.create(name="株式会社エー", monthly_fee=Decimal(100_000))
    Organization.objects.create(name="株式会社ビー", monthly_fee=Decimal(250_000))


def test_staff_report_page_in_a_browser(browser_page, live_server, incidents):  # noqa: F811
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=AGENT)[0])
    client = Client()
    client.force_login(staff)
    browser_page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    browser_page.goto(f"{live_server.url}/console/reports/availability/?month=2026-11")
    # 60 + 45 minutes of 43,080 guaranteed: 1 - 105/43,080 = 99.756 -> 99.75 %.
    assert browser_page.get_by_test_id("availability").inner_text().startswith("99.75 %")
    assert browser_page.locator("svg rect").count() == 30
    # 100,000 x 105 / 43,080 = 243.73 -> 244; 250,000 x ... = 609.33 -> 609; total 853.
    assert browser_page.get_by_test_id("total-credit").inner_text() == "853"
    shot(browser_page, "availability-report-ja.png")


def test_public_status_page_in_a_browser(browser_page, live_server, incidents):  # noqa: F811
    Outage.objects.create(
        title="管理画面にアクセスできない",
        affected_functions="管理画面",
        cause=Outage.Cause.UNKNOWN,
        started_at=timezone.now() - datetime.timedelta(minutes=12),
    )
    browser_page.goto(f"{live_server.url}/status/")
    assert "障害発生中" in browser_page.get_by_test_id("service-state").inner_text()
    assert browser_page.get_by_test_id("upcoming").inner_text().startswith("ネットワーク機器")
    shot(browser_page, "status-page-ja.png")
    browser_page.get_by_role("button", name="English").click()
    browser_page.wait_for_url("**/status/")
    assert "Service disruption" in browser_page.get_by_test_id("service-state").inner_text()
    shot(browser_page, "status-page-en.png")
