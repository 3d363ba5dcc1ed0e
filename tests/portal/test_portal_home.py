"""The portal's home page (notices) and the date format customers read everywhere."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from helpdesk.portal.templatetags.portal_format import jp_date, jp_datetime
from sla.calendars import calendar_changed
from sla.models import ClosureDay, MaintenanceWindow

JST = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


# --- the date format ---------------------------------------------------------------------


def test_jp_datetime_writes_japan_time_with_the_weekday():
    utc_instant = datetime.datetime(2026, 12, 30, 2, 0, tzinfo=datetime.UTC)
    with translation.override("ja"):
        assert jp_datetime(utc_instant) == "2026年12月30日(水) 11:00"
        assert jp_datetime(at(2027, 1, 4, 9, 5)) == "2027年1月4日(月) 09:05"
        assert jp_date(datetime.date(2026, 11, 28)) == "2026年11月28日(土)"
    with translation.override("en"):
        assert jp_datetime(utc_instant) == "Wed 30 Dec 2026 11:00 (JST)"
        assert jp_date(datetime.date(2026, 11, 28)) == "Sat 28 Nov 2026"
    assert jp_datetime(None) == ""


# --- the home page -----------------------------------------------------------------------


def test_during_desk_hours_the_desk_is_shown_open_until_the_end_of_the_window(client):
    with time_machine.travel(at(2026, 11, 25, 14, 0), tick=False):
        page = text_of(client.get("/"))

    assert "本日の受付状況 2026年11月25日(水)" in page
    assert "受付中" in page and "17:00 まで" in page
    assert "受付時間 10:00〜12:00、13:00〜17:00（土日祝・年末年始を除く平日）" in page
    assert 'href="/inquiry/"' in client.get("/").content.decode()


def test_at_lunch_the_desk_is_closed_and_reopens_at_13(client):
    with time_machine.travel(at(2026, 11, 25, 12, 30), tick=False):
        page = text_of(client.get("/"))

    assert "受付時間外" in page
    assert "次の受付開始は 2026年11月25日(水) 13:00 です。" in page


def test_on_a_friday_evening_the_next_opening_is_monday(client):
    with time_machine.travel(at(2026, 11, 27, 18, 0), tick=False):
        page = text_of(client.get("/"))

    assert "次の受付開始は 2026年11月30日(月) 10:00 です。" in page


def test_announced_future_closures_are_listed_with_their_reasons_and_others_are_not(client):
    with time_machine.travel(at(2026, 11, 20, 12, 0), tick=False):
        ClosureDay.objects.create(
            date=datetime.date(2026, 12, 28), reason="社内研修のため", announced_at=at(2026, 11, 1)
        )
        ClosureDay.objects.create(
            date=datetime.date(2026, 12, 29), reason="未告知の休業", announced_at=None
        )
        ClosureDay.objects.create(
            date=datetime.date(2026, 12, 30),
            reason="来週告知する休業",
            announced_at=at(2026, 11, 27),
        )
        ClosureDay.objects.create(
            date=datetime.date(2026, 11, 2), reason="終わった休業", announced_at=at(2026, 10, 1)
        )
        calendar_changed()
        page = text_of(client.get("/"))

    assert "2026年12月28日(月) 社内研修のため" in page
    assert "未告知の休業" not in page
    assert "来週告知する休業" not in page
    assert "終わった休業" not in page


def test_the_year_end_closing_is_announced_only_when_near(client, settings):
    settings.PORTAL_YEAR_END_NOTICE_DAYS = 45
    with time_machine.travel(at(2026, 10, 1, 12, 0), tick=False):
        far = text_of(client.get("/"))
    with time_machine.travel(at(2026, 12, 1, 12, 0), tick=False):
        near = text_of(client.get("/"))
    with time_machine.travel(at(2027, 1, 2, 12, 0), tick=False):
        during = text_of(client.get("/"))
    with time_machine.travel(at(2027, 1, 5, 12, 0), tick=False):
        after = text_of(client.get("/"))

    expected = (
        "2026年12月31日(木)〜2027年1月3日(日) は年末年始休業のため、受付窓口をお休みします。"
        "2027年1月4日(月) 10:00 から対応を再開いたします。"
    )
    assert "年末年始休業のため" not in far
    assert expected in near
    assert expected in during
    assert "年末年始休業のため" not in after


def test_announced_maintenance_is_shown_until_it_ends(client):
    MaintenanceWindow.objects.create(
        title="データベースの更新",
        description="この間はログインできません。",
        starts_at=at(2026, 12, 5, 1, 0),
        ends_at=at(2026, 12, 5, 5, 0),
        announced_at=at(2026, 11, 20, 10, 0),
    )
    MaintenanceWindow.objects.create(
        title="まだ告知していない作業",
        starts_at=at(2026, 12, 6, 1, 0),
        ends_at=at(2026, 12, 6, 2, 0),
        announced_at=at(2026, 12, 1, 0, 0),
    )
    with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
        before = text_of(client.get("/"))
    with time_machine.travel(at(2026, 12, 5, 5, 0), tick=False):
        ended = text_of(client.get("/"))

    assert "計画メンテナンス" in before
    assert "データベースの更新" in before
    assert "2026年12月5日(土) 01:00〜2026年12月5日(土) 05:00" in before
    assert "この間はログインできません。" in before
    assert "まだ告知していない作業" not in before
    assert "データベースの更新" not in ended


def test_the_home_page_in_english(client):
    with time_machine.travel(at(2026, 11, 28, 9, 0), tick=False):
        page = text_of(client.get("/?lang=en"))

    assert "Outside desk hours" in page
    assert "The desk next opens on Mon 30 Nov 2026 10:00 (JST)." in page
    assert "Desk hours: 10:00–12:00, 13:00–17:00" in page


def test_an_unknown_language_or_an_english_browser_still_gets_japanese(client):
    response = client.get("/?lang=fr", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert "本日の受付状況" in text_of(response)
    assert "django_language" not in response.cookies
    assert response["Content-Language"] == "ja"
