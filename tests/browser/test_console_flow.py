"""A supervisor's morning in the staff console, in a real browser (Debian's Chromium through
Playwright): sign in, the dashboard, filter and search the list, open a ticket, answer with a
canned response, see the answer in the conversation and in the mail sent; the calendar.

Screenshots go to ``test-artifacts/console-*.png`` for a person to look at.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.utils import timezone

from helpdesk.tickets.changes import ticket_change
from helpdesk.tickets.models import CannedResponse, Message, Ticket
from helpdesk.tickets.services import ticket_open, ticket_staff_reply
from sla.models import ClosureDay
from tests.browser.test_inquiry_flow import browser_page, shot  # noqa: F401 - fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-9"


@pytest.fixture
def answers_sent_in_process(settings, tmp_path, monkeypatch):
    """The send task runs in the live server's thread once the answer is committed, so its
    mail lands in ``mail.outbox``."""
    from helpdesk.tickets.tasks import message_send_task

    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(
        message_send_task, "delay", lambda *args: message_send_task.apply(args=args, throw=True)
    )


def _desk() -> dict[str, Ticket]:
    """A small desk: a breached ticket, one nearly due, ordinary ones, one waiting."""
    supervisor = User.objects.create_user(
        "sato", "sato@helpdesk.example.jp", PASSWORD, first_name="花子", last_name="佐藤"
    )
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    colleague = User.objects.create_user("suzuki", "suzuki@helpdesk.example.jp", PASSWORD)
    colleague.groups.add(Group.objects.get_or_create(name="agent")[0])
    now = timezone.now()
    tickets = {}
    specs = [
        (
            "outage",
            "urgent",
            "本番環境でログイン障害が発生しています",
            "朝からログインできません。障害でしょうか。",
            9,
        ),
        (
            "invoice",
            "high",
            "請求書の宛名変更のお願い",
            "11月分の請求書の宛名を変更したいです。",
            0,
        ),
        ("csv", "normal", "CSV出力の文字化けについて", "Excelで開くと文字化けします。", 2),
        ("api", "low", "APIの利用上限を教えてください", "1分あたりの上限を知りたいです。", 1),
        ("contract", "normal", "契約更新の手続き", "更新の書類はいつ届きますか。", 0),
    ]
    for key, priority, subject, body, days_ago in specs:
        tickets[key] = ticket_open(
            channel="mail",
            requester_email=f"{key}@example.co.jp",
            requester_name={"outage": "田中 一郎", "invoice": "山田 太郎"}.get(key, "高橋 美咲"),
            organization_name="株式会社サンプル",
            subject=subject,
            body_text=body,
            priority=priority,
            received_at=now - datetime.timedelta(days=days_ago, minutes=5),
            acknowledge=False,
        )
    ticket_change(ticket=tickets["outage"], actor=colleague, assignee=colleague, queue="技術")
    ticket_staff_reply(
        ticket=tickets["csv"], author=colleague, body_text="調査中です。", internal=True
    )
    ticket_change(ticket=tickets["contract"], actor=supervisor, status="pending_customer")
    CannedResponse.objects.create(
        title="受付のご連絡",
        body=(
            "{customer_name} 様\n\nお問い合わせありがとうございます。受付番号 {reference} で"
            "承りました。\n{reply_deadline}までにご回答いたします。"
        ),
    )
    ClosureDay.objects.create(date=datetime.date(2026, 12, 25), reason="社内システム移行")
    return tickets


def test_sign_in_filter_search_open_and_answer_with_a_canned_response(
    browser_page,  # noqa: F811 - the fixture imported above
    live_server,
    answers_sent_in_process,
):
    tickets = _desk()
    page = browser_page

    # Sign in: the console sends a stranger to the sign-in page first.
    page.goto(f"{live_server.url}/console/tickets/")
    page.wait_for_url(re.compile(r"/console/login/"))
    shot(page, "console-00-login.png")
    page.get_by_label("ユーザー名").fill("sato")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url(re.compile(r"/console/tickets/$"))

    # The list: every open ticket, the breached one coloured, the deadline in Tokyo time.
    rows = page.locator("#ticket-rows tr")
    assert rows.count() == 5
    outage_row = page.locator("tr", has_text=tickets["outage"].reference)
    assert "row--breached" in outage_row.get_attribute("class")
    assert "超過" in outage_row.locator("td.deadline").inner_text()
    shot(page, "console-02-list.png")

    # A new inquiry appears without a reload (htmx polls every 30 s; "refresh" asks now).
    newcomer = ticket_open(
        channel="web",
        requester_email="new@example.co.jp",
        subject="新しいお問い合わせ",
        body_text="本文",
        acknowledge=False,
    )
    page.evaluate("htmx.trigger('#ticket-rows', 'refresh')")
    page.locator("#ticket-rows", has_text=newcomer.reference).wait_for()
    assert page.locator("#ticket-rows tr").count() == 6

    # Filtering by priority.
    page.get_by_label("優先度").first.select_option("high")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url(re.compile(r"priority=high"))
    assert page.locator("#ticket-rows tr").count() == 1
    assert tickets["invoice"].reference in page.locator("#ticket-rows").inner_text()

    # Searching the body in Japanese with two characters.
    page.goto(f"{live_server.url}/console/tickets/")
    page.get_by_role("searchbox").fill("障害")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"q=%E9%9A%9C%E5%AE%B3"))
    assert page.locator("#ticket-rows tr").count() == 1
    page.get_by_role("link", name=tickets["outage"].subject).click()

    # The ticket page: the conversation, the SLA panel, then a canned answer.
    page.wait_for_url(re.compile(rf"/console/tickets/{tickets['outage'].pk}/$"))
    assert "朝からログインできません" in page.locator(".timeline").inner_text()
    assert "担当者の変更" in page.locator(".timeline").inner_text()
    page.get_by_label("定型文").select_option(label="受付のご連絡")
    body = page.locator("#reply-body")
    page.wait_for_function("document.querySelector('#reply-body').value.includes('田中 一郎 様')")
    assert tickets["outage"].reference in body.input_value()
    body.press("Control+End")
    body.type("\n担当の佐藤です。")
    page.get_by_role("button", name="お客様に送信").click()
    page.wait_for_selector(".flash")
    assert page.locator(".flash").inner_text() == "回答を送信しました。"
    answer = page.locator(".msg--outbound").last
    assert "担当の佐藤です。" in answer.inner_text()
    shot(page, "console-03-ticket.png")

    sent = Message.objects.get(ticket=tickets["outage"], kind=Message.Kind.OUTBOUND)
    assert sent.delivery_status == Message.DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["outage@example.co.jp"]
    assert "担当の佐藤です。" in mail.outbox[0].body
    assert tickets["outage"].reference in mail.outbox[0].subject

    # Collision: a colleague answers while this page is open. Sending warns, keeps the text,
    # and sends on the second press, after reading.
    colleague = User.objects.get(username="suzuki")
    ticket_staff_reply(ticket=tickets["outage"], author=colleague, body_text="復旧しました。")
    page.locator("#reply-body").fill("状況を確認しています。")
    page.get_by_role("button", name="お客様に送信").click()
    warning = page.locator("#collision")
    assert "他の担当者がこのチケットを更新しました" in warning.inner_text()
    assert "復旧しました。" in warning.inner_text()
    assert page.locator("#reply-body").input_value() == "状況を確認しています。"
    shot(page, "console-05-collision.png")
    page.get_by_role("button", name="お客様に送信").click()
    page.wait_for_selector(".flash")
    assert "状況を確認しています。" in page.locator(".msg--outbound").last.inner_text()
    assert len(mail.outbox) == 3  # ours, the colleague's, ours again

    # The dashboard and the calendar, for the screenshots and a last look.
    page.get_by_role("link", name="ダッシュボード").click()
    page.wait_for_url(re.compile(r"/console/$"))
    assert page.locator(".stat--breached .stat__n").inner_text() != "0"
    shot(page, "console-01-dashboard.png")
    page.goto(f"{live_server.url}/console/calendar/2026/12/")
    assert "社内システム移行" in page.locator("table.calendar").inner_text()
    assert "年末年始休業" in page.locator("table.calendar").inner_text()
    shot(page, "console-04-calendar.png")
