"""Console pages as staff use them: what they show, what each form does, what is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.mail.models import InboundMail
from helpdesk.tickets.changes import ticket_change
from helpdesk.tickets.models import CannedResponse, Message, Ticket, TicketEvent
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_staff_reply
from sla.models import ClosureDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def _seen(response) -> dict[str, str]:
    conversation = response.context["conversation"]
    return {
        "seen_message": str(conversation.seen.message_pk),
        "seen_event": str(conversation.seen.event_pk),
    }


def test_dashboard_shows_counts_and_the_desk_status(agent_client, ticket):
    response = agent_client.get("/console/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "ダッシュボード" in page
    assert response.context["board"].by_status["new"] == 1
    assert "受付中" in page or "受付時間外" in page


def test_ticket_list_shows_the_row_with_its_deadline(agent_client, ticket):
    response = agent_client.get("/console/tickets/")
    page = response.content.decode()
    assert ticket.reference in page
    assert "請求書の金額が違います" in page
    assert 'type="search"' in page


def test_list_refresh_request_returns_only_the_rows(agent_client, ticket):
    response = agent_client.get("/console/tickets/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith("<tbody")
    assert ticket.reference in page
    assert "<html" not in page


def test_ticket_page_shows_conversation_events_and_sla(agent_client, ticket, agent):
    ticket_change(ticket=ticket, actor=agent, priority="high")
    response = agent_client.get(f"/console/tickets/{ticket.pk}/")
    page = response.content.decode()
    assert "先月の請求書の金額が契約と違います" in page
    assert "優先度" in page and "高" in page
    assert "一次回答" in page


def test_ticket_page_marks_a_ticket_past_the_overdue_level(agent_client, ticket):
    page = agent_client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'id="overdue"' not in page
    Ticket.objects.filter(pk=ticket.pk).update(sla_state="breached", escalation_level=3)
    page = agent_client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert '<span class="badge sla-breached" id="overdue">大幅超過</span>' in page


def test_reply_from_the_ticket_page_is_queued_as_mail(agent_client, ticket):
    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    response = agent_client.post(
        f"/console/tickets/{ticket.pk}/reply/",
        {"body": "ご連絡ありがとうございます。", "action": "reply", "status": "", **seen},
    )
    assert response.status_code == 302
    answer = Message.objects.get(ticket=ticket, kind=Message.Kind.OUTBOUND)
    assert answer.delivery_status == Message.DeliveryStatus.QUEUED
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None


def test_reply_with_attachments(agent_client, ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    files = [
        SimpleUploadedFile("見積書.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        SimpleUploadedFile("手順.txt", "手順です".encode(), content_type="text/plain"),
    ]
    agent_client.post(
        f"/console/tickets/{ticket.pk}/reply/",
        {"body": "資料を添付します。", "action": "reply", "attachments": files, **seen},
    )
    answer = Message.objects.get(ticket=ticket, kind=Message.Kind.OUTBOUND)
    assert sorted(answer.attachments.values_list("filename", flat=True)) == [
        "手順.txt",
        "見積書.pdf",
    ]


def test_note_is_internal(agent_client, ticket):
    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    agent_client.post(
        f"/console/tickets/{ticket.pk}/reply/", {"body": "経理確認中", "action": "note", **seen}
    )
    assert Message.objects.get(ticket=ticket, body_text="経理確認中").kind == Message.Kind.NOTE


def test_collision_warns_and_keeps_the_text_then_sends_on_second_try(
    agent_client, ticket, other_agent
):
    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    ticket_staff_reply(ticket=ticket, author=other_agent, body_text="先に回答済みです。")
    data = {"body": "私の回答", "action": "reply", **seen}
    response = agent_client.post(f"/console/tickets/{ticket.pk}/reply/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "先に回答済みです。" in page and "私の回答" in page
    assert not Message.objects.filter(body_text="私の回答").exists()
    # The warning page carries what it showed: sending again goes through.
    retry = {**data, **_seen(response)}
    assert agent_client.post(f"/console/tickets/{ticket.pk}/reply/", retry).status_code == 302
    assert Message.objects.filter(body_text="私の回答").exists()


def test_change_form_records_events(agent_client, ticket, other_agent):
    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    response = agent_client.post(
        f"/console/tickets/{ticket.pk}/change/",
        {
            "status": "open",
            "priority": "urgent",
            "assignee": str(other_agent.pk),
            "queue": "請求",
            "category": "billing",
            **seen,
        },
    )
    assert response.status_code == 302
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {"status", "priority", "assignee", "queue", "category"}


def test_bulk_assign(agent_client, ticket, other_agent):
    response = agent_client.post(
        "/console/tickets/bulk/",
        {"tickets": [ticket.pk], "assignee": str(other_agent.pk), "next": "/console/tickets/"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == other_agent


def test_bulk_without_a_change_changes_nothing(agent_client, ticket):
    agent_client.post("/console/tickets/bulk/", {"tickets": [ticket.pk]})
    assert not TicketEvent.objects.exists()


def test_bulk_refuses_a_foreign_next_url(agent_client, ticket):
    response = agent_client.post(
        "/console/tickets/bulk/",
        {"tickets": [ticket.pk], "priority": "low", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/console/tickets/"


def test_canned_response_fills_the_reply_box(agent_client, ticket, supervisor):
    canned = CannedResponse.objects.create(title="受付", body="{customer_name} 様 {reference}")
    response = agent_client.get(f"/console/tickets/{ticket.pk}/canned/?canned={canned.pk}")
    assert f"山田 太郎 様 {ticket.reference}" in response.content.decode()


def test_canned_fill_with_a_bad_choice_is_not_found(agent_client, ticket):
    for value in ("", "abc", "999999"):
        response = agent_client.get(f"/console/tickets/{ticket.pk}/canned/?canned={value}")
        assert response.status_code == 404


def test_attachment_downloads_never_render_inline(agent_client, ticket, agent):
    message = ticket_customer_reply(
        ticket=ticket,
        body_text="添付",
        attachments=[AttachmentInput("x.html", "text/html", b"<script>alert(1)</script>")],
    )
    attachment = message.attachments.get()
    response = agent_client.get(f"/console/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"


def test_ticket_page_query_count_does_not_grow_with_the_conversation(agent_client, ticket, agent):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(f"/console/tickets/{ticket.pk}/").status_code == 200
        return len(queries)

    ticket_customer_reply(
        ticket=ticket, body_text="1", attachments=[AttachmentInput("a.txt", "text/plain", b"a")]
    )
    small = count()
    for index in range(6):
        ticket_staff_reply(ticket=ticket, author=agent, body_text=f"回答 {index}")
        ticket_customer_reply(
            ticket=ticket,
            body_text=f"返信 {index}",
            attachments=[AttachmentInput(f"{index}.txt", "text/plain", b"x")],
        )
        ticket_change(ticket=ticket, actor=agent, priority="high" if index % 2 else "low")
    assert count() == small


def test_list_query_count_is_fixed(agent_client, ticket):
    from helpdesk.tickets.services import ticket_open

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            agent_client.get("/console/tickets/")
        return len(queries)

    small = count()
    for index in range(5):
        ticket_open(
            channel="web", requester_email=f"c{index}@example.jp", subject="s", body_text="b"
        )
    assert count() == small


def _quarantined() -> InboundMail:
    return InboundMail.objects.create(
        dedupe_key="<q1@example.jp>",
        sha256="0" * 64,
        raw=b"Subject: test\r\n\r\n<script>alert(1)</script>\xff",
        size=40,
        source=InboundMail.Source.SMTP,
        status=InboundMail.Status.QUARANTINED,
        reason="ValueError: broken",
    )


def test_quarantine_list_and_safe_raw_view(supervisor_client):
    mail_row = _quarantined()
    page = supervisor_client.get("/console/mail/quarantine/").content.decode()
    assert "ValueError: broken" in page
    raw = supervisor_client.get(f"/console/mail/{mail_row.pk}/raw/")
    assert raw["Content-Type"] == "text/plain; charset=utf-8"
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert "<script>alert(1)</script>" in raw.content.decode()


def test_discard_is_recorded_not_deleted(supervisor_client, supervisor):
    mail_row = _quarantined()
    supervisor_client.post(f"/console/mail/{mail_row.pk}/discard/", {"note": "spam"})
    mail_row.refresh_from_db()
    assert mail_row.status == InboundMail.Status.IGNORED
    assert mail_row.reason.startswith("discarded by super1 at ")
    assert "spam" in mail_row.reason and "ValueError: broken" in mail_row.reason


def test_calendar_shows_holidays_and_a_supervisor_adds_and_removes_a_closure(
    supervisor_client, monkeypatch, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    from sla import services as sla_services

    enqueued = []
    # sla names the tickets app's recompute task (it may not import it): catch the enqueue.
    monkeypatch.setattr(
        sla_services,
        "signature",
        lambda name: SimpleNamespace(delay=lambda: enqueued.append(name)),
    )
    page = supervisor_client.get("/console/calendar/2027/1/").content.decode()
    assert "元日" in page and "成人の日" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(
            "/console/calendar/closures/add/", {"date": "2027-01-08", "reason": "社内研修"}
        )
    assert response["Location"] == "/console/calendar/2027/1/"
    assert ClosureDay.objects.get(date=datetime.date(2027, 1, 8)).reason == "社内研修"
    assert "社内研修" in supervisor_client.get("/console/calendar/2027/1/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post("/console/calendar/closures/remove/", {"date": "2027-01-08"})
    assert not ClosureDay.objects.exists()
    # Open tickets' deadlines are recomputed by a worker after each change.
    assert enqueued == [sla_services.TICKETS_SLA_RECOMPUTE_TASK] * 2


def test_agent_sees_the_calendar_without_edit_controls(agent_client):
    page = agent_client.get("/console/calendar/2027/1/").content.decode()
    assert "元日" in page
    assert "closures/add" not in page


def test_supervisor_manages_canned_responses(supervisor_client, supervisor):
    response = supervisor_client.post(
        "/console/canned/new/", {"title": "お詫び", "body": "{customer_name} 様", "is_active": "on"}
    )
    assert response.status_code == 302
    canned = CannedResponse.objects.get(title="お詫び")
    assert canned.updated_by == supervisor
    supervisor_client.post(f"/console/canned/{canned.pk}/delete/")
    assert not CannedResponse.objects.exists()


def test_status_is_a_choice_not_free_text(agent_client, ticket):
    seen = _seen(agent_client.get(f"/console/tickets/{ticket.pk}/"))
    response = agent_client.post(
        f"/console/tickets/{ticket.pk}/change/", {"status": "deleted", "priority": "normal", **seen}
    )
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    assert not mail.outbox


def test_reprocess_turns_a_quarantined_mail_into_a_ticket(supervisor_client):
    raw = (
        "From: 山田 <yamada@example.jp>\r\nTo: support@helpdesk.example.jp\r\n"
        "Subject: =?UTF-8?B?6KuL5rGC5pu444Gr44Gk44GE44Gm?=\r\n"
        "Message-ID: <reprocess-1@example.jp>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + "請求書について質問です。".encode()
    mail_row = InboundMail.objects.create(
        dedupe_key="<reprocess-1@example.jp>",
        message_id="<reprocess-1@example.jp>",
        sha256="1" * 64,
        raw=raw,
        size=len(raw),
        source=InboundMail.Source.SMTP,
        status=InboundMail.Status.QUARANTINED,
        reason="OperationalError: database was restarting",
    )
    response = supervisor_client.post(f"/console/mail/{mail_row.pk}/reprocess/", follow=True)
    assert "再処理しました" in response.content.decode()
    mail_row.refresh_from_db()
    assert mail_row.status == InboundMail.Status.PROCESSED
    assert mail_row.ticket.subject == "請求書について"
