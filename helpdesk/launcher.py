"""Start every process of the desk together (``make run``): web, Celery worker and beat, mail.

Uses Redis at ``REDIS_URL`` when it answers. Without Redis it says so in one line and points
Celery at a broker kept in files under ``var/broker/``, which still carries tasks between the
separate web, worker and beat processes (unlike eager mode, which would hide them).

Runs the ``Procfile`` with honcho's process manager, but prints each line as ``name | line``:
the processes stamp their own log lines (``helpdesk.core.logformat``), and the launcher's own
lines use the same format, so one timestamp format reads through the whole output. Ctrl-C
stops everything and ends with one short line and exit status 0.
"""

from __future__ import annotations

import logging
import logging.config
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

import redis
from honcho.environ import expand_processes, parse_procfile
from honcho.manager import SYSTEM_PRINTER_NAME, Manager
from honcho.printer import Message

from helpdesk.core.logformat import logging_config
from helpdesk.core.startup import debug_exposure_warning, debug_flag

BASE_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger("helpdesk.launcher")


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


class ProcessLinePrinter:
    """honcho's printer without its clock: ``web.1    | <line>``; honcho's own messages
    (started, stopped, signals) become the launcher's log lines."""

    def __init__(self, output: TextIO, width: int) -> None:
        self.output = output
        self.width = width

    def write(self, message: Message) -> None:
        data = message.data
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        for line in text.splitlines():
            if message.name == SYSTEM_PRINTER_NAME:
                logger.info("%s", line)
            else:
                print(f"{(message.name or '').ljust(self.width)} | {line}", file=self.output)
        self.output.flush()


def prepare_environment(environment: os._Environ | dict[str, str]) -> None:
    """Development mode, Redis or the file broker, and the venv's programs first on PATH."""
    environment.setdefault("DJANGO_DEBUG", "1")
    redis_url = environment.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    if "CELERY_BROKER_URL" not in environment:
        if redis_reachable(redis_url):
            environment.setdefault("CACHE_URL", redis_url.replace("redis", "rediscache", 1))
        else:
            logger.warning(
                "Redis is not reachable at %s: using the embedded file broker "
                "under var/broker/ instead.",
                redis_url,
            )
            environment["CELERY_BROKER_URL"] = "filesystem://"
            var_dir = Path(environment.get("HELPDESK_VAR_DIR", BASE_DIR / "var"))
            for folder in ("queue", "control"):
                (var_dir / "broker" / folder).mkdir(parents=True, exist_ok=True)
    # Child processes find the venv's celery and gunicorn first.
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = bin_dir + os.pathsep + environment.get("PATH", "")


def main() -> None:
    logging.config.dictConfig(logging_config(os.environ.get("LOG_LEVEL", "INFO")))
    environment = os.environ
    prepare_environment(environment)
    warning = debug_exposure_warning(
        debug=debug_flag(environment.get("DJANGO_DEBUG")),
        hosts=[
            *environment.get("ALLOWED_HOSTS", "").split(","),
            environment.get("MAIL_GATEWAY_HOST", ""),
        ],
    )
    if warning:
        logger.warning("%s", warning)
    os.chdir(BASE_DIR)
    procfile = parse_procfile((BASE_DIR / "Procfile").read_text())
    processes = list(expand_processes(procfile.processes, env={}))
    width = max(len(process.name) for process in processes)
    manager = Manager(printer=ProcessLinePrinter(sys.stdout, width))
    for process in processes:
        manager.add_process(process.name, process.cmd, env={**environment, **process.env})
    manager.loop()
    if manager.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        logger.info("stopped: every process of the desk has ended.")
        sys.exit(0)
    sys.exit(manager.returncode or 0)


if __name__ == "__main__":
    main()
