"""The public status page and the environment requirements page, as a customer reads them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import EnvironmentRequirements, MaintenanceWindow, Outage

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 25, 15, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, url="/status/", **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_with_nothing_wrong_the_service_reads_as_operating_normally(client):
    html = page(client)
    assert "正常稼働中" in html
    assert "今月（2026-11）これまでの稼働率：100.00 %" in html
    assert html.count("<tr><td>20") == 12  # the twelve months before this one
    assert "<td>2025-11</td>" in html and "<td>2026-10</td>" in html


def test_an_ongoing_outage_shows_as_a_disruption_and_in_this_months_figure(client):
    Outage.objects.create(
        title="ログイン障害",
        affected_functions="ログイン",
        cause=Outage.Cause.OURS,
        started_at=NOW - datetime.timedelta(minutes=72),
    )
    html = page(client)
    assert "障害発生中" in html
    assert "ログイン障害" in html
    # 72 of November's 43,200 minutes: 1 - 72/43,200 = 99.8333 -> 99.83 %.
    assert "99.83 %" in html


def test_english_visitors_read_it_in_english(client):
    Outage.objects.create(
        title="Mail delay",
        cause=Outage.Cause.OUTSIDE,
        started_at=datetime.datetime(2026, 10, 3, 9, tzinfo=JST),
        ended_at=datetime.datetime(2026, 10, 3, 10, tzinfo=JST),
    )
    html = page(client, lang="en")
    assert "Operating normally" in html
    assert "This month (2026-11) so far: 100.00 %" in html
    assert "Mail delay" in html and "outside our control" in html
    assert "Sat 3 Oct 2026 09:00 (JST) to Sat 3 Oct 2026 10:00 (JST)" in html
    assert "99.86 %" in html  # October: 1 - 60/44,640


def test_maintenance_shows_when_announced_and_while_it_runs(client):
    MaintenanceWindow.objects.create(
        title="定期メンテナンス",
        starts_at=NOW + datetime.timedelta(days=3),
        ends_at=NOW + datetime.timedelta(days=3, hours=2),
        announced_at=NOW - datetime.timedelta(days=1),
    )
    MaintenanceWindow.objects.create(
        title="未告知の作業",
        starts_at=NOW + datetime.timedelta(days=4),
        ends_at=NOW + datetime.timedelta(days=4, hours=2),
    )
    html = page(client)
    assert "定期メンテナンス" in html and "未告知の作業" not in html
    with time_machine.travel(NOW + datetime.timedelta(days=3, hours=1), tick=False):
        assert "計画メンテナンスを実施中です。" in page(client)


def test_the_environment_page_shows_what_is_in_effect_and_announced_changes(client):
    EnvironmentRequirements.objects.create(
        title="2026年版 動作環境",
        content="Windows 10 / 11\nGoogle Chrome 最新版",
        effective_on=datetime.date(2026, 4, 1),
        announced_at=datetime.datetime(2026, 3, 1, tzinfo=JST),
    )
    EnvironmentRequirements.objects.create(
        title="Windows 10 のサポート終了",
        content="Windows 11\nGoogle Chrome 最新版",
        change_summary="Windows 10 は対象外になります。",
        effective_on=datetime.date(2026, 12, 14),
        announced_at=datetime.datetime(2026, 11, 20, tzinfo=JST),
    )
    EnvironmentRequirements.objects.create(
        title="まだ告知していない変更",
        content="-",
        effective_on=datetime.date(2027, 6, 1),
    )
    html = page(client, "/environment/")
    assert "<li>Windows 10 / 11</li>" in html
    assert "2026年12月14日(月)からの変更" in html
    assert "Windows 10 は対象外になります。" in html
    assert "まだ告知していない変更" not in html
    home = page(client, "/")
    assert "Windows 10 のサポート終了" in home
