"""Production settings: what `check --deploy` demands, and refusing to start without a secret."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-" + "y" * 20,
    "ALLOWED_HOSTS": "desk.example.jp",
    "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    "BACKUP_DIR": "/mnt/second-data-centre/helpdesk-backups",
}


def run_manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    clean.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", environment=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_backups_stay_on_this_machine():
    environment = {key: value for key, value in PRODUCTION.items() if key != "BACKUP_DIR"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
    assert result.returncode != 0
    assert "helpdesk.W001" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = run_manage("check", environment=environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_are_https_only():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, environment=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "False",
        "ja",
        "Asia/Tokyo",
        "True",
    ]
