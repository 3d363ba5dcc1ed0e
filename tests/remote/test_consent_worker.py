"""Consent through a real Celery worker and beat on Redis, on a desk open around the clock:
the link mailed by the worker, the reminder at half the validity, expiry with the supervisor
told, and a revocation whose notice the worker mails to the assignee at once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.services import (
    Decider,
    consent_decide,
    consent_link_issue,
    consent_request,
    consent_revoke,
)
from helpdesk.tickets.models import StaffNotification, Ticket
from helpdesk.tickets.services import ticket_open
from tests.conftest import wait_for
from tests.escalation.conftest import consent_texts_seed, start_beat, start_worker

from .conftest import make_user

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def audit(request: RemoteSupportRequest) -> list[str]:
    return list(request.audit_events.order_by("at", "id").values_list("kind", flat=True))


def test_worker_and_beat_send_the_link_remind_expire_and_mail_a_revocation(
    desk_open_all_day, broker, started, tmp_path
):
    consent_texts_seed()
    agent = make_user("agent1", "agent")
    supervisor = make_user("super1", "supervisor")
    ticket = ticket_open(
        channel="mail",
        requester_email="taro@example.jp",
        subject="設定画面が表示されません",
        body_text="エラーになります。",
        acknowledge=False,
    )
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    ticket.refresh_from_db()
    started.append(start_worker(broker, "test-celery-worker-consent.log"))

    unanswered = consent_request(
        ticket=ticket,
        requested_by=agent,
        scope="view",
        reason="画面を確認するため",
        tool="Teams",
        expires_at=timezone.now() + datetime.timedelta(seconds=16),
    )
    wait_for(lambda: "link_sent" in audit(unanswered), timeout=30)

    granted = consent_request(
        ticket=ticket, requested_by=agent, scope="control", reason="設定の修正", tool="AnyDesk"
    )
    wait_for(lambda: "link_sent" in audit(granted), timeout=30)
    # The worker's mail is out of reach here: issue this test its own link, as a second mail.
    consent_decide(
        raw_token=consent_link_issue(request=granted), grant=True, decider=Decider("127.0.0.1")
    )

    started.append(start_beat(broker, tmp_path, "beat-consent"))
    wait_for(lambda: "reminded" in audit(unanswered), timeout=40)
    wait_for(lambda: "unanswered" in audit(unanswered), timeout=40)
    unanswered.refresh_from_db()
    assert unanswered.status == "expired"
    assert audit(unanswered) == ["requested", "link_sent", "reminded", "expired", "unanswered"]
    assert StaffNotification.objects.filter(
        kind="consent_unanswered", recipient=supervisor
    ).exists()

    consent_revoke(request=granted, decider=Decider("127.0.0.1", "pytest"))
    revoked_notice = StaffNotification.objects.get(kind="consent_revoked", recipient=agent)
    # Mailed by the worker's digest task at once, not at the next sweep.
    wait_for(
        lambda: StaffNotification.objects.get(pk=revoked_notice.pk).emailed_at is not None,
        timeout=20,
    )
    granted.refresh_from_db()
    assert granted.status == "revoked"
