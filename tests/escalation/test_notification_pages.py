"""The console's notification list and the unread badge in the top bar."""

from __future__ import annotations

import pytest
import time_machine

from helpdesk.tickets.escalations import escalation_sweep
from helpdesk.tickets.models import StaffNotification

from .conftest import jst, open_ticket

pytestmark = pytest.mark.django_db


def test_an_agent_sees_the_unread_badge_the_list_and_marks_them_read(client, agent):
    tickets = [open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent) for _n in range(2)]
    with time_machine.travel(jst(2026, 11, 25, 10, 50), tick=False):
        escalation_sweep()
    client.force_login(agent)
    dashboard = client.get("/console/").content.decode()
    assert 'class="badge" aria-label="未読 2 件">2</span>' in dashboard
    page = client.get("/console/notifications/").content.decode()
    assert "未読の通知が 2 件あります。" in page
    for ticket in tickets:
        assert f"{ticket.reference} 一次回答: 期限間近" in page
    client.post("/console/notifications/read/")
    assert not StaffNotification.objects.filter(read_at__isnull=True).exists()
    assert 'class="badge"' not in client.get("/console/notifications/").content.decode()


def test_notifications_are_private_to_their_recipient(client, agent, supervisor):
    open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    with time_machine.travel(jst(2026, 11, 25, 10, 50), tick=False):
        escalation_sweep()
    client.force_login(supervisor)
    assert "一次回答" not in client.get("/console/notifications/").content.decode()
    client.post("/console/notifications/read/")
    assert StaffNotification.objects.filter(recipient=agent, read_at__isnull=True).exists()
