"""The staff availability report: page, CSV and command, on one worked month.

November 2026 (43,200 minutes): announced maintenance of 120 minutes, so 43,080 guaranteed;
our own 60-minute outage: 1 - 60/43,080 = 99.86 %. Credits: 100,000 x 60 / 43,080 = 139.28
-> 139 yen; 250,000 x 60 / 43,080 = 348.19 -> 348 yen. Total 487 yen.
"""

import csv
import datetime
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from helpdesk.core.roles import AGENT
from helpdesk.tickets.models import Organization
from sla.models import MaintenanceWindow, Outage

JST = ZoneInfo("Asia/Tokyo")
URL = "/console/reports/availability/"


@pytest.fixture
def worked_month(db):
    MaintenanceWindow.objects.create(
        title="DB upgrade",
        starts_at=datetime.datetime(2026, 11, 10, 2, tzinfo=JST),
        ends_at=datetime.datetime(2026, 11, 10, 4, tzinfo=JST),
        announced_at=datetime.datetime(2026, 11, 1, 10, tzinfo=JST),
    )
    Outage.objects.create(
        title="Web servers down",
        cause=Outage.Cause.OURS,
        started_at=datetime.datetime(2026, 11, 20, 14, tzinfo=JST),
        ended_at=datetime.datetime(2026, 11, 20, 15, tzinfo=JST),
    )
    Organization.objects.create(name="株式会社エー", monthly_fee=Decimal(100_000))
    Organization.objects.create(name="株式会社ビー", monthly_fee=Decimal(250_000))
    Organization.objects.create(name="無料の会社", monthly_fee=Decimal(0))


@pytest.fixture
def staff_client(client, db):
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=AGENT)[0])
    client.force_login(staff)
    return client


def test_anonymous_visitors_are_sent_to_log_in(client, worked_month):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")
    assert client.get(URL + "2026-11.csv").status_code == 302


def test_logged_in_customers_without_staff_rights_are_refused(client, worked_month):
    user = get_user_model().objects.create_user("customer", password="pw")
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "2026-11.csv").status_code == 403


def test_staff_see_the_months_figures_and_each_credit(staff_client, worked_month):
    response = staff_client.get(URL, {"month": "2026-11"}, HTTP_ACCEPT_LANGUAGE="ja")
    page = response.content.decode()
    assert response.status_code == 200
    assert "99.86 %" in page
    assert "43080.0" in page
    assert "株式会社エー" in page and ">100,000<" in page and ">139<" in page
    assert "株式会社ビー" in page and ">348<" in page
    assert 'data-testid="total-credit">487<' in page
    assert "無料の会社" not in page
    assert page.count("<rect") == 30  # one bar per day of November


def test_a_malformed_month_is_not_found(staff_client):
    assert staff_client.get(URL, {"month": "2026-13"}).status_code == 404


def test_the_csv_opens_in_a_japanese_spreadsheet(staff_client, worked_month):
    response = staff_client.get(URL + "2026-11.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert rows[1] == [
        "2026-11",
        "株式会社エー",
        "100000",
        "99.86",
        "60.0",
        "43080.0",
        rows[1][6],
        "139",
    ]
    assert rows[2][-1] == "348"


def test_the_command_prints_the_report_as_json(worked_month):
    out = io.StringIO()
    call_command("sla_report", "2026-11", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["availability_percent"] == "99.86"
    assert report["meets_target"] is False
    assert report["guaranteed_minutes"] == "43080.0"
    assert [credit["credit"] for credit in report["credits"]] == [139, 348]
    assert report["total_credit"] == 487
    assert [incident["counted"] for incident in report["incidents"]] == [False, True]


def test_the_command_prints_a_readable_summary(worked_month):
    out = io.StringIO()
    call_command("sla_report", "2026-11", stdout=out)
    text = out.getvalue()
    assert "availability 99.86 %" in text
    assert "BELOW TARGET" in text
    assert "total credit 487 JPY" in text


def test_the_command_refuses_a_bad_month(db):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("sla_report", "November")
