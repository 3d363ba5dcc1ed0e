"""Store first, everywhere (issue 9): whatever a body holds, once it is stored it ends
processed or quarantined; an entry point refuses only what it cannot store."""

from __future__ import annotations

import io
import sys
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client

from helpdesk.mail import services
from helpdesk.mail.models import InboundMail
from helpdesk.mail.services import mail_process
from helpdesk.mail.storage import mail_gateway_token_create, mail_store
from helpdesk.tickets.models import Ticket
from tests.faults.poison import nested_html_mail, nested_mime_mail
from tests.mail.intake.conftest import japanese_mail

pytestmark = pytest.mark.django_db


def post(raw: bytes, token: str, **extra) -> object:
    return Client().post(
        "/api/v1/intake/mail",
        data=raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {token}"},
        **extra,
    )


def test_http_intake_stores_anything_and_processing_quarantines_what_is_not_a_mail():
    # Regression: the endpoint parsed before storing and answered 400 "not a mail".
    token = mail_gateway_token_create(name="edge")
    response = post(b"\x00\x01garbage", token)
    assert response.status_code == 202
    inbound = InboundMail.objects.get(pk=response.json()["inbound"])
    mail_process(inbound_pk=inbound.pk)
    inbound.refresh_from_db()
    assert inbound.status == "quarantined"
    assert inbound.reason.startswith("not a mail")
    assert bytes(inbound.raw) == b"\x00\x01garbage"


def test_http_intake_deep_mime_is_stored_and_quarantined_not_refused():
    # Regression: MIME nested 1,000 levels raised RecursionError in the standard parser; the
    # endpoint answered 400 and the mail was neither stored nor quarantined.
    token = mail_gateway_token_create(name="edge")
    response = post(nested_mime_mail(1000), token)
    assert response.status_code == 202
    result = mail_process(inbound_pk=response.json()["inbound"])
    assert result.inbound.status == "quarantined"
    assert "multipart boundaries" in result.inbound.reason


def test_http_intake_status_codes_for_what_cannot_be_stored():
    token = mail_gateway_token_create(name="edge")
    empty = post(b"", token)
    assert empty.status_code == 400
    assert empty.json()["error"] == "empty"
    no_length = post(japanese_mail(), token, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert no_length.status_code == 411
    assert InboundMail.objects.count() == 0


def test_http_intake_answers_503_with_retry_after_when_the_database_is_down(monkeypatch):
    token = mail_gateway_token_create(name="edge")

    def database_down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("helpdesk.api.apis.mail_store", database_down)
    response = post(japanese_mail(), token)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "server closed" not in response.content.decode()

    # Even the token check needs the database: still 503, never 500.
    monkeypatch.setattr("helpdesk.api.authentication.mail_gateway_token_check", database_down)
    assert post(japanese_mail(), token).status_code == 503


def test_pipe_stores_a_deep_mime_mail_and_reports_it_quarantined():
    out = io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(nested_mime_mail(1000)))
    try:
        call_command("ingest_email", "--json", stdout=out)
    finally:
        sys.stdin = stdin
    assert '"status": "quarantined"' in out.getvalue()


def test_a_different_mail_reusing_a_message_id_is_stored_and_processed_as_its_own():
    # Regression: the second mail was dropped as a duplicate without being stored.
    first = mail_store(
        raw=japanese_mail(message_id="<reused@example.jp>", subject="一通目"), source="pipe"
    )
    second = mail_store(
        raw=japanese_mail(message_id="<reused@example.jp>", subject="二通目"), source="pipe"
    )
    assert second.created and second.inbound.pk != first.inbound.pk
    mail_process(inbound_pk=first.inbound.pk)
    result = mail_process(inbound_pk=second.inbound.pk)
    assert result.action == "created"
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["一通目", "二通目"]


def test_a_mail_without_message_id_relayed_again_is_recognised_by_its_content():
    # Regression: one more Received: header made it a second ticket and acknowledgement.
    raw = b"".join(
        line for line in japanese_mail().splitlines(keepends=True) if b"Message-ID" not in line
    )
    relayed = (
        b"Received: from relay2.example.net by mx.helpdesk.example.jp; Thu, 3 Dec 2026\r\n"
        b"X-Spam-Score: 0.1\r\nDelivered-To: support@helpdesk.example.jp\r\n"
        + raw.replace(b"\r\n", b"\n")
    )
    first = mail_store(raw=raw, source="smtp")
    again = mail_store(raw=relayed, source="pipe")
    assert first.created and not again.created
    assert again.inbound.pk == first.inbound.pk


def test_a_mail_stored_under_the_old_message_id_key_is_still_a_duplicate():
    # Rows stored before this change are keyed by their Message-ID.
    raw = japanese_mail(message_id="<legacy@example.jp>")
    old = mail_store(raw=raw, source="smtp")
    InboundMail.objects.filter(pk=old.inbound.pk).update(dedupe_key="<legacy@example.jp>")
    mail_process(inbound_pk=old.inbound.pk)
    again = mail_store(raw=b"Received: by relay\r\n" + raw, source="imap")
    assert again.created  # a new key ...
    assert mail_process(inbound_pk=again.inbound.pk).action == "duplicate"  # ... same mail
    assert Ticket.objects.count() == 1


def test_nested_html_is_processed_within_seconds_not_minutes():
    # Regression: 770 KB of nested <div>s held a worker for 90 s.
    stored = mail_store(raw=nested_html_mail(70_000), source="smtp")
    started = time.monotonic()
    result = mail_process(inbound_pk=stored.inbound.pk)
    assert time.monotonic() - started < 10
    assert result.action == "created"


def test_attempts_are_counted_before_processing_and_end_in_quarantine(settings, monkeypatch):
    # Regression: a mail whose processing killed the worker was never counted, so every
    # stuck-mail sweep sent it back in, forever.
    settings.MAIL_PROCESS_MAX_ATTEMPTS = 3
    stored = mail_store(raw=japanese_mail(), source="smtp", enqueue=False)

    def killed(*args, **kwargs):
        raise SystemExit("the worker was killed")  # nothing after this line runs

    monkeypatch.setattr(services, "parse_contained", killed)
    for _ in range(3):
        with pytest.raises(SystemExit):
            mail_process(inbound_pk=stored.inbound.pk)
    inbound = InboundMail.objects.get()
    assert inbound.status == "received" and inbound.attempts == 3
    result = mail_process(inbound_pk=stored.inbound.pk)
    assert result.inbound.status == "quarantined"
    assert "did not finish in 3 attempts" in result.inbound.reason
