"""Backup and restore (SLA 5(f)): round trips on PostgreSQL and SQLite, the restore drill,
a backup taken while mail arrives, and corrupted backups refused."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from helpdesk.core.backup import backup_create, backups_list
from helpdesk.core.backup_format import checksums_write
from helpdesk.core.restore import RestoreRefused, backup_restore, backup_verify
from helpdesk.core.tasks import backup_task
from helpdesk.tickets.models import Attachment, Contact, Message, Organization, Ticket
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_open
from tests.conftest import service_missing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_and_media(settings, tmp_path):
    if connection.vendor != "postgresql":
        service_missing("these backup tests need PostgreSQL (the SQLite one runs its own)")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = str(tmp_path / "backups")
    # Scratch databases of this checkout's suite: <test database>_verify.
    settings.BACKUP_VERIFY_DATABASE = f"{connection.settings_dict['NAME']}_verify"


def populate(count: int = 5) -> None:
    for number in range(count):
        ticket = ticket_open(
            channel="mail",
            requester_email=f"user{number}@customer.example.jp",
            organization_name="株式会社テスト",
            subject=f"問い合わせ {number}",
            body_text="本文①㈱",
            attachments=[AttachmentInput(f"画面{number}.png", "image/png", bytes([number]) * 2000)],
            acknowledge=False,
        )
        ticket_customer_reply(ticket=ticket, body_text="追記です。")


def everything() -> dict[str, list]:
    """Every ticket, message and attachment as the user would see them, plus file bytes."""
    attachments = []
    for attachment in Attachment.objects.order_by("pk"):
        with attachment.file.open("rb") as handle:
            attachments.append(
                (attachment.pk, attachment.filename, attachment.sha256, handle.read())
            )
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values()),
        "attachments": attachments,
        "contacts": list(Contact.objects.order_by("pk").values()),
    }


def wipe(media_root: str) -> None:
    Ticket.objects.all().delete()
    Contact.objects.all().delete()
    Organization.objects.all().delete()
    for path in sorted(Path(media_root).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def test_restore_drill_brings_back_every_ticket_message_and_attachment(settings):
    populate()
    before = everything()
    result = backup_create()
    assert (result.path / "SHA256SUMS").is_file()
    assert result.file_count == 5

    with pytest.raises(RestoreRefused, match="not empty"):
        backup_restore(path=result.path)

    wipe(settings.MEDIA_ROOT)
    assert Ticket.objects.count() == 0
    restored = backup_restore(path=result.path)
    assert restored.ok, restored.problems
    assert everything() == before


def test_restore_with_force_overwrites_changes_made_after_the_backup(settings):
    populate(2)
    before = everything()
    path = backup_create().path
    Ticket.objects.update(subject="changed")
    out = io.StringIO()
    call_command("restore", str(path), "--force", stdout=out)
    assert "restored" in out.getvalue()
    assert everything() == before


def test_verify_restores_into_a_scratch_database_and_leaves_the_site_alone():
    populate(3)
    path = backup_create().path
    Ticket.objects.filter(subject="問い合わせ 0").update(subject="after the backup")
    out = io.StringIO()
    call_command("restore", "--verify", str(path), stdout=out)
    assert "verified" in out.getvalue()
    assert Ticket.objects.filter(subject="after the backup").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname LIKE %s", ["%_verify"])
        assert cursor.fetchone() is None  # the scratch database is dropped again


def test_a_corrupted_database_dump_is_refused_with_a_clear_message():
    populate(1)
    path = backup_create().path
    dump = path / "database.pgdump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    for arguments in ([str(path), "--force"], ["--verify", str(path)]):
        with pytest.raises(CommandError, match=r"database\.pgdump is corrupted"):
            call_command("restore", *arguments)
    assert Ticket.objects.count() == 1  # nothing was touched


def test_an_incomplete_backup_is_refused(tmp_path):
    populate(1)
    path = backup_create().path
    (path / "files.tar.gz").unlink()
    with pytest.raises(CommandError, match=r"files\.tar\.gz is missing"):
        call_command("restore", "--verify", str(path))
    with pytest.raises(CommandError, match="no SHA256SUMS"):
        call_command("restore", "--verify", str(tmp_path))


def test_a_backup_taken_while_mail_arrives_restores_to_a_consistent_point():
    populate(2)
    stop = threading.Event()
    arrived = []

    def mail_keeps_arriving() -> None:
        number = 0
        while not stop.is_set():
            # One transaction per ticket and its two messages (regression: they were two, so a
            # snapshot between them rightly held a ticket with one message, failing the test).
            with transaction.atomic():
                ticket = ticket_open(
                    channel="mail",
                    requester_email=f"late{number}@customer.example.jp",
                    subject=f"late {number}",
                    body_text="到着中",
                    acknowledge=False,
                )
                ticket_customer_reply(ticket=ticket, body_text="追記")
            arrived.append(ticket.pk)
            number += 1
        connection.close()

    writer = threading.Thread(target=mail_keeps_arriving)
    writer.start()
    try:
        path = backup_create().path
    finally:
        stop.set()
        writer.join()
    manifest = json.loads((path / "manifest.json").read_text())
    tickets = manifest["tables"]["tickets_ticket"]["count"]
    # Each ticket arrives with its two messages in one transaction: never half of one.
    assert manifest["tables"]["tickets_message"]["count"] == 2 * tickets
    assert 2 <= tickets <= 2 + len(arrived)
    assert backup_verify(path=path).ok


def test_the_daily_task_keeps_only_the_newest_backups(settings):
    settings.BACKUP_KEEP = 2
    populate(1)
    for _run in range(3):
        backup_task()
    backups = backups_list(Path(settings.BACKUP_DIR))
    assert len(backups) == 2
    assert settings.CELERY_BEAT_SCHEDULE["daily-backup"]["task"] == backup_task.name


def test_a_backup_of_another_database_engine_is_refused():
    populate(1)
    path = backup_create().path
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["vendor"] = "sqlite"
    (path / "manifest.json").write_text(json.dumps(manifest))
    checksums_write(path, ["database.pgdump", "files.tar.gz", "manifest.json"])
    with pytest.raises(CommandError, match="the backup is of sqlite, this site runs postgresql"):
        call_command("restore", str(path), "--force")
