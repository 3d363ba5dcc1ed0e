"""A checkout is production-safe by default, development mode is asked for explicitly, and a
process in development mode that others can reach says so loudly at start."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from helpdesk.core.logformat import LineFormatter
from helpdesk.core.startup import debug_exposure_warning, is_loopback_host
from tests.conftest import ROOT


def run_manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    clean.pop("SECRET_KEY", None)
    clean.pop("ALLOWED_HOSTS", None)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "helpdesk.settings", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_regression_make_install_left_a_env_file_turning_debug_on():
    # `make test` ran `make install` before this test; it must not have written debug mode
    # into the checkout, where gunicorn or manage.py in production would pick it up.
    env_file = ROOT / ".env"
    assert not env_file.exists() or "DJANGO_DEBUG=1" not in env_file.read_text()


def test_a_checkout_without_settings_runs_in_production_mode():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        environment={"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "desk.example.jp"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_mode_with_a_public_host_warns_loudly_at_start():
    result = run_manage(
        "check", environment={"DJANGO_DEBUG": "1", "ALLOWED_HOSTS": "desk.example.jp"}
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG MODE IS ON" in result.stderr
    assert "desk.example.jp" in result.stderr


def test_debug_mode_on_loopback_only_is_quiet():
    result = run_manage("check", environment={"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "DEBUG MODE" not in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("[::1]", True),
        ("[::1]:8000", True),
        ("0.0.0.0:8000", False),
        ("*", False),
        (".example.jp", False),
        ("desk.example.jp:8000", False),
    ],
)
def test_which_hosts_count_as_this_machine_only(host, loopback):
    assert is_loopback_host(host) is loopback


def test_the_warning_needs_both_debug_and_an_exposed_host():
    assert debug_exposure_warning(debug=False, hosts=["*"]) is None
    assert debug_exposure_warning(debug=True, hosts=["127.0.0.1", "localhost"]) is None
    warning = debug_exposure_warning(debug=True, hosts=["127.0.0.1", "0.0.0.0:8000"])
    assert warning is not None and "0.0.0.0:8000" in warning


def test_log_lines_carry_an_iso_time_with_its_utc_offset():
    record = logging.LogRecord("helpdesk.x", logging.INFO, __file__, 1, "hello %s", ("desk",), None)
    record.created = datetime(2026, 12, 3, 14, 13, 16, 934_000, tzinfo=UTC).timestamp()

    line = LineFormatter().format(record)

    assert line == "time=2026-12-03T23:13:16.934+09:00 level=INFO logger=helpdesk.x msg=hello desk"
    assert re.fullmatch(r"time=\S+[+-]\d\d:\d\d .*", line)
