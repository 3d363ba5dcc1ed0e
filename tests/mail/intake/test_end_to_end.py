"""SMTP DATA to a committed ticket: the real gateway, a real Celery worker on Redis."""

import smtplib

import pytest

from helpdesk.mail.models import InboundMail
from helpdesk.tickets.models import Ticket
from tests.conftest import wait_for
from tests.mail.intake.conftest import japanese_mail

pytestmark = pytest.mark.services


def test_a_mail_sent_over_smtp_becomes_a_ticket_through_the_worker(celery_worker_process, gateway):
    host, port = gateway
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.sendmail(
            "yamada@customer.example.jp",
            ["support@helpdesk.example.jp"],
            japanese_mail(
                subject="至急：請求書①の金額について", message_id="<e2e@customer.example.jp>"
            ),
        )

    ticket = wait_for(lambda: Ticket.objects.filter(subject="至急：請求書①の金額について").first())
    assert ticket.channel == "mail"
    inbound = InboundMail.objects.get(message_id="<e2e@customer.example.jp>")
    assert inbound.status == "processed"
    assert inbound.action == "created"
    assert inbound.ticket == ticket
    # The worker also sent the acknowledgement (an automatic outbound message).
    wait_for(lambda: ticket.messages.filter(kind="outbound", is_automatic=True).exists())
