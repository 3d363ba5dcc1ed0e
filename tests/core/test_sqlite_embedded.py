"""The embedded SQLite default, shared by web, worker, beat and gateway processes.

Regression: an acknowledgement task failed with "database is locked" because two processes
each read, then tried to write, in deferred transactions: SQLite refuses one of them at once,
whatever the busy timeout. Write transactions now start IMMEDIATE, in WAL mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

WRITER = textwrap.dedent(
    """
    import sys, time, django
    django.setup()
    from django.db import connection, transaction
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        print(cursor.fetchone()[0], flush=True)
        cursor.execute("CREATE TABLE IF NOT EXISTS counter (n INTEGER)")
    for _ in range(15):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM counter")  # read first ...
                time.sleep(0.01)
                cursor.execute("INSERT INTO counter VALUES (1)")  # ... then write
    print("done", flush=True)
    """
)


def test_two_processes_reading_then_writing_never_see_database_is_locked(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HELPDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    # Create the file and the table before the race starts.
    setup = subprocess.run(
        [sys.executable, "-c", WRITER.replace("range(15)", "range(0)")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert setup.returncode == 0, setup.stderr
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [writer.communicate(timeout=60) for writer in writers]
    for writer, (out, error) in zip(writers, results, strict=True):
        assert writer.returncode == 0, error
        assert out.split() == ["wal", "done"]
