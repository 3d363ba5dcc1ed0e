"""The four entry points all store through one service; the same mail is one Message."""

import io
import json
import smtplib
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from helpdesk.mail.models import InboundMail
from helpdesk.mail.services import mail_process
from helpdesk.mail.storage import mail_gateway_token_create
from helpdesk.tickets.models import Message, Ticket
from tests.conftest import ROOT, database_url_for_subprocess
from tests.mail.intake.conftest import japanese_mail


def pipe(raw: bytes, *arguments: str) -> str:
    out = io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw))
    try:
        call_command("ingest_email", *arguments, stdout=out)
    finally:
        sys.stdin = stdin
    return out.getvalue()


def post(raw: bytes, token: str, **headers) -> object:
    return Client().post(
        "/api/v1/intake/mail",
        data=raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_the_same_mail_by_smtp_pipe_and_http_becomes_one_message(gateway):
    raw = japanese_mail(message_id="<three-ways@customer.example.jp>")
    host, port = gateway
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.sendmail("yamada@customer.example.jp", ["support@helpdesk.example.jp"], raw)
    token = mail_gateway_token_create(name="edge")
    assert post(raw, token).status_code == 202
    result = json.loads(pipe(raw, "--json"))

    assert result["action"] == "duplicate"
    inbound = InboundMail.objects.get()
    mail_process(inbound_pk=inbound.pk)
    mail_process(inbound_pk=inbound.pk)
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(message_id="<three-ways@customer.example.jp>").count() == 1


@pytest.mark.django_db
def test_pipe_with_json_stores_processes_and_reports_the_ticket():
    result = json.loads(pipe(japanese_mail(subject="請求書の再発行"), "--json"))
    ticket = Ticket.objects.get()
    assert result == {
        "inbound": InboundMail.objects.get().pk,
        "status": "processed",
        "action": "created",
        "ticket": ticket.reference,
    }
    assert ticket.subject == "請求書の再発行"
    assert ticket.channel == "mail"
    assert ticket.requester.name == "山田 太郎"


def run_ingest(raw: bytes, *arguments: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "ingest_email", *arguments],
        input=raw,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        env={**__import__("os").environ, "DATABASE_URL": database_url},
    )


@pytest.mark.django_db(transaction=True)
def test_pipe_exit_codes_tell_the_mta_what_to_do():
    database_url = database_url_for_subprocess()
    stored = run_ingest(japanese_mail(), database_url=database_url)
    assert stored.returncode == 0, stored.stderr
    assert InboundMail.objects.count() == 1

    # Stored first, quarantined by processing: never bounced unread (issue 9).
    not_a_mail = run_ingest(b"\x00\x01\x02 binary garbage", database_url=database_url)
    assert not_a_mail.returncode == 0, not_a_mail.stderr
    assert InboundMail.objects.count() == 2

    empty = run_ingest(b"\n\n", database_url=database_url)
    assert empty.returncode == 65
    assert b"empty" in empty.stderr

    # Nothing listens on port 1: the database is "down", so the MTA must keep the mail.
    down = run_ingest(japanese_mail(), database_url="postgres://nobody@127.0.0.1:1/none")
    assert down.returncode == 75, down.stderr
    assert b"temporary failure" in down.stderr


def test_dry_run_reads_files_and_reports_each_in_order(tmp_path):
    good = tmp_path / "good.eml"
    good.write_bytes(japanese_mail(subject="見積書の件"))
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"\xff\xfe\x00garbage")
    missing = tmp_path / "missing.eml"
    out = io.StringIO()
    call_command(
        "ingest_email", "--dry-run", "--json", str(good), str(missing), str(broken), stdout=out
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["file"] for line in lines] == [str(good), str(missing), str(broken)]
    assert lines[0]["kind"] == "inquiry"
    assert lines[0]["subject"] == "見積書の件"
    assert lines[0]["sender"] == "yamada@customer.example.jp"
    assert lines[1]["kind"] == "invalid" and "cannot read" in lines[1]["reason"]
    assert lines[2]["kind"] == "invalid"


@pytest.mark.django_db
def test_http_intake_checks_the_token_size_and_content():
    token = mail_gateway_token_create(name="edge")
    raw = japanese_mail()
    assert post(raw, "wrong-token").status_code == 401
    assert (
        Client().post("/api/v1/intake/mail", data=raw, content_type="message/rfc822").status_code
        == 401
    )
    accepted = post(raw, token)
    assert accepted.status_code == 202
    assert accepted.json()["inbound"] == InboundMail.objects.get().pk
    assert InboundMail.objects.get().source == "http"


@pytest.mark.django_db
def test_http_intake_refuses_a_mail_over_the_limit_with_413(settings):
    settings.MAIL_MAX_BYTES = 1000
    token = mail_gateway_token_create(name="edge")
    response = post(japanese_mail(body="あ" * 2000), token)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert InboundMail.objects.count() == 0
