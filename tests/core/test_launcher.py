"""`make run` without Redis: one line says so, and the embedded broker still carries tasks
from one process to another (web, worker and beat are separate processes)."""

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request

import pytest
from celery import Celery

from tests.conftest import ROOT, wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def stack_without_redis(tmp_path):
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DJANGO_DEBUG="1",
        HELPDESK_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens there
        WEB_PORT=str(port),
        MAIL_GATEWAY_PORT=str(free_port()),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log_path = tmp_path / "stack.log"
    with log_path.open("w") as log:
        stack = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.launcher"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield port, tmp_path, log_path, stack
    finally:
        with contextlib.suppress(ProcessLookupError):  # the test may have stopped it already
            os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_make_run_falls_back_to_the_file_broker_and_tasks_cross_processes(stack_without_redis):
    port, var_dir, log_path, _stack = stack_without_redis

    def ready():
        # Ready once web, worker and beat are all up (readyz checks their heartbeats).
        try:
            status, body = get_json(f"http://127.0.0.1:{port}/readyz")
        except OSError:
            return None
        return (status, body) if status == 200 else None

    _status, body = wait_for(ready, timeout=90, interval=0.5)
    assert body["checks"]["broker"]["detail"] == "filesystem"
    log = log_path.read_text()
    assert log.count("Redis is not reachable at redis://127.0.0.1:1/0") == 1
    wait_for(lambda: "SMTP gateway listening" in log_path.read_text(), timeout=60)

    # Another process (this test) hands a task to the running worker through the file broker.
    queue = str(var_dir / "broker" / "queue")
    sender = Celery("sender", broker="filesystem://")
    sender.conf.broker_transport_options = {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "control_folder": str(var_dir / "broker" / "control"),
    }
    wait_for(lambda: "ready." in log_path.read_text(), timeout=60)
    sender.send_task("helpdesk.core.tasks.heartbeat_task", args=["launcher-test"])

    def heartbeat_row():
        with sqlite3.connect(var_dir / "db.sqlite3") as database:
            return database.execute(
                "SELECT beats FROM core_heartbeat WHERE source = 'launcher-test'"
            ).fetchone()

    assert wait_for(heartbeat_row, timeout=60) == (1,)


ISO_TIME_WITH_OFFSET = re.compile(r"time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ")


def test_every_process_logs_one_time_format_and_ctrl_c_ends_cleanly(stack_without_redis):
    port, _var_dir, log_path, stack = stack_without_redis
    wait_for(lambda: "ready." in log_path.read_text(), timeout=90)
    wait_for(lambda: "gateway listening" in log_path.read_text(), timeout=60)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:  # monitors use HEAD
        assert response.status == 200

    os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group gets SIGINT
    assert stack.wait(timeout=30) == 0

    lines = log_path.read_text().splitlines()
    stamped = [line for line in lines if "time=" in line]
    for process in ("web.1", "worker.1", "beat.1", "mail.1"):
        assert any(line.startswith(process) for line in stamped), process
    assert all(ISO_TIME_WITH_OFFSET.search(line) for line in stamped), [
        line for line in stamped if not ISO_TIME_WITH_OFFSET.search(line)
    ]
    # gunicorn's own lines and its access log, launcher lines: the same format.
    assert any('request="HEAD / HTTP/1.1" status=200' in line for line in stamped)
    assert any("logger=gunicorn.error" in line for line in stamped)
    assert not any(re.search(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line) for line in lines)
    # Regression: the gateway logged "connection lost" at every start (its own probe).
    assert not any("connection lost" in line.lower() for line in lines)
    assert "stopped: every process of the desk has ended." in lines[-1]
