"""The web inquiry form at /inquiry/: validation, spam defences, and what a customer is told."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from helpdesk.tickets.models import Attachment, Message, Ticket
from sla.calendars import business_clock

JST = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's visible text, roughly: tags removed, whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def a_file(name: str, size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="application/octet-stream")


def errors_next_to(response, field: str) -> list[str]:
    """The error messages rendered next to one field (the list its input points at)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="field__errors" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


# --- the empty form ------------------------------------------------------------------------


def test_the_form_is_japanese_by_default_with_every_field_and_a_language_switch(client):
    response = client.get("/inquiry/")

    assert response.status_code == 200
    page = text_of(response)
    for label in ("会社名", "お名前", "メールアドレス", "電話番号", "件名", "お問い合わせ内容"):
        assert label in page
    for category in ("操作方法", "ログイン・アカウント", "請求・契約", "不具合", "その他"):
        assert category in page
    assert "個人情報の取り扱いに同意する" in page
    assert "必須" in page
    html = response.content.decode()
    assert 'type="file" name="attachments"' in html and "multiple" in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_lang_en_shows_the_form_in_english_and_remembers_the_choice(client):
    response = client.get("/inquiry/?lang=en")

    page = text_of(response)
    assert "Company name" in page and "Email address" in page and "会社名" not in page
    assert response.cookies["django_language"].value == "en"
    # The cookie keeps English on the next page without the parameter.
    assert "Company name" in text_of(client.get("/inquiry/"))


def test_the_language_switch_posts_to_set_language_and_comes_back_to_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/inquiry/"})

    assert response.status_code == 302 and response["Location"] == "/inquiry/"
    assert "Company name" in text_of(client.get("/inquiry/"))
    client.post("/i18n/setlang/", {"language": "ja", "next": "/inquiry/"})
    assert "会社名" in text_of(client.get("/inquiry/"))


# --- validation ------------------------------------------------------------------------------


def test_missing_required_fields_each_get_a_japanese_message_and_nothing_is_created(client):
    response = client.post("/inquiry/", {})

    assert response.status_code == 200
    assert errors_next_to(response, "organization") == ["会社名を入力してください。"]
    assert errors_next_to(response, "name") == ["お名前を入力してください。"]
    assert errors_next_to(response, "email") == ["メールアドレスを入力してください。"]
    assert errors_next_to(response, "category") == ["お問い合わせの種類を選択してください。"]
    assert errors_next_to(response, "subject") == ["件名を入力してください。"]
    assert errors_next_to(response, "body") == ["お問い合わせ内容を入力してください。"]
    assert errors_next_to(response, "consent") == ["個人情報の取り扱いへの同意が必要です。"]
    assert errors_next_to(response, "phone") == []  # optional
    page = text_of(response)
    assert "入力内容に誤りがあります" in page  # the summary at the top
    assert Ticket.objects.count() == 0


def test_a_bad_email_is_reported_next_to_the_field_and_what_was_typed_is_kept(client, inquiry_data):
    response = client.post("/inquiry/", {**inquiry_data, "email": "taro.example.jp"})

    assert errors_next_to(response, "email") == ["メールアドレスの形式が正しくありません。"]
    html = response.content.decode()
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="株式会社テスト"' in html
    assert 'value="taro.example.jp"' in html
    assert "昨日からパスワードを入力してもログインできません。" in html
    assert "添付ファイルは保持されません" in text_of(response)  # files must be chosen again
    assert Ticket.objects.count() == 0


def test_a_full_width_email_address_is_accepted_as_ascii(
    client, inquiry_data, enqueued_acknowledgements
):
    response = client.post("/inquiry/", {**inquiry_data, "email": "ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ"})

    assert response.status_code == 302
    assert Ticket.objects.get().requester.email == "taro@example.jp"


def test_consent_unchecked_is_refused(client, inquiry_data):
    data = {key: value for key, value in inquiry_data.items() if key != "consent"}

    response = client.post("/inquiry/", data)

    assert errors_next_to(response, "consent") == ["個人情報の取り扱いへの同意が必要です。"]
    assert Ticket.objects.count() == 0


