"""Remote support only with the customer's permission (SLA clause 3(b)): asking, the mailed
single-use link, grant, decline, revoke, sessions, reminder and expiry, and the audit."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
import time_machine
from django.core import mail

from helpdesk.remote.mail import consent_link_send
from helpdesk.remote.models import RemoteConsentEvent, RemoteSupportRequest
from helpdesk.remote.selectors import consent_audit_csv, consent_page_for_token
from helpdesk.remote.services import (
    ConsentLinkInvalid,
    ConsentRefused,
    Decider,
    consent_decide,
    consent_request,
    consent_revoke,
    consent_statement,
    consent_upkeep,
)
from helpdesk.remote.sessions import remote_session_end, remote_session_start
from helpdesk.tickets.models import StaffNotification

from .conftest import jst, mailed_link_token, open_ticket

pytestmark = pytest.mark.django_db

BROWSER = Decider(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (Windows NT 10.0) Edge/120")


WEDNESDAY_11 = jst(2026, 11, 25, 11, 0)


@pytest.fixture(autouse=True)
def wednesday_afternoon():
    """Unless a test says otherwise, the customer answers on Wednesday afternoon."""
    with time_machine.travel(jst(2026, 11, 25, 14, 30), tick=False):
        yield


def ask(ticket, agent, moment=WEDNESDAY_11, **extra):
    with time_machine.travel(moment, tick=False):
        request = consent_request(
            ticket=ticket,
            requested_by=agent,
            scope="control",
            reason="設定画面の表示を確認するため",
            tool="AnyDesk",
            **extra,
        )
        assert consent_link_send(request_id=request.pk)
    return request


def audit(request) -> list[str]:
    return list(request.audit_events.order_by("at", "id").values_list("kind", flat=True))


def test_a_request_is_valid_until_the_end_of_the_next_business_day_and_stores_the_text_hash(
    agent,
):
    ticket = open_ticket(jst(2026, 11, 27, 10, 0), assignee=agent)  # Friday
    request = ask(ticket, agent, jst(2026, 11, 27, 11, 0))
    # Next business day after Friday: Monday 30 November, desk closes at 17:00.
    assert request.expires_at == jst(2026, 11, 30, 17, 0)
    # Half the business time between Fri 11:00 and Mon 17:00 (5 h + 6 h = 11 h): 5 h 30 min
    # after Friday 11:00 is Monday 10:30.
    assert request.remind_at == jst(2026, 11, 30, 10, 30)
    assert request.consent_text.version == "1" and request.consent_text.language == "ja"
    statement = consent_statement(request)
    assert "AnyDesk" in statement and "リモートサポートに関する同意事項" in statement
    assert request.consent_text_sha256 == hashlib.sha256(statement.encode()).hexdigest()
    token = mailed_link_token()
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    request.refresh_from_db()
    assert request.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(RemoteSupportRequest.objects.values().get(pk=request.pk))
    assert (
        mail.outbox[-1].subject
        == f"[{ticket.reference}] リモートサポートのご依頼（ご同意のお願い）"
    )
    assert ticket.events.filter(detail__contains="リモートサポートを依頼").exists()


def test_a_request_valid_only_outside_desk_hours_is_reminded_halfway_not_at_once(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent, jst(2026, 11, 25, 17, 30), expires_at=jst(2026, 11, 25, 20, 0))
    assert request.remind_at == jst(2026, 11, 25, 18, 45)


def test_grant_records_time_ip_and_user_agent_and_the_link_works_once(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    token = mailed_link_token()
    with time_machine.travel(jst(2026, 11, 25, 14, 0), tick=False):
        consent_decide(raw_token=token, grant=True, decider=BROWSER)
        with pytest.raises(ConsentLinkInvalid) as refused:
            consent_decide(raw_token=token, grant=False, decider=BROWSER)
    assert refused.value.reason == "used"
    request.refresh_from_db()
    assert request.status == "granted"
    assert request.decided_at == jst(2026, 11, 25, 14, 0)
    assert request.decision_ip == "203.0.113.7"
    assert "Edge/120" in request.decision_user_agent
    assert audit(request) == ["requested", "link_sent", "granted", "link_refused"]
    assert consent_page_for_token(raw_token=token).state == "used"
    assert StaffNotification.objects.filter(kind="consent_granted", recipient=agent).exists()


def test_decline_leaves_nothing_to_start(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    consent_decide(raw_token=mailed_link_token(), grant=False, decider=BROWSER)
    request.refresh_from_db()
    assert request.status == "declined"
    with pytest.raises(ConsentRefused, match="同意"):
        remote_session_start(request=request, actor=agent)


def test_a_session_without_a_grant_is_refused_with_a_clear_message_and_recorded(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    with pytest.raises(ConsentRefused) as refused:
        remote_session_start(request=request, actor=agent)
    assert str(refused.value) == (
        "リモートサポートを開始できません。"
        "お客様の同意が得られていません（状態: お客様の回答待ち）。"
    )
    assert audit(request)[-1] == "session_refused"
    request.refresh_from_db()
    assert request.session_started_at is None


def test_session_start_and_end_appear_in_the_conversation(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    consent_decide(raw_token=mailed_link_token(), grant=True, decider=BROWSER)
    with time_machine.travel(jst(2026, 11, 25, 15, 0), tick=False):
        remote_session_start(request=request, actor=agent)
    with time_machine.travel(jst(2026, 11, 25, 15, 20), tick=False):
        remote_session_end(request=request, actor=agent)
    request.refresh_from_db()
    assert request.status == "completed"
    details = list(ticket.events.values_list("detail", flat=True))
    assert "リモートサポートのセッションを開始しました" in details
    assert "リモートサポートのセッションを終了しました" in details


def test_revoking_ends_a_running_session_and_tells_the_assignee_at_once(agent, supervisor):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    consent_decide(raw_token=mailed_link_token(), grant=True, decider=BROWSER)
    remote_session_start(request=request, actor=agent)
    consent_revoke(request=request, decider=BROWSER)
    request.refresh_from_db()
    assert request.status == "revoked"
    assert request.session_ended_at is not None
    assert StaffNotification.objects.filter(kind="consent_revoked", recipient=agent).exists()
    with pytest.raises(ConsentRefused):
        remote_session_start(request=request, actor=agent)
    assert audit(request)[-3:] == ["session_ended", "revoked", "session_refused"]


def test_reminder_at_half_the_validity_replaces_the_link_and_is_sent_once(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    # Valid Wed 11:00 to Thu 17:00, 11 business hours: the reminder at 5 h 30 min, Thu 10:30.
    assert request.remind_at == jst(2026, 11, 26, 10, 30)
    first_token = mailed_link_token()
    with time_machine.travel(request.remind_at, tick=False):
        assert consent_upkeep().reminders == [request.pk]
        assert consent_link_send(request_id=request.pk, reminder=True)
        assert not consent_link_send(request_id=request.pk, reminder=True)
    assert len(mail.outbox) == 2
    assert "リマインダー" in mail.outbox[-1].subject
    assert consent_page_for_token(raw_token=first_token).state == "invalid"
    assert consent_page_for_token(raw_token=mailed_link_token()).state == "decide"
    with time_machine.travel(request.remind_at, tick=False):
        assert consent_upkeep().reminders == []


def test_an_unanswered_request_expires_tells_staff_and_escalates_to_a_supervisor(agent, supervisor):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    token = mailed_link_token()
    with time_machine.travel(request.expires_at, tick=False):
        assert consent_upkeep().expired == 1
        assert consent_upkeep().expired == 0  # once
        with pytest.raises(ConsentLinkInvalid) as refused:
            consent_decide(raw_token=token, grant=True, decider=BROWSER)
    assert refused.value.reason == "expired"
    request.refresh_from_db()
    assert request.status == "expired"
    assert StaffNotification.objects.filter(kind="consent_expired", recipient=agent).exists()
    assert StaffNotification.objects.filter(
        kind="consent_unanswered", recipient=supervisor
    ).exists()
    assert "unanswered" in audit(request)


def test_a_grant_expires_too_and_then_nothing_can_start(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    consent_decide(raw_token=mailed_link_token(), grant=True, decider=BROWSER)
    with time_machine.travel(request.expires_at, tick=False):
        with pytest.raises(ConsentRefused, match="有効期限"):
            remote_session_start(request=request, actor=agent)
        consent_upkeep()
    request.refresh_from_db()
    assert request.status == "expired"
    assert not StaffNotification.objects.filter(kind="consent_unanswered").exists()


def test_the_audit_csv_opens_in_excel_utf8_with_bom_and_lists_every_event(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    request = ask(ticket, agent)
    consent_decide(raw_token=mailed_link_token(), grant=True, decider=BROWSER)
    data = consent_audit_csv(ticket=ticket)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日時（日本時間）", "依頼番号", "内容"]
    assert [row[2] for row in rows[1:]] == ["依頼", "お客様へリンクを送信", "同意"]
    granted = rows[-1]
    assert "203.0.113.7" in granted
    assert request.consent_text_sha256 in granted
    assert RemoteConsentEvent.objects.filter(request=request).count() == len(rows) - 1
