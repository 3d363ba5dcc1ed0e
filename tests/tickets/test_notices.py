"""Announcement notices (SLA 2(a), 2(b), 4): every active contact is told 7 days ahead and
the day before, once each, in their language, never at an undeliverable address; and the
operator can show who was told when."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from helpdesk.celery import app as celery_app
from helpdesk.tickets.models import Contact, Organization
from helpdesk.tickets.notices import notice_send, notices_plan
from helpdesk.tickets.services import ticket_open
from helpdesk.tickets.tasks import notices_dispatch_task
from sla.models import ClosureDay, EnvironmentRequirements, MaintenanceWindow, NoticeDelivery
from tests.conftest import wait_for

JST = ZoneInfo("Asia/Tokyo")
START = datetime.datetime(2027, 2, 20, 2, 0, tzinfo=JST)  # a Saturday, 02:00


@pytest.fixture
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def contacts(db):
    organization = Organization.objects.create(name="株式会社テスト", monthly_fee=100_000)
    Contact.objects.create(email="member@customer.example.jp", organization=organization)
    Contact.objects.create(
        email="bounces@customer.example.jp", organization=organization, email_undeliverable=True
    )
    Contact.objects.create(email="stranger@example.jp")  # never wrote, no organization
    with time_machine.travel(datetime.datetime(2027, 1, 5, 11, tzinfo=JST)):
        ticket_open(
            channel="web",
            requester_email="english@example.com",
            subject="Question",
            body_text="Hello",
            acknowledge=False,
            acknowledgement_language="en",
        )


def maintenance(announced_at=datetime.datetime(2027, 2, 1, 10, tzinfo=JST)):
    return MaintenanceWindow.objects.create(
        title="データベース更新",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=2),
        announced_at=announced_at,
    )


def run_daily_at_ten(first_day: datetime.date, last_day: datetime.date) -> dict:
    """The beat task every day at 10:00 Tokyo time; returns {date: [recipients]}."""
    sent = {}
    day = first_day
    while day <= last_day:
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(10), JST)):
            before = len(django_mail.outbox)
            notices_dispatch_task.apply()
            notices_dispatch_task.apply()  # a second run the same hour adds nothing
        sent[day] = [message.to[0] for message in django_mail.outbox[before:]]
        day += datetime.timedelta(days=1)
    return sent


def test_notices_go_out_seven_days_ahead_and_the_day_before_once_each(contacts, eager_tasks):
    maintenance()
    sent = run_daily_at_ten(datetime.date(2027, 2, 1), datetime.date(2027, 2, 21))
    mailed_days = {day: people for day, people in sent.items() if people}
    recipients = ["english@example.com", "member@customer.example.jp"]
    assert mailed_days == {
        datetime.date(2027, 2, 13): recipients,  # 7 days before the 20th
        datetime.date(2027, 2, 19): recipients,  # the day before
    }
    record = NoticeDelivery.objects.filter(email="member@customer.example.jp")
    assert sorted(record.values_list("stage", "status")) == [
        ("ahead", "sent"),
        ("day_before", "sent"),
    ]
    assert all(row.sent_at < START for row in record)  # provably in advance


def test_the_mail_is_administrative_and_in_the_contacts_language(contacts, eager_tasks):
    maintenance()
    with time_machine.travel(datetime.datetime(2027, 2, 13, 10, tzinfo=JST)):
        notices_dispatch_task.apply()
    by_address = {message.to[0]: message for message in django_mail.outbox}
    japanese = by_address["member@customer.example.jp"]
    english = by_address["english@example.com"]
    assert "データベース更新" in japanese.subject
    assert "2027年2月20日(土) 02:00" in japanese.body
    assert "unsubscribe" not in japanese.body.lower()
    assert "Sat 20 Feb 2027 02:00 (JST)" in english.body
    assert "administrative notice" in english.body
    assert english.extra_headers["Auto-Submitted"] == "auto-generated"


def test_an_unannounced_maintenance_sends_nothing_and_a_late_one_is_told_at_once(
    contacts, eager_tasks
):
    window = maintenance(announced_at=None)
    assert run_daily_at_ten(datetime.date(2027, 2, 12), datetime.date(2027, 2, 14)) == {
        datetime.date(2027, 2, 12): [],
        datetime.date(2027, 2, 13): [],
        datetime.date(2027, 2, 14): [],
    }
    window.announced_at = datetime.datetime(2027, 2, 16, 9, tzinfo=JST)
    window.save()
    sent = run_daily_at_ten(datetime.date(2027, 2, 16), datetime.date(2027, 2, 19))
    assert [day.day for day, people in sent.items() if people] == [16, 19]


def test_consecutive_closure_days_make_one_notice_and_a_change_of_requirements_another(
    contacts, eager_tasks
):
    announced = datetime.datetime(2027, 4, 1, 10, tzinfo=JST)
    for day in (28, 29, 30):
        ClosureDay.objects.create(
            date=datetime.date(2027, 4, day), reason="社内研修", announced_at=announced
        )
    EnvironmentRequirements.objects.create(
        title="Windows 10 のサポート終了",
        content="Windows 11\nmacOS 14 以降",
        change_summary="Windows 10 は対象外になります。",
        effective_on=datetime.date(2027, 4, 28),
        announced_at=announced,
    )
    with time_machine.travel(datetime.datetime(2027, 4, 21, 10, tzinfo=JST)):
        notices_dispatch_task.apply()
    mails = [m for m in django_mail.outbox if m.to == ["member@customer.example.jp"]]
    assert len(mails) == 1  # both announcements in one mail
    assert "2027年4月28日(水)から2027年4月30日(金)" in mails[0].body
    assert "Windows 10 は対象外になります。" in mails[0].body
    assert NoticeDelivery.objects.filter(email="member@customer.example.jp").count() == 2


def test_an_address_that_starts_bouncing_after_planning_is_not_mailed(contacts):
    maintenance()
    with time_machine.travel(datetime.datetime(2027, 2, 13, 10, tzinfo=JST)):
        emails = notices_plan()
        assert "bounces@customer.example.jp" not in emails
        Contact.objects.filter(email="member@customer.example.jp").update(email_undeliverable=True)
        assert notice_send(email="member@customer.example.jp") == 0
    assert NoticeDelivery.objects.get(email="member@customer.example.jp").status == "skipped"
    assert django_mail.outbox == []


@pytest.mark.services
def test_a_real_worker_sends_each_notice_once(contacts, celery_worker_process):
    now = timezone.now()
    MaintenanceWindow.objects.create(
        title="ネットワーク機器交換",
        starts_at=now + datetime.timedelta(days=5),
        ends_at=now + datetime.timedelta(days=5, hours=1),
        announced_at=now - datetime.timedelta(minutes=1),
    )
    notices_dispatch_task.apply()  # plans here, enqueues one send per address on Redis
    notices_dispatch_task.apply()
    sent = wait_for(
        lambda: (
            list(
                NoticeDelivery.objects.filter(status="sent", subject="maintenance").order_by(
                    "email"
                )
            )
            if not NoticeDelivery.objects.filter(status="queued").exists()
            else None
        )
    )
    assert [row.email for row in sent] == ["english@example.com", "member@customer.example.jp"]
    assert all(row.message_id.endswith("@helpdesk.example.jp>") for row in sent)
    assert len({row.message_id for row in sent}) == 2


def test_the_bank_year_end_closing_is_noticed_together_with_adjacent_operator_closures(
    contacts, eager_tasks
):
    # The operator also closes on 29 and 30 December 2027: one period, 29 Dec to 3 Jan.
    for day in (29, 30):
        ClosureDay.objects.create(
            date=datetime.date(2027, 12, day),
            reason="社内休業",
            announced_at=datetime.datetime(2027, 11, 1, tzinfo=JST),
        )
    sent = run_daily_at_ten(datetime.date(2027, 12, 20), datetime.date(2028, 1, 4))
    assert [day for day, people in sent.items() if people] == [
        datetime.date(2027, 12, 22),  # 7 days before the 29th
        datetime.date(2027, 12, 28),  # the day before
    ]
    mails = {message.to[0]: message for message in django_mail.outbox[-2:]}
    japanese = mails["member@customer.example.jp"]
    assert "社内休業、年末年始休業" in japanese.subject
    assert "2027年12月29日(水)から2028年1月3日(月)まで" in japanese.body
    assert "Year-end closing" in mails["english@example.com"].subject


def test_the_bank_year_end_closing_alone_is_noticed_too(contacts, eager_tasks):
    sent = run_daily_at_ten(datetime.date(2027, 12, 22), datetime.date(2028, 1, 1))
    assert [day for day, people in sent.items() if people] == [
        datetime.date(2027, 12, 24),
        datetime.date(2027, 12, 30),
    ]
    assert NoticeDelivery.objects.filter(subject="year_end", subject_pk=2027).count() == 4
