"""The admin that remains for administrators: messages are read there, not added; attachments
open for staff only, as downloads; labels such as the mail kinds are in Japanese."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from helpdesk.mail.models import InboundMail
from helpdesk.tickets.models import Attachment, Message
from helpdesk.tickets.services import AttachmentInput, ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_under_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def ticket():
    return ticket_open(
        channel="web",
        requester_email="hanako@example.jp",
        requester_name="佐藤 花子",
        subject="請求書の宛名を変更したい",
        body_text="請求書の宛名を新しい社名に変更してください。",
        attachments=[AttachmentInput("請求書\r\n.pdf", "text/html", b"<script>alert(1)</script>")],
        acknowledge=False,
    )


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.jp", "x"))
    return client


def test_regression_the_ticket_page_offered_an_add_message_block_that_saved_nothing(
    admin_client, ticket
):
    html = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()

    assert "請求書の宛名を新しい社名に変更してください。" in html  # the conversation is listed
    assert 'id="messages-empty"' not in html  # no template row for a new message
    assert "別の メッセージ を追加" not in html and "メッセージ を追加" not in html
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_staff_open_an_attachment_from_the_ticket_page_as_a_safe_download(admin_client, ticket):
    attachment = Attachment.objects.get(message__ticket=ticket)
    html = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    url = f"/admin/tickets/attachment/{attachment.pk}/download/"
    assert f'href="{url}"' in html

    response = admin_client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachments_do_not_open_for_visitors_or_staff_without_permission(client, ticket):
    attachment = Attachment.objects.get(message__ticket=ticket)
    url = f"/admin/tickets/attachment/{attachment.pk}/download/"

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]

    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    refused = client.get(url)
    assert refused.status_code == 403
    assert "管理画面に戻る" in refused.content.decode()

    clerk.user_permissions.add(Permission.objects.get(codename="view_attachment"))
    assert client.get(url).status_code == 200


def test_an_unknown_attachment_is_404(admin_client):
    assert admin_client.get("/admin/tickets/attachment/999999/download/").status_code == 404


def test_mail_kinds_and_labels_are_japanese_in_the_inbound_mail_list(admin_client):
    InboundMail.objects.create(
        dedupe_key="<auto@example.jp>",
        message_id="<auto@example.jp>",
        sha256="0" * 64,
        raw=b"Subject: x\r\n\r\nx",
        size=14,
        source="smtp",
        status="ignored",
        action="ignored",
        kind="auto_reply",
    )

    html = admin_client.get("/admin/mail/inboundmail/").content.decode()

    assert "自動応答" in html
    assert "auto_reply</td>" not in html
    assert "一斉配信メール" in html  # the kind filter lists every kind by name
    detail = admin_client.get(
        f"/admin/mail/inboundmail/{InboundMail.objects.get().pk}/change/"
    ).content.decode()
    assert "Dedupe key" not in detail and "dedupe" not in detail.lower()
