"""The customer's status page /t/<token>/: what it shows, to whom, and the reply form."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpdesk.tickets.access import ticket_access_token_issue, ticket_access_token_revoke
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.services import (
    AttachmentInput,
    ticket_change_status,
    ticket_staff_reply,
)
from tests.factories import TicketFactory

JST = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class InvoiceTicketFactory(TicketFactory):
    requester_email = "hanako@example.jp"
    requester_name = "佐藤 花子"
    subject = "請求書の宛名を変更したい"
    body_text = "請求書の宛名を新しい社名に変更してください。"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("agent", password="not-used-here")


@pytest.fixture(autouse=True)
def wednesday_morning():
    """Every test starts on Wednesday 2026-11-25 at 10:00 JST, and time moves on from there."""
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=JST)):
        yield


@pytest.fixture
def ticket():
    return InvoiceTicketFactory(
        attachments=[AttachmentInput("請求書.pdf", "application/pdf", b"%PDF-1.4 invoice")]
    )


@pytest.fixture
def token(ticket) -> str:
    return ticket_access_token_issue(ticket=ticket)


def test_the_page_shows_reference_subject_status_deadline_and_conversation(client, ticket, token):
    response = client.get(f"/t/{token}/")

    assert response.status_code == 200
    page = text_of(response)
    assert ticket.reference in page
    assert "請求書の宛名を変更したい" in page
    assert "状況 受付済み" in page
    # 360 business minutes from Wednesday 10:00: Wednesday 10:00-12:00 and 13:00-17:00.
    assert "回答予定日時 2026年11月25日(水) 17:00" in page
    assert "お客様" in page and "請求書の宛名を新しい社名に変更してください。" in page
    assert "請求書.pdf" in page


def test_the_page_is_not_cached_and_does_not_leak_its_address(client, token):
    response = client.get(f"/t/{token}/")

    assert "no-store" in response["Cache-Control"]
    # At most the origin, never the path with the token (see the view for why not no-referrer).
    assert response["Referrer-Policy"] == "strict-origin"
    assert '<meta name="referrer" content="strict-origin">' in response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_an_unknown_or_altered_token_is_404(client, token):
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/t/{'x' * 43}/").status_code == 404
    assert client.get(f"/t/{altered}/").status_code == 404
    assert client.get("/t/short/").status_code == 404


def test_a_revoked_token_is_404(client, token):
    assert ticket_access_token_revoke(raw_token=token)

    response = client.get(f"/t/{token}/")

    assert response.status_code == 404
    assert "ページが見つかりません" in text_of(response)


def test_another_tickets_token_never_shows_this_ticket(client, ticket, token):
    other = InvoiceTicketFactory(
        subject="別の会社の問い合わせ", requester_email="someone@other.example"
    )
    other_token = ticket_access_token_issue(ticket=other)

    page = text_of(client.get(f"/t/{other_token}/"))

    assert other.reference in page and "別の会社の問い合わせ" in page
    assert ticket.reference not in page
    assert "請求書の宛名を変更したい" not in page


def test_internal_notes_are_never_shown_but_staff_answers_are(client, ticket, token, staff):
    ticket_staff_reply(ticket=ticket, author=staff, body_text="社内: 経理に確認中", internal=True)
    ticket_staff_reply(ticket=ticket, author=staff, body_text="宛名の変更を承りました。")

    page = text_of(client.get(f"/t/{token}/"))

    assert "社内: 経理に確認中" not in page
    assert "サポート担当" in page and "宛名の変更を承りました。" in page
    # Oldest first: the customer's message comes before our answer.
    assert page.index("請求書の宛名を新しい社名に変更してください。") < page.index(
        "宛名の変更を承りました。"
    )


def test_pending_customer_is_shown_instead_of_a_deadline(client, ticket, token, staff):
    ticket_staff_reply(ticket=ticket, author=staff, body_text="新しい社名を教えてください。")
    ticket_change_status(ticket=ticket, status=Ticket.Status.PENDING_CUSTOMER)

    page = text_of(client.get(f"/t/{token}/"))

    assert "回答予定日時 お客様回答待ち" in page
    assert "状況 お客様回答待ち" in page


def test_a_reply_adds_a_customer_message_and_shows_a_success_message(client, ticket, token):
    response = client.post(
        f"/t/{token}/",
        {
            "body": "新しい社名は株式会社テスト2です。",
            "attachments": [SimpleUploadedFile("登記簿.pdf", b"%PDF-1.4 register")],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/t/{token}/"
    message = Message.objects.filter(ticket=ticket).latest("id")
    assert message.kind == "inbound" and message.channel == "web"
    assert message.body_text == "新しい社名は株式会社テスト2です。"
    assert message.author_contact == ticket.requester
    assert [a.filename for a in message.attachments.all()] == ["登記簿.pdf"]
    page = text_of(client.get(response["Location"]))
    assert "返信を送信しました。" in page
    assert "新しい社名は株式会社テスト2です。" in page


def test_too_many_replies_get_the_429_page_with_the_text_and_a_way_back(
    client, ticket, token, settings
):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 1
    assert client.post(f"/t/{token}/", {"body": "一通目です。"}).status_code == 302

    response = client.post(f"/t/{token}/", {"body": "二通目の補足です。"})

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS)
    assert response["Referrer-Policy"] == "strict-origin"  # the page's URL holds the key
    html = response.content.decode()
    assert "送信回数の上限に達しました" in html
    assert "二通目の補足です。</textarea>" in html
    assert f'<a href="/t/{token}/">フォームに戻る</a>' in html
    assert Message.objects.filter(ticket=ticket, body_text="二通目の補足です。").count() == 0


def test_a_reply_needs_the_csrf_token(ticket, token):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(f"/t/{token}/", {"body": "偽のリクエスト"})
    browser.get(f"/t/{token}/")
    accepted = browser.post(
        f"/t/{token}/",
        {"body": "本物の返信", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    bodies = list(Message.objects.filter(ticket=ticket).values_list("body_text", flat=True))
    assert "偽のリクエスト" not in bodies and "本物の返信" in bodies


def test_a_reply_resumes_a_ticket_pending_customer(client, ticket, token, staff):
    ticket_staff_reply(ticket=ticket, author=staff, body_text="新しい社名を教えてください。")
    ticket_change_status(ticket=ticket, status=Ticket.Status.PENDING_CUSTOMER)

    client.post(f"/t/{token}/", {"body": "株式会社テスト2です。"})

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.next_response_due is not None
    assert "お客様回答待ち" not in text_of(client.get(f"/t/{token}/"))


def test_an_empty_reply_or_a_bad_file_is_refused_with_a_message(client, ticket, token):
    empty = client.post(f"/t/{token}/", {"body": ""})
    bad_file = client.post(
        f"/t/{token}/", {"body": "添付します", "attachments": [SimpleUploadedFile("a.js", b"x")]}
    )

    assert "返信内容を入力してください。" in text_of(empty)
    assert "ファイル「a.js」は添付できない形式です。" in text_of(bad_file)
    assert "添付します" in bad_file.content.decode()  # the text is kept
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_closed_ticket_offers_no_reply_form(client, ticket, token):
    ticket_change_status(ticket=ticket, status=Ticket.Status.CLOSED)

    response = client.get(f"/t/{token}/")
    client.post(f"/t/{token}/", {"body": "まだ質問があります"})

    assert "このお問い合わせは終了しました" in text_of(response)
    assert 'name="body"' not in response.content.decode()
    assert Message.objects.filter(ticket=ticket).count() == 1


# --- attachment downloads ------------------------------------------------------------------


def test_an_attachment_downloads_as_a_file_with_its_japanese_name(client, ticket, token):
    attachment = Attachment.objects.get(message__ticket=ticket)

    response = client.get(f"/t/{token}/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_an_attachment_of_another_ticket_is_404_even_with_a_valid_token(client, token):
    other = InvoiceTicketFactory(
        requester_email="someone@other.example",
        attachments=[AttachmentInput("secret.txt", "text/plain", b"other company's data")],
    )
    foreign = Attachment.objects.get(message__ticket=other)

    assert client.get(f"/t/{token}/attachments/{foreign.pk}/").status_code == 404


def test_an_attachment_of_an_internal_note_is_404(client, ticket, token, staff):
    note = ticket_staff_reply(
        ticket=ticket,
        author=staff,
        body_text="社内メモ",
        internal=True,
        attachments=[AttachmentInput("internal.txt", "text/plain", b"staff only")],
    )
    internal = note.attachments.get()

    assert client.get(f"/t/{token}/attachments/{internal.pk}/").status_code == 404
    assert "internal.txt" not in text_of(client.get(f"/t/{token}/"))


def test_an_attachment_with_a_revoked_token_is_404(client, ticket, token):
    attachment = Attachment.objects.get(message__ticket=ticket)
    ticket_access_token_revoke(raw_token=token)

    assert client.get(f"/t/{token}/attachments/{attachment.pk}/").status_code == 404
