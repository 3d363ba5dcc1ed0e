"""Mail we owe a customer is sent even when its task was lost (a broker outage at intake)."""

import datetime

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from helpdesk.celery import app as celery_app
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import ticket_staff_reply
from helpdesk.tickets.tasks import outbox_requeue_task
from tests.factories import StaffFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def open_ticket(*, acknowledge: bool = True, **overrides) -> Ticket:
    # In a test transaction on_commit never fires: exactly like a lost enqueue.
    return TicketFactory(acknowledge=acknowledge, **overrides)


def test_an_acknowledgement_whose_task_was_lost_is_sent_by_the_sweep(eager_tasks):
    ticket = open_ticket(acknowledgement_language="en")
    assert ticket.acknowledgement_pending is True
    assert ticket.language == "en"

    outbox_requeue_task.apply()
    assert django_mail.outbox == []  # not yet overdue

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        outbox_requeue_task.apply()
    assert len(django_mail.outbox) == 1
    assert ticket.reference in django_mail.outbox[0].subject
    assert "received" in django_mail.outbox[0].subject  # in the customer's language
    ticket.refresh_from_db()
    assert ticket.acknowledgement_pending is False

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=40)):
        outbox_requeue_task.apply()
    assert len(django_mail.outbox) == 1  # owed once, sent once


def test_no_acknowledgement_is_owed_when_none_was_asked_for():
    ticket = open_ticket(acknowledge=False)
    assert ticket.acknowledgement_pending is False


def test_a_staff_answer_whose_task_was_lost_is_sent_by_the_sweep(eager_tasks):
    ticket = open_ticket(acknowledge=False)
    staff = StaffFactory()
    answer = ticket_staff_reply(ticket=ticket, author=staff, body_text="再発行しました。")
    assert answer.delivery_status == "queued"

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        outbox_requeue_task.apply()
    assert Message.objects.get(pk=answer.pk).delivery_status == "sent"
    assert len(django_mail.outbox) == 1
