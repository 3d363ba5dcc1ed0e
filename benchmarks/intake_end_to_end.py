"""End-to-end intake throughput: SMTP DATA to committed ticket, with the real gateway, a real
Celery worker, PostgreSQL and Redis. Used by bench_intake.py; needs both services.

It creates its own database (``helpdesk_bench`` unless told otherwise) and uses its own Redis
databases (13 for the broker, 12 for the cache, unless told otherwise), so it never touches a
developer's data, and drops the database at the end.

Latency is measured per mail from the moment the client has the gateway's ``250`` to the moment
a poll of PostgreSQL first sees the mail's message on a ticket (committed, visible to others);
the poll runs every 20 ms, so each figure is up to that much late.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TextIO

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "helpdesk_bench"
BROKER_REDIS_DB = 13
CACHE_REDIS_DB = 12
POLL_SECONDS = 0.02
CLIENT_CONNECTIONS = 4
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2"))


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


@dataclass(frozen=True)
class BenchTarget:
    """Where a run keeps its data: several engineers may benchmark on one machine."""

    postgres_base: str
    redis_base: str
    database: str = BENCH_DATABASE
    broker_redis_db: int = BROKER_REDIS_DB
    cache_redis_db: int = CACHE_REDIS_DB


def _environment(target: BenchTarget) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        # Production settings: DEBUG off (no query log), Redis cache, real broker.
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{target.postgres_base}/{target.database}",
        "CELERY_BROKER_URL": f"{target.redis_base}/{target.broker_redis_db}",
        "CACHE_URL": (
            f"{target.redis_base.replace('redis', 'rediscache', 1)}/{target.cache_redis_db}"
        ),
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


def _wait_until_settled(pid: int, children: int, timeout: float = 60.0) -> None:
    """Wait until a process has forked its children and stopped using CPU (start-up done),
    so that the CPU counted per mail is the mail's, not the imports'."""
    deadline = time.monotonic() + timeout
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    while time.monotonic() < deadline:
        before = _cpu_seconds(pid)
        time.sleep(0.5)
        forked = len(children_file.read_text().split()) if children_file.exists() else 0
        if forked >= children and _cpu_seconds(pid) - before < 0.05:
            return


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


class CommitWatcher:
    """Notes when each inbound message first becomes visible in PostgreSQL, by Message-ID.

    Each poll reads the messages from the lowest id not seen yet: rows commit slightly out of
    id order (several workers), so a row below the highest seen can still appear. An id that
    stays missing for ``GAP_SECONDS`` was rolled back and is passed over. (Re-reading a fixed
    5,000 ids below the highest every 20 ms made PostgreSQL and this process spend more CPU
    on the measuring than on some of the work measured.)
    """

    GAP_SECONDS = 5.0

    def __init__(self, database: psycopg.Connection) -> None:
        self.database = database
        self.seen_at: dict[str, float] = {}
        self.below_all_unseen = 0  # every id up to this one has been read (or given up on)
        self.seen_above: set[int] = set()
        self.gap: tuple[int, float] | None = None  # the lowest id missing, since when

    def poll(self) -> None:
        rows = self.database.execute(
            "SELECT id, kind, message_id FROM tickets_message WHERE id > %s",
            (self.below_all_unseen,),
        ).fetchall()
        now = time.perf_counter()
        for row_id, kind, message_id in rows:
            if kind == "inbound":
                self.seen_at.setdefault(message_id, now)
            self.seen_above.add(row_id)
        while self.below_all_unseen + 1 in self.seen_above:
            self.below_all_unseen += 1
            self.seen_above.discard(self.below_all_unseen)
        missing = self.below_all_unseen + 1
        if not self.seen_above:
            self.gap = None
        elif self.gap is None or self.gap[0] != missing:
            self.gap = (missing, now)
        elif now - self.gap[1] > self.GAP_SECONDS:
            self.below_all_unseen = missing  # never committed: pass it over
            self.gap = None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _message_id(raw: bytes) -> str:
    message = message_from_bytes(raw)
    return str(message["Message-ID"]).strip()


def _start_worker(environment: dict[str, str], log: TextIO) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--concurrency",
            str(WORKER_CONCURRENCY),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _start_profilers(processes: dict[str, int], directory: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy on each process and its children, writing collapsed stacks until interrupted."""
    directory.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    return [
        subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--format",
                "raw",
                "--rate",
                "200",
                "--output",
                str(directory / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in processes.items()
    ]


def _stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for profiler in profilers:
        profiler.wait(timeout=60)


def run_end_to_end_benchmark(
    count: int,
    *,
    target: BenchTarget,
    profile_directory: Path | None = None,
    rate: float | None = None,
) -> dict:
    """``rate``: mails a second offered, spread evenly over the client connections (the
    latency goal is stated at a load, not at whatever the machine can take); None sends
    each mail as soon as the previous one on its connection was accepted."""
    admin_url = f"{target.postgres_base}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {target.database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {target.database}")
    redis.Redis.from_url(f"{target.redis_base}/{target.broker_redis_db}").flushdb()
    redis.Redis.from_url(f"{target.redis_base}/{target.cache_redis_db}").flushdb()
    environment = _environment(target)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
    )
    port = _free_port()
    gateway = subprocess.Popen(
        [sys.executable, "manage.py", "run_mail_gateway", "--port", str(port)],
        cwd=ROOT,
        env={**environment, "MAIL_ACCEPT_RECIPIENTS": "@helpdesk.example.jp"},
    )
    worker_log = (ROOT / "var" / f"bench-worker-{target.database}.log").open("w")
    worker = _start_worker(environment, worker_log)
    database = psycopg.connect(environment["DATABASE_URL"], autocommit=True)
    try:
        # The port answering is the sign the gateway is ready (its "listening" line is a log
        # line now, on stderr; waiting to read it from stdout hung the benchmark).
        _wait_for_port(port)
        _wait_until_settled(worker.pid, WORKER_CONCURRENCY)
        mails = generated_mails(count)
        message_ids = [_message_id(raw) for raw in mails]
        accepted_at: dict[str, float] = {}

        def send(
            chunk: list[tuple[str, bytes]], connection_index: int = 0, paced: bool = True
        ) -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for position, (message_id, raw) in enumerate(chunk):
                    if (
                        rate and paced
                    ):  # this connection's share of the schedule: mail 4i+k at (4i+k)/rate
                        due = started + (CLIENT_CONNECTIONS * position + connection_index) / rate
                        time.sleep(max(0.0, due - time.perf_counter()))
                    client.sendmail("c@customer.example.jp", ["support@helpdesk.example.jp"], raw)
                    accepted_at.setdefault(message_id, time.perf_counter())

        def tickets() -> int:
            return _count(database, "SELECT count(*) FROM tickets_ticket")

        pairs = list(zip(message_ids, mails, strict=True))
        chunks = [pairs[index::CLIENT_CONNECTIONS] for index in range(CLIENT_CONNECTIONS)]
        watcher = CommitWatcher(database)
        profilers = (
            _start_profilers({"gateway": gateway.pid, "worker": worker.pid}, profile_directory)
            if profile_directory
            else []
        )
        cpu_before = {"gateway": _cpu_seconds(gateway.pid), "worker": _cpu_seconds(worker.pid)}
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENT_CONNECTIONS) as pool:
            sending = [pool.submit(send, chunk, index) for index, chunk in enumerate(chunks)]
            while not all(future.done() for future in sending):
                watcher.poll()
                time.sleep(POLL_SECONDS)
            for future in sending:
                future.result()
        all_accepted = time.perf_counter()
        deadline = started + 600
        while len(watcher.seen_at) < count and time.perf_counter() < deadline:
            watcher.poll()
            time.sleep(POLL_SECONDS)
        finished = time.perf_counter()
        _stop_profilers(profilers)
        created = tickets()
        latencies = [
            watcher.seen_at[message_id] - accepted_at[message_id]
            for message_id in message_ids
            if message_id in watcher.seen_at and message_id in accepted_at
        ]

        def acknowledgements_sent() -> int:
            return _count(
                database,
                "SELECT count(*) FROM tickets_message "
                "WHERE is_automatic AND delivery_status = 'sent'",
            )

        def acknowledgements_owed() -> int:
            # Not one per ticket: past a few an hour a sender's tickets are not acknowledged
            # (the per-sender rate limit), which a 10,000-mail run from 400 senders reaches.
            return _count(
                database, "SELECT count(*) FROM tickets_ticket WHERE acknowledgement_pending"
            )

        while acknowledgements_owed() and time.perf_counter() < deadline:
            time.sleep(0.05)
        acknowledged = time.perf_counter()
        # Counted once the acknowledgements are sent: they are part of each mail's work.
        cpu = {
            name: _cpu_seconds(process.pid) - cpu_before[name]
            for name, process in (("gateway", gateway), ("worker", worker))
        }

        # The same set again, unpaced: every mail must be recognised as already stored.
        with ThreadPoolExecutor(CLIENT_CONNECTIONS) as pool:
            list(pool.map(lambda chunk: send(chunk, paced=False), chunks))
        time.sleep(2)
        stored = _count(database, "SELECT count(*) FROM mail_inboundmail")
        messages = _count(database, "SELECT count(*) FROM tickets_message WHERE kind = 'inbound'")
        distinct = _count(
            database,
            "SELECT count(DISTINCT message_id) FROM tickets_message WHERE kind = 'inbound'",
        )
        return {
            "mails": count,
            "smtp_accept_seconds": all_accepted - started,
            "end_to_end_seconds": finished - started,
            "acknowledged_seconds": acknowledged - started,
            "mails_per_second": created / (finished - started),
            "tickets": created,
            "acknowledgements": acknowledgements_sent(),
            "latency_p50": _percentile(latencies, 0.50),
            "latency_p95": _percentile(latencies, 0.95),
            "latency_max": max(latencies, default=float("nan")),
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
            admin.execute(f"DROP DATABASE IF EXISTS {target.database} WITH (FORCE)")
