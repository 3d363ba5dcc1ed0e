"""Benchmark backup and restore on PostgreSQL (SLA 5(f): restore within 6 hours; our goal is
a restore in at most 5 minutes on a 2-core machine).

    python benchmarks/bench_backup.py [--tickets 200000] [--attachments 2000] [--keep]

Creates the database ``helpdesk_bench_backup`` (``DATABASE_URL`` names the server), migrates
it, and fills it with bulk SQL (``generate_series``, not the demo seeder): 500 organizations,
20,000 contacts, the tickets, three messages each (about 600,000 for 200,000 tickets, with
Japanese bodies of a few hundred characters) and attachment files of 20 KB. Filling is not
timed. Then it times ``manage.py backup``, ``manage.py restore --verify`` (the drill into a
scratch database) and ``manage.py restore`` into a second, empty database, and prints sizes
and times. The databases are dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "helpdesk_bench_backup"
RESTORED = "helpdesk_bench_backup_restored"
GOAL_SECONDS = 5 * 60
SLA_SECONDS = 6 * 3600

FILL_SQL = """
INSERT INTO tickets_organization (name, monthly_fee, created_at)
SELECT '株式会社ベンチ' || n, 50000 + (n % 20) * 10000, now() FROM generate_series(1, 500) n;

INSERT INTO tickets_contact (email, name, phone, email_undeliverable, created_at, organization_id)
SELECT 'user' || n || '@customer' || (n % 500) || '.example.jp', '顧客 ' || n, '03-0000-0000',
       false, now(), (SELECT min(id) FROM tickets_organization) + n % 500
FROM generate_series(1, 20000) n;

INSERT INTO tickets_ticket (
    number, reference, subject, status, priority, category, channel, queue, received_at,
    created_at, updated_at, next_response_pause_offset, paused_business_seconds,
    business_seconds_consumed, sla_state, escalation_level, requester_id,
    acknowledgement_pending, language, first_response_due, resolution_due)
SELECT n, 'NP-' || lpad(n::text, 6, '0'), 'ログインできません（' || n || '）',
       (ARRAY['new','open','pending_customer','resolved','closed'])[1 + n % 5],
       (ARRAY['urgent','high','normal','low'])[1 + n % 4], 'account',
       (ARRAY['mail','web'])[1 + n % 2], '',
       now() - (n || ' minutes')::interval, now(), now(), 0, 0, 0, 'ok', 0,
       (SELECT min(id) FROM tickets_contact) + n % 20000, false, 'ja',
       now() + interval '1 day', now() + interval '5 days'
FROM generate_series(1, %(tickets)s) n;

INSERT INTO tickets_referencecounter (name, last_value) VALUES ('ticket', %(tickets)s)
ON CONFLICT (name) DO UPDATE SET last_value = EXCLUDED.last_value;

INSERT INTO tickets_message (
    kind, is_automatic, channel, subject, body_text, body_html, message_id, in_reply_to,
    "references", recipient, cc_addresses, delivery_status, delivery_error, created_at,
    author_contact_id, ticket_id)
SELECT (ARRAY['inbound','outbound','inbound'])[m], false, t.channel, t.subject,
       repeat('お世話になっております。ログインできない件について、画面の表示と操作の手順を'
              || 'ご確認ください。No.' || t.id || '-' || m || ' ', 4),
       '', '<' || t.id || '.' || m || '@bench.example.jp>', '', '', '', '',
       '', '', t.received_at + (m || ' hours')::interval, t.requester_id, t.id
FROM tickets_ticket t CROSS JOIN generate_series(1, 3) m;
"""


def _scalar(connection: psycopg.Connection, sql: str) -> int:
    """The single number a query answers."""
    row = connection.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(base: str) -> psycopg.Connection:
    return psycopg.connect(_database_url(base, "postgres"), autocommit=True)


def _recreate(base: str, name: str) -> None:
    with _admin(base) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")


def _manage(environment: dict[str, str], *arguments: str) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{completed.stderr}")
    return seconds, completed.stdout.strip()


def _fill(url: str, *, tickets: int, attachments: int, media_root: Path) -> None:
    with psycopg.connect(url) as connection:
        connection.execute(FILL_SQL.replace("%(tickets)s", str(int(tickets))))
        message_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM tickets_message WHERE kind = 'inbound' ORDER BY random() LIMIT %s",
                [attachments],
            )
        ]
        randomness = random.Random(20261203)
        rows = []
        for message_id in message_ids:
            content = randomness.randbytes(20_000)
            digest = hashlib.sha256(content).hexdigest()
            path = media_root / "attachments" / digest[:2] / digest
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            name = f"attachments/{digest[:2]}/{digest}"
            rows.append(("画面.png", "image/png", len(content), digest, name, message_id))
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO tickets_attachment "
                "(filename, content_type, size, sha256, file, message_id) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
        connection.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--attachments", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-backup-"))
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": _database_url(base, DATABASE),
        "MEDIA_ROOT": str(work / "media"),
        "BACKUP_DIR": str(work / "backups"),
        "BACKUP_VERIFY_DATABASE": f"{DATABASE}_verify",
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
    }
    try:
        _recreate(base, DATABASE)
        _manage(environment, "migrate", "--noinput", "-v0")
        started = time.perf_counter()
        _fill(
            _database_url(base, DATABASE),
            tickets=options.tickets,
            attachments=options.attachments,
            media_root=work / "media",
        )
        fill_seconds = time.perf_counter() - started
        with psycopg.connect(_database_url(base, DATABASE)) as connection:
            counts = {
                table: _scalar(connection, f"SELECT count(*) FROM {table}")
                for table in ("tickets_ticket", "tickets_message", "tickets_attachment")
            }
            database_bytes = _scalar(connection, "SELECT pg_database_size(current_database())")

        backup_seconds, backup_output = _manage(environment, "backup")
        backup_path = Path(backup_output.splitlines()[0])
        dump_bytes = (backup_path / "database.pgdump").stat().st_size
        files_bytes = (backup_path / "files.tar.gz").stat().st_size
        verify_seconds, _output = _manage(environment, "restore", "--verify", str(backup_path))

        _recreate(base, RESTORED)
        restore_environment = {
            **environment,
            "DATABASE_URL": _database_url(base, RESTORED),
            "MEDIA_ROOT": str(work / "restored-media"),
        }
        restore_seconds, _output = _manage(restore_environment, "restore", str(backup_path))
    finally:
        if not options.keep:
            with _admin(base) as admin:
                for name in (DATABASE, RESTORED, f"{DATABASE}_verify"):
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            shutil.rmtree(work, ignore_errors=True)

    mib = 1024 * 1024
    print(
        f"# Backup and restore on PostgreSQL ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs)"
    )
    print(
        f"data: {counts['tickets_ticket']:,} tickets, {counts['tickets_message']:,} messages, "
        f"{counts['tickets_attachment']:,} attachments; database {database_bytes / mib:,.0f} MiB "
        f"(filled in {fill_seconds:.0f} s, not timed)"
    )
    print(
        f"backup:           {backup_seconds:7.1f} s  (dump {dump_bytes / mib:,.1f} MiB, "
        f"files {files_bytes / mib:,.1f} MiB)"
    )
    print(f"restore --verify: {verify_seconds:7.1f} s  (scratch database, counts and digests)")
    print(
        f"restore:          {restore_seconds:7.1f} s  (goal {GOAL_SECONDS} s; SLA {SLA_SECONDS} s)"
    )
    print("restore within goal: " + ("yes" if restore_seconds <= GOAL_SECONDS else "NO"))


if __name__ == "__main__":
    main()
