"""Real processes for the fault suite and its benchmark: a Redis server of our own, Celery
workers and the SMTP gateway, each started, killed and restarted as an outage would.

Every wait is bounded, every process is stopped at the end (its whole process group), and
ports are chosen free on loopback, so runs are deterministic and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "faults"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def stop_group(process: subprocess.Popen, *, kill: bool = False, timeout: float = 20) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class RedisServer:
    """A redis-server on a free port that the test may stop and start again (same port)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: _port_open(self.port), timeout=20, what="redis-server listening")

    def stop(self) -> None:
        """As an outage does: at once, without saving (the queue is lost with it)."""
        if self.process is not None:
            stop_group(self.process, kill=True)
            self.process = None


class Processes:
    """The desk's own processes for one test, all pointed at one database and broker."""

    def __init__(self, *, database_url: str, broker_url: str, name: str) -> None:
        self.name = name
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.test_settings",
            "DATABASE_URL": database_url,
            "TEST_CELERY_BROKER_URL": broker_url,
            "PYTHONPATH": str(ROOT),
            # A killed worker's tasks come back after 5 s (production: 15 min).
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "CELERY_UNACKED_RESTORE_SECONDS": "5",
        }
        self.workers: list[subprocess.Popen] = []
        self.gateway: subprocess.Popen | None = None
        self.gateway_port = 0
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def log_path(self, kind: str, number: int) -> Path:
        return LOG_DIR / f"{self.name}-{kind}-{number}.log"

    def start_worker(self, *, concurrency: int = 2) -> subprocess.Popen:
        number = len(self.workers)
        log_path = self.log_path("worker", number)
        with log_path.open("w") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "helpdesk",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    str(concurrency),
                    "--loglevel",
                    "INFO",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    f"{self.name}-{number}@%h",
                ],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append(worker)
        wait_until(
            lambda: worker.poll() is not None or " ready." in log_path.read_text(),
            timeout=90,
            what="the Celery worker starting",
        )
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log_path.read_text()[-3000:]}")
        return worker

    def worker_log(self, number: int = -1) -> str:
        return self.log_path("worker", number % len(self.workers)).read_text()

    def start_gateway(self) -> None:
        self.gateway_port = free_port()
        with self.log_path("gateway", 0).open("w") as log:
            self.gateway = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "run_mail_gateway",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.gateway_port),
                ],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            lambda: self.gateway.poll() is not None or _port_open(self.gateway_port),
            timeout=60,
            what="the mail gateway listening",
        )

    def send(self, mails: list[bytes]) -> list[str]:
        """Send by SMTP; the server's answer for each mail ("250 ..." means stored)."""
        answers = []
        with smtplib.SMTP("127.0.0.1", self.gateway_port, timeout=30) as client:
            for raw in mails:
                try:
                    client.sendmail("customer@example.jp", ["support@helpdesk.example.jp"], raw)
                    answers.append("250")
                except smtplib.SMTPResponseException as error:
                    answers.append(f"{error.smtp_code}")
        return answers

    def stop_all(self) -> None:
        for process in [*self.workers, self.gateway]:
            if process is not None:
                stop_group(process)


@contextlib.contextmanager
def desk_processes(**kwargs: Any) -> Iterator[Processes]:
    processes = Processes(**kwargs)
    try:
        yield processes
    finally:
        processes.stop_all()