def test_more_files_than_allowed_are_refused(client, inquiry_data, settings):
    settings.INQUIRY_MAX_ATTACHMENTS = 5
    files = [a_file(f"log{index}.txt") for index in range(6)]

    response = client.post("/inquiry/", {**inquiry_data, "attachments": files})

    assert errors_next_to(response, "attachments") == ["添付ファイルは5個までです。"]
    assert Ticket.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_with_sizes_in_megabytes(
    client, inquiry_data, settings
):
    settings.INQUIRY_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = a_file("screenshot.png", size=1024 * 1024 + 500 * 1024)

    response = client.post("/inquiry/", {**inquiry_data, "attachments": [big]})

    assert errors_next_to(response, "attachments") == [
        "ファイル「screenshot.png」のサイズは1.5MBです。1ファイルあたり1MBまで添付できます。"
    ]
    assert Ticket.objects.count() == 0


def test_a_disallowed_extension_is_refused_by_name(client, inquiry_data):
    response = client.post(
        "/inquiry/", {**inquiry_data, "attachments": [a_file("x.exe"), a_file("ok.pdf")]}
    )

    assert errors_next_to(response, "attachments") == ["ファイル「x.exe」は添付できない形式です。"]
    assert Ticket.objects.count() == 0


def test_english_errors_when_the_form_is_in_english(client, inquiry_data):
    client.get("/inquiry/?lang=en")

    response = client.post("/inquiry/", {**inquiry_data, "email": "nope"})

    assert errors_next_to(response, "email") == ["The email address is not in a valid format."]


# --- success -------------------------------------------------------------------------------


def test_a_saturday_morning_inquiry_opens_one_ticket_and_shows_reference_and_monday_deadline(
    client, inquiry_data, enqueued_acknowledgements, django_capture_on_commit_callbacks
):
    saturday_morning = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=JST)
    with time_machine.travel(saturday_morning, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/inquiry/",
                {**inquiry_data, "attachments": [a_file("error.log", size=2048)]},
            )
        assert response.status_code == 302
        assert response["Location"] == "/inquiry/thanks/"
        page = text_of(client.get(response["Location"]))

    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.category == "account"
    assert ticket.subject == "ログインできません"
    assert ticket.requester.email == "taro.yamada@example.jp"
    assert ticket.requester.name == "山田 太郎"
    assert ticket.requester.organization.name == "株式会社テスト"
    message = Message.objects.get(ticket=ticket)
    assert message.kind == "inbound" and message.body_text == inquiry_data["body"]
    assert Attachment.objects.get(message=message).filename == "error.log"
    # 360 business minutes from Saturday: Monday 10:00-12:00 and 13:00-17:00.
    assert ticket.first_response_due == datetime.datetime(2026, 11, 30, 17, 0, tzinfo=JST)
    assert "受付番号 NP-000001" in page
    assert "回答予定日時 2026年11月30日(月) 17:00" in page
    assert "受付時間外にお問い合わせをいただきました" in page
    assert "10:00〜12:00、13:00〜17:00（土日祝・年末年始を除く平日）" in page
    assert "次の受付開始時刻 2026年11月30日(月) 10:00 から対応を開始いたします" in page
    # The acknowledgement goes to a worker, in the language the customer used.
    assert enqueued_acknowledgements == [(ticket.pk, "ja")]


def test_an_inquiry_during_desk_hours_says_nothing_about_hours_and_counts_over_new_year(
    client, inquiry_data, enqueued_acknowledgements
):
    wednesday_afternoon = datetime.datetime(2026, 12, 30, 16, 30, tzinfo=JST)
    with time_machine.travel(wednesday_afternoon, tick=False):
        client.post("/inquiry/", inquiry_data)
        page = text_of(client.get("/inquiry/thanks/"))

    ticket = Ticket.objects.get()
    assert ticket.first_response_due == business_clock().deadline(wednesday_afternoon, 360)
    # 30 minutes on Dec 30, closed Dec 31 - Jan 3, then 330 minutes on Monday Jan 4.
    assert "回答予定日時 2027年1月4日(月) 16:30" in page
    assert "受付時間外" not in page


def test_the_confirmation_in_english_uses_the_english_date_format(
    client, inquiry_data, enqueued_acknowledgements, django_capture_on_commit_callbacks
):
    client.get("/inquiry/?lang=en")
    with time_machine.travel(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=JST), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/inquiry/", inquiry_data)
        page = text_of(client.get("/inquiry/thanks/"))

    assert "Reference number NP-000001" in page
    assert "Reply deadline Mon 30 Nov 2026 17:00 (JST)" in page
    assert "The desk next opens" not in page
    assert "when the desk next opens: Mon 30 Nov 2026 10:00 (JST)" in page
    assert enqueued_acknowledgements[0][1] == "en"


