"""The gateway's log at start-up. Regression: every start logged "connection lost", because
aiosmtpd's controller connects to its own port to check the server answers, and logs that
probe like a client."""

from __future__ import annotations

import logging
import smtplib
import time

import pytest

from helpdesk.mail.gateway import build_controller
from tests.mail.intake.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def session_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "mail.log"]


def test_regression_the_gateway_logged_a_lost_connection_at_every_start(caplog):
    caplog.set_level(logging.INFO)
    port = free_port()
    controller = build_controller(
        host="127.0.0.1", port=port, accepted_recipients=["@helpdesk.example.jp"], max_bytes=1000
    )
    controller.start()
    try:
        time.sleep(0.3)  # the probe's "connection lost" is logged by the server thread, later
        assert not [line for line in session_lines(caplog) if "127.0.0.1" in line]

        # A real client's session is still logged from its first line to its last.
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.noop()
        time.sleep(0.3)
    finally:
        controller.stop()
    lines = session_lines(caplog)
    assert any(line.startswith("Peer: ('127.0.0.1'") for line in lines)
    assert any(line.endswith("connection lost") for line in lines)
