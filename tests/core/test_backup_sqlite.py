"""Backup and restore on SQLite (the development database): the online backup API, the
restore drill and a round trip, in a separate process with a database of its own (the suite's
own database is PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

ROUND_TRIP = r"""
import io, json, os, pathlib, shutil, sys
import django
django.setup()
from django.core.management import CommandError, call_command
from django.db import connections
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_open

def rows():
    return {
        "tickets": list(Ticket.objects.order_by("pk").values_list("reference", "subject")),
        "messages": list(Message.objects.order_by("pk").values_list("ticket_id", "body_text")),
        "files": [a.file.open("rb").read().decode() for a in Attachment.objects.order_by("pk")],
    }

report = {}
call_command("migrate", "--noinput", verbosity=0)
for number in range(3):
    ticket = ticket_open(channel="web", requester_email=f"s{number}@example.jp",
        subject=f"件名{number}", body_text="本文", acknowledge=False,
        attachments=[AttachmentInput("a.txt", "text/plain", b"x" * (number + 1))])
    ticket_customer_reply(ticket=ticket, body_text="追記")
report["before"] = rows()
call_command("backup", stdout=io.StringIO())
backup = next(pathlib.Path(os.environ["BACKUP_DIR"]).iterdir())
report["dump"] = sorted(path.name for path in backup.iterdir())
out = io.StringIO()
call_command("restore", "--verify", str(backup), stdout=out)
report["verify"] = out.getvalue()
try:
    call_command("restore", str(backup))
except CommandError as error:
    report["refused"] = str(error)
connections.close_all()
os.unlink(connections["default"].settings_dict["NAME"])
shutil.rmtree(os.environ["MEDIA_ROOT"])
call_command("migrate", "--noinput", verbosity=0)
report["after_wipe"] = rows()["tickets"]
call_command("restore", str(backup), stdout=io.StringIO())
report["after"] = rows()
print(json.dumps(report, ensure_ascii=False))
"""


def test_round_trip_on_sqlite_with_the_online_backup_api(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "HELPDESK_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    completed = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        env=environment,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["dump"] == ["SHA256SUMS", "database.sqlite3.gz", "files.tar.gz", "manifest.json"]
    assert report["verify"].startswith("verified")
    assert "not empty" in report["refused"]
    assert report["after_wipe"] == []
    assert report["before"]["files"] == ["x", "xx", "xxx"]
    assert report["after"] == report["before"]
