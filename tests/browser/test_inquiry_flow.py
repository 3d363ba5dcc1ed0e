"""A customer's whole journey in a real browser (Debian's Chromium, driven by Playwright):
the inquiry form with a mistake and its correction, the confirmation, the acknowledgement mail,
the status page behind the mail's link, and a reply.

Screenshots go to ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.db import connections
from django.utils import translation

from helpdesk.portal.templatetags.portal_format import jp_datetime
from helpdesk.tickets.models import Message, Ticket
from tests.conftest import ROOT, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database reads
    # in between browser steps are ordinary synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1024, "height": 900}
        )
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
            # While Playwright's loop runs, Django's connections are per context rather than per
            # thread: close the one the test body opened, or it outlives the test database.
            connections.close_all()


@pytest.fixture
def acknowledgements_run_in_process(settings, tmp_path, live_server, monkeypatch):
    """The acknowledgement task runs in the live server's thread as soon as the inquiry is
    committed (``apply`` instead of a broker), so its mail lands in ``mail.outbox``; the mail
    links to the live server."""
    from helpdesk.tickets.tasks import ticket_acknowledge_task

    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(
        ticket_acknowledge_task,
        "delay",
        lambda *args: ticket_acknowledge_task.apply(args=args, throw=True),
    )


def shot(page, name: str) -> Path:
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_customer_asks_gets_the_mail_opens_the_link_and_replies(
    browser_page, live_server, acknowledgements_run_in_process, tmp_path
):
    page = browser_page
    screenshot_file = tmp_path / "画面.png"
    screenshot_file.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cfc00000030101009a5a3d1c0000000049454e44ae426082"
        )
    )

    # 0. The notices: today's desk status, then on to the form.
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("desk-status").inner_text().startswith(("受付中", "受付時間外"))
    shot(page, "00-home.png")
    page.get_by_role("link", name="お問い合わせはこちら").click()

    # 1. The empty form, in Japanese.
    page.wait_for_url(re.compile(r"/inquiry/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "お問い合わせ"
    shot(page, "01-inquiry-form.png")

    # 2. A mistake in the address: the error is shown next to the field, input is kept.
    page.get_by_label("会社名").fill("株式会社テスト")
    page.get_by_label("お名前").fill("山田 太郎")
    page.get_by_label("メールアドレス").fill("taro.yamada@")
    page.get_by_label("電話番号").fill("03-1234-5678")
    page.get_by_label("お問い合わせの種類").select_option("account")
    page.get_by_label("件名").fill("ログインできません")
    page.get_by_label("お問い合わせ内容").fill(
        "昨日の夕方から、正しいパスワードを入力してもログインできません。\n"
        "「パスワードが違います」と表示されます。"
    )
    page.get_by_label("個人情報の取り扱いに同意する").check()
    page.get_by_role("button", name="送信する").click()

    email_errors = page.locator("#id_email_error")
    assert email_errors.inner_text() == "メールアドレスの形式が正しくありません。"
    assert page.get_by_label("会社名").input_value() == "株式会社テスト"
    assert "入力内容に誤りがあります" in page.get_by_role("alert").inner_text()
    shot(page, "02-inquiry-error.png")
    assert Ticket.objects.count() == 0

    # 3. Corrected, with a file attached.
    page.get_by_label("メールアドレス").fill("taro.yamada@example.jp")
    page.get_by_label("添付ファイル").set_input_files(str(screenshot_file))
    page.get_by_label("個人情報の取り扱いに同意する").check()
    page.get_by_role("button", name="送信する").click()

    page.wait_for_url(re.compile(r"/inquiry/thanks/$"))
    reference = page.get_by_test_id("reference").inner_text()
    deadline = page.get_by_test_id("reply-due").inner_text()
    shot(page, "03-confirmation.png")
    ticket = Ticket.objects.get()
    assert reference == ticket.reference
    assert re.fullmatch(r"NP-\d{6}", reference)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日\([月火水木金]\) \d{2}:\d{2}", deadline)
    with translation.override("ja"):
        assert deadline == jp_datetime(ticket.first_response_due)
    inquiry = Message.objects.get(ticket=ticket, kind="inbound")
    assert inquiry.attachments.get().filename == "画面.png"

    # 4. The acknowledgement mail carries the reference, the deadline and the private link.
    sent = wait_for(lambda: mail.outbox[:1], timeout=10)[0]
    assert sent.subject == f"[{reference}] お問い合わせを受け付けました: ログインできません"
    assert f"回答予定日時: {deadline}" in sent.body
    link = re.search(rf"{re.escape(live_server.url)}/t/[A-Za-z0-9_-]+/", sent.body).group(0)

    # 5. The status page behind the link shows the ticket and the attachment.
    page.goto(link)
    assert page.get_by_test_id("reference").inner_text() == reference
    assert page.get_by_test_id("reply-due").inner_text() == deadline
    assert page.get_by_role("link", name="画面.png").is_visible()
    shot(page, "04-status-page.png")

    # 6. A reply from the page appears in the conversation. (Regression: with the page under
    # Referrer-Policy no-referrer, Chromium posted "Origin: null" and CSRF refused the reply.)
    page.get_by_label("返信内容").fill("補足です。スマートフォンからは問題なくログインできます。")
    page.get_by_role("button", name="返信を送信する").click()
    page.wait_for_url(link)
    assert page.get_by_role("status").inner_text() == "返信を送信しました。ありがとうございます。"
    conversation = page.locator(".conversation").inner_text()
    assert "補足です。スマートフォンからは問題なくログインできます。" in conversation
    assert conversation.count("お客様") == 2
    shot(page, "05-status-after-reply.png")
    assert Message.objects.filter(ticket=ticket, kind="inbound").count() == 2

    # 7. The form on a phone-sized screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/inquiry/")
    shot(page, "06-inquiry-form-mobile.png")
