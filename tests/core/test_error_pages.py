"""The site's own error pages: a refused form (CSRF) says why and leads back to the form, in
Japanese first and in English on request; 404, 429 and 500 pages use the same frame, and the
way back depends on where the visitor was (portal, console, admin)."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from helpdesk.core.errors import server_error

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_regression_a_failed_csrf_check_showed_djangos_english_page_with_no_way_back():
    browser = Client(enforce_csrf_checks=True)
    browser.get("/inquiry/")  # the form page sets the CSRF cookie; the post omits the token

    response = browser.post("/inquiry/", {"subject": "テスト"})

    assert response.status_code == 403
    page = text_of(response)
    assert "この操作は受け付けられませんでした" in page
    assert "フォームの内容は送信されていません。" in page
    assert "安全確認が一致しませんでした" in page
    assert '<a href="/inquiry/">フォームに戻る</a>' in response.content.decode()
    assert "CSRF" not in page  # no technical jargon and no debug details


def test_the_csrf_page_without_a_cookie_says_to_allow_cookies_in_english_on_request():
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["django_language"] = "en"

    response = browser.post("/inquiry/", {"subject": "test"})

    assert response.status_code == 403
    page = text_of(response)
    assert "Your form was not sent." in page
    assert "Please allow cookies for this site" in page
    assert '<a href="/inquiry/">Back to the form</a>' in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_a_refused_language_switch_leads_back_to_the_notices_not_to_the_switch():
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/i18n/setlang/", {"language": "en"})

    assert response.status_code == 403
    assert '<a href="/">お知らせに戻る</a>' in response.content.decode()


def test_the_404_page_of_the_portal_is_japanese_and_leads_to_the_notices(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = text_of(response)
    assert "ページが見つかりません" in page
    assert "最新のメール" in page  # the hint about links in our mail
    assert '<a href="/">お知らせに戻る</a>' in response.content.decode()
    assert 'href="/no-such-page/?lang=en"' in response.content.decode()


def test_the_404_page_in_english(client):
    response = client.get("/no-such-page/?lang=en")

    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert '<a href="/">Back to the notices</a>' in response.content.decode()


def test_a_404_under_the_console_leads_back_to_the_console_without_the_mail_hint(client):
    response = client.get("/console/no-such-page/")

    assert response.status_code == 404
    page = text_of(response)
    assert "コンソールに戻る" in page
    assert "最新のメール" not in page


def test_the_500_page_is_the_sites_own_in_both_languages():
    request = RequestFactory().get("/inquiry/")
    for language, expected in (("ja", "エラーが発生しました"), ("en", "Something went wrong")):
        with translation.override(language):
            response = server_error(request)
        assert response.status_code == 500
        assert expected in text_of(response)


def test_an_unhandled_error_in_a_view_gives_the_500_page(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the notices could not be read")

    monkeypatch.setattr("helpdesk.portal.views.portal_notices", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "エラーが発生しました" in text_of(response)
    assert "the notices could not be read" not in text_of(response)
