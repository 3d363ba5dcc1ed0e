"""Abuse and feedback reports as providers send them (ARF, DMARC failure and aggregate
reports, feedback loops forwarding our mail), and a customer's forward that is none."""

from __future__ import annotations

from .fixtures import (
    CRLF,
    OUR_DOMAIN,
    Header,
    attachment_part,
    b_word,
    entity,
    multipart,
    plain_part,
)

COMPLAINER = "complainer@customer.example"


def our_mail(message_id: str = f"<ack.77@{OUR_DOMAIN}>", to: str = COMPLAINER) -> bytes:
    return entity(
        [
            ("From", f"support@{OUR_DOMAIN}"),
            ("To", to),
            ("Subject", b_word("[NP-000077] お問い合わせを受け付けました".encode())),
            ("Message-ID", message_id),
            ("Content-Type", "text/plain; charset=UTF-8"),
        ],
        "受付番号 NP-000077".encode() + CRLF,
    )


def _report(
    parts: list[bytes], *, sender: str, subject: str, report_type: str, extra: list[Header] = ()
) -> bytes:
    headers: list[Header] = [
        ("From", sender),
        ("To", f"abuse@{OUR_DOMAIN}"),
        ("Subject", subject),
        ("Date", "Wed, 01 Apr 2026 10:00:00 +0900"),
        ("Message-ID", f"<report.{abs(hash((sender, subject))) % 10**8}@reporter.example>"),
        ("MIME-Version", "1.0"),
        *extra,
        ("Content-Type", f'multipart/report; report-type={report_type}; boundary="arf"'),
    ]
    return entity(headers, multipart("arf", parts))


def arf_abuse_report() -> bytes:
    fields = (
        b"Feedback-Type: abuse\r\nUser-Agent: ExampleFBL/1.0\r\nVersion: 1\r\n"
        b"Original-Mail-From: <support@" + OUR_DOMAIN.encode() + b">\r\n"
        b"Original-Rcpt-To: <" + COMPLAINER.encode() + b">\r\n"
        b"Arrival-Date: Wed, 01 Apr 2026 09:58:00 +0900\r\nSource-IP: 192.0.2.25\r\n"
        b"Reported-Domain: " + OUR_DOMAIN.encode() + b"\r\n"
    )
    return _report(
        [
            plain_part(b"This is an email abuse report for an email message received.", "us-ascii"),
            entity([("Content-Type", "message/feedback-report")], fields),
            entity([("Content-Type", "message/rfc822")], our_mail()),
        ],
        sender="Mail Abuse Desk <feedback@arf.mailbox.example>",
        subject="FW: [NP-000077] complaint",
        report_type="feedback-report",
    )


def dmarc_failure_report() -> bytes:
    fields = (
        b"Feedback-Type: auth-failure\r\nUser-Agent: dmarc-reporter/2.1\r\nVersion: 1\r\n"
        b"Original-Mail-From: <billing@" + OUR_DOMAIN.encode() + b">\r\n"
        b"Arrival-Date: Wed, 01 Apr 2026 09:00:00 +0900\r\nSource-IP: 203.0.113.9\r\n"
        b"Reported-Domain: " + OUR_DOMAIN.encode() + b"\r\nAuth-Failure: dmarc\r\n"
        b"Authentication-Results: mx.example; dmarc=fail header.from="
        + OUR_DOMAIN.encode()
        + b"\r\n"
    )
    spoofed = (
        f"From: billing@{OUR_DOMAIN}\r\nTo: victim@customer.example\r\n"
        "Subject: Invoice overdue\r\nMessage-ID: <spoof.1@bad.example>\r\n"
    ).encode()
    return _report(
        [
            plain_part(b"A message claiming to be from you failed DMARC.", "us-ascii"),
            entity([("Content-Type", "message/feedback-report")], fields),
            entity([("Content-Type", "text/rfc822-headers")], spoofed),
        ],
        sender="dmarc-noreply@receiver.example",
        subject=f"DMARC Failure Report for {OUR_DOMAIN}",
        report_type="feedback-report",
    )


def dmarc_aggregate_report() -> bytes:
    zipped = b"PK\x03\x04" + bytes(60)
    name = f"receiver.example!{OUR_DOMAIN}!1775000000!1775086399.zip"
    headers = [
        ("From", "noreply-dmarc-support@receiver.example"),
        ("To", f"dmarc@{OUR_DOMAIN}"),
        ("Subject", f"Report domain: {OUR_DOMAIN} Submitter: receiver.example Report-ID: 1234"),
        ("Message-ID", "<dmarc.agg.1@receiver.example>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="agg"'),
    ]
    parts = [
        plain_part(b"This is an aggregate report from receiver.example.", "us-ascii"),
        attachment_part(
            zipped, f'application/zip; name="{name}"', f'attachment; filename="{name}"'
        ),
    ]
    return entity(headers, multipart("agg", parts))


def isp_feedback_loop_forward() -> bytes:
    # A Japanese provider's loop: a short note and our mail attached, from its abuse desk.
    headers = [
        ("From", "abuse@isp.example.ne.jp"),
        ("To", f"support@{OUR_DOMAIN}"),
        ("Subject", b_word("迷惑メール報告".encode())),
        ("Message-ID", "<fbl.1@isp.example.ne.jp>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="fbl"'),
    ]
    parts = [
        plain_part("お客様から迷惑メールとして申告がありました。".encode()),
        entity([("Content-Type", "message/rfc822")], our_mail(message_id=f"<ack.78@{OUR_DOMAIN}>")),
    ]
    return entity(headers, multipart("fbl", parts))


def customer_forwards_our_mail() -> bytes:
    # Not a report: a person forwards our acknowledgement and asks about it.
    headers = [
        ("From", f"Customer <{COMPLAINER}>"),
        ("To", f"support@{OUR_DOMAIN}"),
        ("Subject", b_word("Fwd: [NP-000077] お問い合わせを受け付けました".encode())),
        ("Message-ID", "<fwd.1@customer.example>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="fwd"'),
    ]
    parts = [
        plain_part("このメールの件、まだ回答がありません。".encode()),
        entity([("Content-Type", "message/rfc822")], our_mail()),
    ]
    return entity(headers, multipart("fwd", parts))


REPORT_FIXTURES = {
    "arf_abuse": arf_abuse_report,
    "dmarc_failure": dmarc_failure_report,
    "dmarc_aggregate": dmarc_aggregate_report,
    "isp_feedback_loop": isp_feedback_loop_forward,
}
NOT_REPORT_FIXTURES = {"customer_forward": customer_forwards_our_mail}
