"""Backup and restore on SQLite (the development database): the online backup API, a
restore drill and a round trip, in separate processes on a database of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

SQLITE_SCRIPT = """
import json, sys
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_open
if sys.argv[-1] == "populate":
    for number in range(3):
        ticket = ticket_open(channel="web", requester_email=f"s{number}@example.jp",
            subject=f"件名{number}", body_text="本文", acknowledge=False,
            attachments=[AttachmentInput("a.txt", "text/plain", b"x" * (number + 1))])
        ticket_customer_reply(ticket=ticket, body_text="追記")
rows = {
    "tickets": list(Ticket.objects.order_by("pk").values_list("reference", "subject", "status")),
    "messages": list(Message.objects.order_by("pk").values_list("ticket_id", "body_text")),
    "files": [a.file.open("rb").read().decode() for a in Attachment.objects.order_by("pk")],
}
print(json.dumps(rows, ensure_ascii=False))
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
    }

    def manage(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *arguments],
            env=environment,
            capture_output=True,
            text=True,
            check=check,
            cwd=ROOT,
        )

    script = tmp_path / "script.py"
    script.write_text(SQLITE_SCRIPT)

    def rows(*extra: str) -> str:
        command = f"import sys; sys.argv += {list(extra)!r}; exec(open({str(script)!r}).read())"
        # The last line: `shell` may print a note about its automatic imports first.
        return manage("shell", "--no-imports", "-c", command).stdout.strip().splitlines()[-1]

    manage("migrate", "--noinput")
    assert json.loads(rows())["tickets"] == []
    rows("populate")
    before = rows()
    assert json.loads(before)["files"] == ["x", "xx", "xxx"]

    manage("backup")
    (backup,) = list((tmp_path / "backups").iterdir())
    assert (backup / "database.sqlite3.gz").is_file()
    assert "verified" in manage("restore", "--verify", str(backup)).stdout

    refused = manage("restore", str(backup), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr

    (tmp_path / "site.sqlite3").unlink()
    for path in sorted((tmp_path / "media").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    manage("migrate", "--noinput")
    assert "restored" in manage("restore", str(backup)).stdout
    assert rows() == before
