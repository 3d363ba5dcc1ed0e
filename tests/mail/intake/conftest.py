"""Helpers for the mail intake tests: real mails as bytes, and a running gateway."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from django.utils import timezone

from helpdesk.mail.gateway import build_controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for a TLS server on loopback (openssl is in the image)."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key


def japanese_mail(
    *,
    sender: str = "yamada@customer.example.jp",
    sender_name: str = "山田 太郎",
    to: str = "support@helpdesk.example.jp",
    subject: str = "ログインできません",
    body: str = "パスワードを入れてもログインできません。㈱テストの山田です。",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    cc: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A mail as a Japanese client sends it: UTF-8 bodies, encoded-word headers."""
    message = EmailMessage()
    message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="customer.example.jp")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def gateway(transactional_db) -> Iterator[tuple[str, int]]:
    """A real SMTP gateway on a loopback port, storing into the test database."""
    port = free_port()
    controller = build_controller(
        host="127.0.0.1",
        port=port,
        accepted_recipients=["support@helpdesk.example.jp", "@intake.example.jp"],
        max_bytes=200_000,
    )
    controller.start()
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()