def test_the_confirmation_page_never_shows_another_browsers_ticket(
    client, inquiry_data, enqueued_acknowledgements
):
    client.post("/inquiry/", inquiry_data)
    assert "NP-000001" in text_of(client.get("/inquiry/thanks/"))

    stranger = Client()
    page = text_of(stranger.get("/inquiry/thanks/"))

    assert "NP-000001" not in page
    assert "ログインできません" not in page


def test_the_number_of_queries_does_not_grow_beyond_one_insert_per_attachment(
    client, inquiry_data, enqueued_acknowledgements
):
    client.post("/inquiry/", {**inquiry_data, "email": "warm-up@example.jp"})  # warm caches

    def submit(email: str, organization: str, files: list) -> int:
        data = {**inquiry_data, "email": email, "organization": organization}
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/inquiry/", {**data, "attachments": files})
        assert response.status_code == 302
        return len(queries)

    without_files = submit("a@example.jp", "株式会社A", [])
    with_three = submit("b@example.jp", "株式会社B", [a_file(f"f{i}.txt") for i in range(3)])

    assert without_files <= 25
    assert with_three - without_files <= 3


# --- spam defences -------------------------------------------------------------------------


def test_the_honeypot_pretends_success_but_creates_nothing(
    client, inquiry_data, enqueued_acknowledgements
):
    response = client.post("/inquiry/", {**inquiry_data, "website": "http://spam.example"})

    assert response.status_code == 302
    assert response["Location"] == "/inquiry/thanks/"
    page = text_of(client.get("/inquiry/thanks/"))
    assert "お問い合わせを送信しました" in page
    assert "NP-" not in page
    assert Ticket.objects.count() == 0
    assert enqueued_acknowledgements == []


def test_the_honeypot_field_is_hidden_from_people(client):
    html = client.get("/inquiry/").content.decode()

    assert re.search(r'<div class="honeypot" aria-hidden="true">\s*<label for="id_website">', html)
    assert 'tabindex="-1"' in html


def test_too_many_submissions_from_one_ip_get_the_429_page_showing_what_was_typed(
    client, inquiry_data, settings, enqueued_acknowledgements
):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 2
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 100
    for index in range(2):
        response = client.post(
            "/inquiry/",
            {**inquiry_data, "email": f"user{index}@example.jp"},
            REMOTE_ADDR="127.0.0.10",
        )
        assert response.status_code == 302

    response = client.post(
        "/inquiry/", {**inquiry_data, "email": "user9@example.jp"}, REMOTE_ADDR="127.0.0.10"
    )

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS)
    page = text_of(response)
    assert "送信回数の上限に達しました。しばらくしてから再度お試しください。" in page
    # The message is not lost: it is on the page to copy, with the way back to the form.
    html = response.content.decode()
    assert re.search(r"<textarea[^>]*readonly[^>]*>[^<]*昨日からパスワードを入力しても", html)
    assert '<a href="/inquiry/">フォームに戻る</a>' in html
    assert Ticket.objects.count() == 2
    # Another client is not affected.
    other = client.post(
        "/inquiry/", {**inquiry_data, "email": "user9@example.jp"}, REMOTE_ADDR="127.0.0.11"
    )
    assert other.status_code == 302


def test_too_many_submissions_for_one_address_get_429_whatever_the_ip(
    client, inquiry_data, settings, enqueued_acknowledgements
):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 100
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 1
    first = client.post("/inquiry/", inquiry_data, REMOTE_ADDR="127.0.1.1")
    assert first.status_code == 302

    second = client.post(
        "/inquiry/",
        {**inquiry_data, "email": "Taro.Yamada@Example.JP"},
        REMOTE_ADDR="127.0.1.2",
    )

    assert second.status_code == 429
    assert "送信回数の上限に達しました" in text_of(second)
    assert Ticket.objects.count() == 1


def test_the_rate_limit_window_ends(client, inquiry_data, settings, enqueued_acknowledgements):
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 1
    settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS = 3600
    start = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False):
        assert client.post("/inquiry/", inquiry_data).status_code == 302
        assert client.post("/inquiry/", inquiry_data).status_code == 429
    with time_machine.travel(start + datetime.timedelta(hours=1, seconds=1), tick=False):
        assert client.post("/inquiry/", inquiry_data).status_code == 302


def test_csrf_is_enforced(inquiry_data, enqueued_acknowledgements):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post("/inquiry/", inquiry_data)

    assert refused.status_code == 403
    assert Ticket.objects.count() == 0

    browser.get("/inquiry/")
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/inquiry/", {**inquiry_data, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert Ticket.objects.count() == 1
