"""Abuse and feedback reports are recognised as their own kind, never as inquiries."""

from __future__ import annotations

import pytest

from helpdesk.mail.classify import classify
from helpdesk.mail.parse import parse_mail

from . import report_fixtures as reports


@pytest.mark.parametrize(
    ("build", "feedback_type", "address"),
    [
        (reports.arf_abuse_report, "abuse", reports.COMPLAINER),
        (reports.dmarc_failure_report, "auth-failure", "victim@customer.example"),
        (reports.dmarc_aggregate_report, "dmarc-aggregate", None),
        (reports.isp_feedback_loop_forward, "complaint", reports.COMPLAINER),
    ],
)
def test_regression_reports_are_feedback_not_inquiries(build, feedback_type, address):
    # Bug: an ISP's complaint forwarding our acknowledgement opened a ticket for the ISP.
    parsed = parse_mail(build())
    assert classify(parsed).kind == "feedback"
    assert parsed.feedback.feedback_type == feedback_type
    assert next(iter(parsed.feedback.reported_addresses), None) == address


def test_arf_report_names_our_original_mail_and_the_sending_ip():
    feedback = parse_mail(reports.arf_abuse_report()).feedback
    assert feedback.original_message_id == "<ack.77@helpdesk.example.jp>"
    assert (feedback.source_ip, feedback.user_agent) == ("192.0.2.25", "ExampleFBL/1.0")
    assert feedback.is_complaint


def test_dmarc_failure_is_not_a_complaint_about_a_person():
    assert not parse_mail(reports.dmarc_failure_report()).feedback.is_complaint


def test_a_customer_forwarding_our_mail_is_still_a_conversation():
    parsed = parse_mail(reports.customer_forwards_our_mail())
    assert parsed.feedback is None
    assert classify(parsed).kind == "reply"
