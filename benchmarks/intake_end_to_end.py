"""End-to-end intake throughput: SMTP DATA to committed ticket, with the real gateway, a real
Celery worker, PostgreSQL and Redis. Used by bench_intake.py; needs both services.

It creates its own database (``helpdesk_bench``) and Redis database (13), so it never touches
a developer's data, and drops them at the end.
"""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "helpdesk_bench"


def generated_mails(count: int) -> list[bytes]:
    mails = []
    for number in range(count):
        message = EmailMessage()
        message["From"] = f"顧客 {number} <customer{number % 400}@customer.example.jp>"
        message["To"] = "support@helpdesk.example.jp"
        message["Subject"] = f"【問い合わせ {number}】ログインできません ①"
        message["Message-ID"] = make_msgid(idstring=f"bench{number}", domain="customer.example.jp")
        message.set_content(
            f"お世話になっております。㈱テストです。問い合わせ番号 {number}。\n" * 5
        )
        mails.append(message.as_bytes())
    return mails


def _count(database: psycopg.Connection, query: str) -> int:
    """The single number a ``SELECT count(...)`` returns."""
    row = database.execute(query).fetchone()
    if row is None:
        raise RuntimeError(f"no row from {query!r}")
    return int(row[0])


def _environment(postgres_base: str, redis_base: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        # Production settings: DEBUG off (no query log), Redis cache, real broker.
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{postgres_base}/{BENCH_DATABASE}",
        "CELERY_BROKER_URL": f"{redis_base}/13",
        "CACHE_URL": f"{redis_base.replace('redis', 'rediscache', 1)}/12",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (Linux /proc)."""
    total = 0.0
    pids = [pid]
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    if children_file.exists():
        pids += [int(child) for child in children_file.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    for process in pids:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_end_to_end_benchmark(count: int, *, postgres_base: str, redis_base: str) -> dict:
    admin_url = f"{postgres_base}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    redis.Redis.from_url(f"{redis_base}/13").flushdb()
    redis.Redis.from_url(f"{redis_base}/12").flushdb()
    environment = _environment(postgres_base, redis_base)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
    )
    port = _free_port()
    gateway = subprocess.Popen(
        [sys.executable, "manage.py", "run_mail_gateway", "--port", str(port)],
        cwd=ROOT,
        env={**environment, "MAIL_ACCEPT_RECIPIENTS": "@helpdesk.example.jp"},
        stdout=subprocess.PIPE,
        text=True,
    )
    worker_log = (ROOT / "var" / "bench-worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--concurrency",
            os.environ.get("BENCH_WORKER_CONCURRENCY", "2"),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    database = psycopg.connect(environment["DATABASE_URL"], autocommit=True)
    try:
        assert gateway.stdout is not None  # opened as a pipe above
        gateway.stdout.readline()  # "SMTP gateway listening on …"
        _wait_for_port(port)
        mails = generated_mails(count)

        def send(chunk: list[bytes]) -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for raw in chunk:
                    client.sendmail("c@customer.example.jp", ["support@helpdesk.example.jp"], raw)

        def tickets() -> int:
            return _count(database, "SELECT count(*) FROM tickets_ticket")

        chunks = [mails[index::4] for index in range(4)]
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, chunks))
        accepted_at = time.perf_counter()
        deadline = started + 600
        while tickets() < count and time.perf_counter() < deadline:
            time.sleep(0.05)
        finished = time.perf_counter()
        created = tickets()
        cpu = {"gateway": _cpu_seconds(gateway.pid), "worker": _cpu_seconds(worker.pid)}

        def acknowledgements_sent() -> int:
            return _count(
                database,
                "SELECT count(*) FROM tickets_message "
                "WHERE is_automatic AND delivery_status = 'sent'",
            )

        while acknowledgements_sent() < created and time.perf_counter() < deadline:
            time.sleep(0.05)
        acknowledged = time.perf_counter()

        # The same set again: every mail must be recognised as already stored.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, chunks))
        time.sleep(2)
        stored = _count(database, "SELECT count(*) FROM mail_inboundmail")
        messages = _count(database, "SELECT count(*) FROM tickets_message WHERE kind = 'inbound'")
        distinct = _count(
            database,
            "SELECT count(DISTINCT message_id) FROM tickets_message WHERE kind = 'inbound'",
        )
        return {
            "mails": count,
            "smtp_accept_seconds": accepted_at - started,
            "end_to_end_seconds": finished - started,
            "acknowledged_seconds": acknowledged - started,
            "mails_per_second": created / (finished - started),
            "tickets": created,
            "stored_rows_after_second_delivery": stored,
            "inbound_messages": messages,
            "lost": count - distinct,
            "duplicated": messages - distinct,
            "cpu_ms_per_mail": {name: 1000 * value / count for name, value in cpu.items()},
        }
    finally:
        database.close()
        worker_log.close()
        for process in (worker, gateway):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
