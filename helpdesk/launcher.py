"""Start every process of the desk together (``make run``): web, Celery worker and beat.

Uses Redis at ``REDIS_URL`` when it answers. Without Redis it says so in one line and points
Celery at a broker kept in files under ``var/broker/``, which still carries tasks between the
separate web, worker and beat processes (unlike eager mode, which would hide them).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def main() -> None:
    environment = os.environ
    environment.setdefault("DJANGO_DEBUG", "1")
    redis_url = environment.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    if "CELERY_BROKER_URL" not in environment:
        if redis_reachable(redis_url):
            environment.setdefault("CACHE_URL", redis_url.replace("redis", "rediscache", 1))
        else:
            print(
                f"Redis is not reachable at {redis_url}: using the embedded file broker "
                "under var/broker/ instead.",
                flush=True,
            )
            environment["CELERY_BROKER_URL"] = "filesystem://"
            var_dir = Path(environment.get("HELPDESK_VAR_DIR", BASE_DIR / "var"))
            for folder in ("queue", "control"):
                (var_dir / "broker" / folder).mkdir(parents=True, exist_ok=True)
    # Child processes find the venv's celery and gunicorn first.
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = bin_dir + os.pathsep + environment.get("PATH", "")
    honcho = shutil.which("honcho", path=environment["PATH"]) or "honcho"
    os.chdir(BASE_DIR)
    os.execvpe(honcho, [honcho, "start", "-f", "Procfile"], environment)  # noqa: S606


if __name__ == "__main__":
    main()
