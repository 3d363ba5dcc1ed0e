"""A refused form in a real browser: the page says, in Japanese, that nothing was sent and why,
and its link leads back to the form. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest

from helpdesk.tickets.models import Ticket
from tests.browser.test_inquiry_flow import browser_page, shot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_form_sent_after_the_csrf_cookie_was_lost_gets_a_japanese_page_with_a_way_back(
    browser_page,  # noqa: F811 - the imported fixture
    live_server,
):
    page = browser_page
    page.goto(f"{live_server.url}/inquiry/")
    page.get_by_label("会社名").fill("株式会社テスト")
    page.get_by_label("お名前").fill("山田 太郎")
    page.get_by_label("メールアドレス").fill("taro.yamada@example.jp")
    page.get_by_label("お問い合わせの種類").select_option("account")
    page.get_by_label("件名").fill("ログインできません")
    page.get_by_label("お問い合わせ内容").fill("昨日からログインできません。")
    page.get_by_label("個人情報の取り扱いに同意する").check()
    page.context.clear_cookies()  # as after a browser restart, or cookies being blocked

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="送信する").click()

    assert posted.value.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "この操作は受け付けられませんでした"
    assert "フォームの内容は送信されていません。" in page.inner_text("main")
    assert "Cookie" in page.inner_text("main")
    shot(page, "error-403-csrf-ja.png")
    assert Ticket.objects.count() == 0

    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Contact us"

    page.goto(f"{live_server.url}/no-such-page/?lang=ja")
    shot(page, "error-404-ja.png")
    page.get_by_role("link", name="お知らせに戻る").click()
    assert page.url == f"{live_server.url}/"
    shot(page, "error-404-back-to-notices.png")


def test_the_link_on_the_refused_page_leads_back_to_the_form(
    browser_page,  # noqa: F811 - the imported fixture
    live_server,
):
    page = browser_page
    page.goto(f"{live_server.url}/inquiry/")
    page.context.clear_cookies()
    page.get_by_role("button", name="送信する").click()
    assert "フォームに戻る" in page.inner_text("main")

    page.get_by_role("link", name="フォームに戻る").click()

    assert page.url == f"{live_server.url}/inquiry/"
    assert page.get_by_label("件名").is_visible()
