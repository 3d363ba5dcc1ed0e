"""SMTP clients that end lines with a bare LF: accepted, and stored as they were sent."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest

from helpdesk.mail.gateway import build_controller
from helpdesk.mail.models import InboundMail
from helpdesk.mail.parse import parse_mail
from tests.mail.fixtures import text_mail


@pytest.fixture
def gateway(transactional_db) -> Iterator[tuple[str, int]]:
    """The SMTP gateway on a free loopback port, storing into the test database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = build_controller(
        host="127.0.0.1", port=port, accepted_recipients=["@helpdesk.example.jp"], max_bytes=200_000
    )
    controller.start()
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()


def _bare_lf_mail() -> bytes:
    body = "\n".join(f"{index}行目: ログインできません。" for index in range(80))
    raw = text_mail(body.encode(), message_id="<bare-lf@customer.example.jp>")
    raw = raw.replace(b"\r\n", b"\n")
    return raw + b"\n.a line that starts with a dot\n"


def test_regression_bare_lf_mail_is_stored_as_sent_not_refused_as_line_too_long(gateway):
    host, port = gateway
    raw = _bare_lf_mail()
    assert len(raw) > 1001 and b"\r" not in raw  # once read as a single overlong line
    with smtplib.SMTP(host, port, timeout=10) as client:
        refused = client.sendmail("a@customer.example.jp", ["support@helpdesk.example.jp"], raw)
    assert refused == {}
    stored = bytes(InboundMail.objects.get().raw)
    # smtplib ends the data with CRLF before the final dot; every other byte is the client's.
    assert stored == raw + b"\r\n"
    parsed = parse_mail(stored)
    assert parsed.message_id == "<bare-lf@customer.example.jp>"
    assert "79行目: ログインできません。" in parsed.text
    assert parsed.text.endswith(".a line that starts with a dot")


def _session(host: str, port: int, lines: list[bytes]) -> list[bytes]:
    with socket.create_connection((host, port), timeout=10) as connection:
        reader = connection.makefile("rb")
        replies = [reader.readline()]
        for line in lines:
            connection.sendall(line)
            reply = reader.readline()
            while reply[3:4] == b"-":  # multi-line EHLO answer
                reply = reader.readline()
            replies.append(reply)
        return replies


def test_a_session_written_entirely_with_bare_lf_ends_data_at_dot_lf(gateway):
    host, port = gateway
    replies = _session(
        host,
        port,
        [
            b"EHLO client.example\n",
            b"MAIL FROM:<a@customer.example.jp>\n",
            b"RCPT TO:<support@helpdesk.example.jp>\n",
            b"DATA\n",
            _bare_lf_mail().replace(b"\n.", b"\n..") + b".\n",  # dot-stuffed, as RFC 5321 asks
            b"QUIT\n",
        ],
    )
    assert [reply[:3] for reply in replies] == [
        b"220",
        b"250",
        b"250",
        b"250",
        b"354",
        b"250",
        b"221",
    ]
    assert bytes(InboundMail.objects.get().raw) == _bare_lf_mail()


def test_a_line_over_the_rfc_limit_is_still_refused_and_the_session_goes_on(gateway):
    host, port = gateway
    long_line = b"X-Long: " + b"a" * 3000 + b"\r\n"
    replies = _session(
        host,
        port,
        [
            b"EHLO client.example\r\n",
            b"MAIL FROM:<a@customer.example.jp>\r\n",
            b"RCPT TO:<support@helpdesk.example.jp>\r\n",
            b"DATA\r\n",
            long_line + b"Subject: x\r\n\r\nbody\r\n.\r\n",
            b"NOOP\r\n",
        ],
    )
    assert replies[5][:3] == b"500"
    assert replies[6][:3] == b"250"
    assert InboundMail.objects.count() == 0
