"""Intake of mail that used to come out wrong: no sender, feedback reports, odd bounces."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from helpdesk.mail.classify import classify
from helpdesk.mail.models import FeedbackReport, InboundMail
from helpdesk.mail.parse import parse_mail
from helpdesk.mail.services import mail_process
from helpdesk.mail.storage import mail_store
from helpdesk.tickets.models import Contact, Message, Ticket
from helpdesk.tickets.services import ticket_staff_reply
from tests.mail import bounce_fixtures as bounces
from tests.mail import header_fixtures as odd
from tests.mail import report_fixtures as reports
from tests.mail.fixtures import text_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes, *, envelope_sender: str = "", source: str = "pipe") -> InboundMail:
    stored = mail_store(raw=raw, source=source, envelope_sender=envelope_sender, enqueue=False)
    return mail_process(inbound_pk=stored.inbound.pk).inbound  # the one call into processing


# --- No usable sender ----------------------------------------------------------------------------


def test_regression_mail_nobody_can_answer_is_quarantined_not_a_ticket():
    inbound = ingest(odd.no_sender_at_all())
    assert (inbound.status, inbound.reason, inbound.kind) == ("quarantined", "no sender", "invalid")
    assert Ticket.objects.count() == 0
    classification = classify(parse_mail(odd.no_sender_at_all()))  # what the dry run reports
    assert (classification.kind, classification.reason) == ("invalid", "no sender")


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


# --- Feedback reports --------------------------------------------------------------------------


def test_a_complaint_is_stored_for_staff_and_marks_our_contact():
    contact = Contact.objects.create(email=reports.COMPLAINER)
    inbound = ingest(reports.arf_abuse_report())
    assert (inbound.kind, inbound.status, inbound.action) == ("feedback", "processed", "recorded")
    assert Ticket.objects.count() == 0
    report = FeedbackReport.objects.get(inbound=inbound)
    assert report.contact == contact
    assert report.feedback_type == "abuse"
    assert report.original_message_id == "<ack.77@helpdesk.example.jp>"
    assert list(contact.feedback_reports.all()) == [report]
    assert f"contact #{contact.pk}" in inbound.reason


def test_a_complaint_about_an_address_we_do_not_know_is_stored_without_contact():
    inbound = ingest(reports.isp_feedback_loop_forward())
    report = FeedbackReport.objects.get(inbound=inbound)
    assert (report.reported_address, report.contact) == (reports.COMPLAINER, None)
    assert Contact.objects.count() == 0  # no contact is invented for it


def test_a_dmarc_report_marks_no_contact_even_when_the_address_is_ours():
    Contact.objects.create(email="victim@customer.example")
    ingest(reports.dmarc_failure_report())
    assert FeedbackReport.objects.get().contact is None


def test_feedback_reports_are_listed_and_filtered_in_the_admin(admin_client):
    ingest(reports.arf_abuse_report())
    ingest(reports.dmarc_aggregate_report())
    page = admin_client.get("/admin/mail/feedbackreport/?feedback_type=abuse")
    assert page.status_code == 200
    assert reports.COMPLAINER in page.content.decode()
    assert "receiver.example" not in page.content.decode()
    listed = admin_client.get("/admin/mail/inboundmail/?kind=feedback")
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2


# --- Bounces that follow no standard ---------------------------------------------------------


def test_a_json_bounce_of_our_answer_marks_the_address_and_opens_nothing():
    question = text_mail(
        "ログインできません。".encode(),
        sender="Hanako <hanako@customer.example>",
        message_id="<question.1@customer.example>",
    )
    ticket = ingest(question).ticket
    answer = ticket_staff_reply(
        ticket=ticket,
        author=get_user_model().objects.create_user("agent", is_staff=True),
        body_text="ご回答いたします。",
    )
    Message.objects.filter(pk=answer.pk).update(message_id="<ack.33@helpdesk.example.jp>")
    inbound = ingest(bounces.json_notification())
    assert (inbound.kind, inbound.action) == ("bounce", "appended")
    assert Contact.objects.get(email="hanako@customer.example").email_undeliverable
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("build", bounces.UNSTANDARD_BOUNCE_FIXTURES.values())
def test_unstandard_bounces_of_unknown_mail_are_ignored(build):
    inbound = ingest(build())
    assert (inbound.kind, inbound.status) == ("bounce", "ignored")
    assert Ticket.objects.count() == 0


def test_a_customer_forwarding_a_bounce_opens_a_ticket():
    inbound = ingest(bounces.customer_forwards_a_bounce())
    assert (inbound.kind, inbound.action) == ("inquiry", "created")
