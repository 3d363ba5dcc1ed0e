"""Intake of mail that used to come out wrong: no sender, feedback reports, odd bounces."""

from __future__ import annotations

import pytest

from helpdesk.mail.models import InboundMail
from helpdesk.mail.parse import dry_run_summary
from helpdesk.mail.services import mail_process, mail_store
from helpdesk.tickets.models import Ticket
from tests.mail import header_fixtures as odd

pytestmark = pytest.mark.django_db


def ingest(raw: bytes, *, envelope_sender: str = "", source: str = "pipe") -> InboundMail:
    stored = mail_store(raw=raw, source=source, envelope_sender=envelope_sender, enqueue=False)
    return mail_process(inbound_id=stored.inbound.pk).inbound


# --- No usable sender ----------------------------------------------------------------------------


def test_regression_mail_nobody_can_answer_is_quarantined_not_a_ticket():
    inbound = ingest(odd.no_sender_at_all())
    assert (inbound.status, inbound.reason, inbound.kind) == ("quarantined", "no sender", "invalid")
    assert Ticket.objects.count() == 0
    assert dry_run_summary(odd.no_sender_at_all())["reason"] == "no sender"


def test_the_envelope_sender_answers_a_mail_without_sender_headers():
    inbound = ingest(
        odd.no_sender_at_all(), envelope_sender="<kato@customer.example>", source="smtp"
    )
    assert inbound.action == "created"
    assert inbound.ticket.requester.email == "kato@customer.example"


@pytest.mark.parametrize(
    ("build", "requester"),
    [(odd.reply_to_only, "sato@customer.example"), (odd.return_path_only, "ito@customer.example")],
)
def test_reply_to_or_return_path_answers_a_mail_without_from(build, requester):
    inbound = ingest(build())
    assert inbound.action == "created"
    assert inbound.ticket.requester.email == requester
