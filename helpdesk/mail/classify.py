"""What kind of mail this is, decided from headers: only inquiries and replies reach people.

Bounces, auto-replies and bulk mail never open a ticket and never get an acknowledgement (two
autoresponders answering each other is a mail loop). Headers decide: a subject such as
"自動応答" or "Out of Office" only counts together with a header that marks automated mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .bounce import is_daemon_address
from .headers import parameter_text, parse_parameters
from .parse import ParsedMail

INQUIRY, REPLY, AUTO_REPLY, BOUNCE, BULK, FEEDBACK, INVALID = (
    "inquiry",
    "reply",
    "auto_reply",
    "bounce",
    "bulk",
    "feedback",
    "invalid",
)
KINDS = (INQUIRY, REPLY, AUTO_REPLY, BOUNCE, BULK, FEEDBACK, INVALID)
NO_SENDER = "no sender"


@dataclass(frozen=True)
class Classification:
    kind: str
    reason: str

    @property
    def opens_conversation(self) -> bool:
        """Whether a person wrote this: only then may it open a ticket or get an answer."""
        return self.kind in (INQUIRY, REPLY)


_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(自動応答|自動返信|自動送信|不在|automatic reply|auto(matic)?[- ]?reply|autoreply|"
    r"out of (the )?office|abwesenheit|absence)",
    re.IGNORECASE,
)
_NO_REPLY_LOCAL_PARTS = {"mailerdaemon", "postmaster", "noreply", "donotreply"}


def is_no_reply_address(address: str) -> bool:
    """An address nobody reads: never send an acknowledgement to it."""
    local_part = address.strip().strip("<>").rpartition("@")[0] or address
    local_part = local_part.lower().partition("+")[0]
    return re.sub(r"[-_.]", "", local_part) in _NO_REPLY_LOCAL_PARTS


def _bounce_reason(parsed: ParsedMail) -> str:
    headers = parsed.headers_of_interest
    content_type, parameters = parse_parameters(headers.get("Content-Type", ""))
    report_type = parameter_text(parameters, "report-type").lower()
    if content_type == "multipart/report" and report_type in ("delivery-status", ""):
        return "multipart/report (delivery-status)"
    if is_daemon_address(parsed.sender):
        return f"sender is {parsed.sender.partition('@')[0]}"
    if "X-Failed-Recipients" in headers:
        return "X-Failed-Recipients present"
    if headers.get("Return-Path", "").replace(" ", "") == "<>" and parsed.bounce is not None:
        return "null Return-Path with a delivery failure report"
    if parsed.bounce is not None and parsed.bounce.recognised_by:
        return parsed.bounce.recognised_by  # no standard marks it: structure and wording do
    return ""


def _auto_reply_reason(parsed: ParsedMail) -> str:
    headers = parsed.headers_of_interest
    auto_submitted = headers.get("Auto-Submitted", "").partition(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if name in headers:
            return f"{name} present"
    suppress = headers.get("X-Auto-Response-Suppress", "").strip()
    if suppress and suppress.lower() != "none":
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = headers.get("Precedence", "").strip().lower()
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    # Old vacation programs mark their answers only as bulk/junk; the subject tells them apart.
    if precedence in ("bulk", "junk", "list") and _AUTO_REPLY_SUBJECT.match(parsed.subject):
        return f"Precedence: {precedence} with an auto-reply subject"
    content_type, parameters = parse_parameters(headers.get("Content-Type", ""))
    if content_type == "multipart/report" and (
        parameter_text(parameters, "report-type").lower() == "disposition-notification"
    ):
        return "read receipt (multipart/report disposition-notification)"
    return ""


def _bulk_reason(parsed: ParsedMail) -> str:
    headers = parsed.headers_of_interest
    precedence = headers.get("Precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if name in headers:
            return f"{name} present"
    return ""


def _feedback_reason(parsed: ParsedMail) -> str:
    # Before bounces: feedback loops often write from postmaster or a null sender.
    if parsed.feedback is None:
        return ""
    return f"feedback report ({parsed.feedback.feedback_type})"


def classify(parsed: ParsedMail) -> Classification:
    """Feedback report, bounce, auto-reply, then bulk; otherwise a reply if it refers to one
    of our mails or tickets, else a new inquiry."""
    for kind, reason_of in (
        (FEEDBACK, _feedback_reason),
        (BOUNCE, _bounce_reason),
        (AUTO_REPLY, _auto_reply_reason),
        (BULK, _bulk_reason),
    ):
        reason = reason_of(parsed)
        if reason:
            return Classification(kind, reason)
    if not parsed.sender:
        # Nobody could read our answer: keep the mail for an operator, open nothing.
        return Classification(INVALID, NO_SENDER)
    if parsed.our_message_ids:
        header = "In-Reply-To" if parsed.in_reply_to in parsed.our_message_ids else "References"
        return Classification(REPLY, f"{header} refers to our mail {parsed.our_message_ids[0]}")
    if parsed.ticket_reference:
        return Classification(REPLY, f"subject tag [{parsed.ticket_reference}]")
    return Classification(INQUIRY, "new conversation")
