"""The peer for the intake benchmark: django-helpdesk 2.6.1 importing mail from a directory.

    var/peer-django-helpdesk/bin/python benchmarks/peer_django_helpdesk.py \
        --mail-dir DIR --database-url postgres://postgres@127.0.0.1:5432/NAME

Runs only in the virtual environment ``make bench-peers`` builds: django-helpdesk's package is
also called ``helpdesk``, so this script never imports the project and the project never
imports it; ``bench_intake.py`` runs it as a subprocess. It configures Django itself (its own
settings, its own PostgreSQL database, which it creates and drops), sets up one queue whose
mailbox is the local directory of ``.eml`` files, and times django-helpdesk's own
``process_email`` over it in this one process: parse, ticket, follow-up, and the
acknowledgement to the submitter rendered from its e-mail template. The last line it prints is
one JSON object: mails, tickets, seconds, cpu_seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import django
import psycopg
from django.conf import settings
from django.db import connections
from django.urls import URLPattern, URLResolver, include, path


def _database_settings(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "postgres",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
    }


class _UrlConf:
    """django-helpdesk's URLs, for the links in its acknowledgements.

    A property, because ``include`` imports django-helpdesk's views, which need the settings
    configured first; Django reads ``urlpatterns`` on the first ``reverse``.
    """

    @property
    def urlpatterns(self) -> list[URLPattern | URLResolver]:
        return [path("", include("helpdesk.urls"))]


def _configure(database_url: str, media_root: str) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="peer-benchmark-only-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106 (a throwaway database)
        ALLOWED_HOSTS=["127.0.0.1"],
        USE_TZ=True,
        TIME_ZONE="Asia/Tokyo",
        LANGUAGE_CODE="ja",
        SITE_ID=1,
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.sites",
            "django.contrib.humanize",
            "rest_framework",
            "helpdesk",
        ],
        MIDDLEWARE=[],
        ROOT_URLCONF=_UrlConf(),
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": _database_settings(database_url)},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        # Rendered in full, kept in memory: the acknowledgement's cost without a network.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="support@helpdesk.example.jp",
        MEDIA_ROOT=media_root,
        # Teams need the optional pinax-teams app; one queue needs no teams.
        HELPDESK_TEAMS_MODE_ENABLED=False,
        LOGGING_CONFIG=None,
    )
    django.setup()


def _recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            admin.execute(f"CREATE DATABASE {name}")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(mail_dir: Path, database_url: str) -> dict[str, float | int]:
    _recreate_database(database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="peer-media-") as media_root:
            _configure(database_url, media_root)
            return _import_directory(mail_dir)
    finally:
        connections.close_all()
        _recreate_database(database_url, drop_only=True)


def _import_directory(mail_dir: Path) -> dict[str, float | int]:
    # django-helpdesk's modules need configured settings: imported here, after _configure.
    from django.core import mail
    from django.core.management import call_command

    # These are django-helpdesk's modules, from the peer's environment; mypy sees only ours.
    from helpdesk.email import process_email  # type: ignore[import-not-found]
    from helpdesk.models import Queue, Ticket  # type: ignore[import-not-found]

    call_command("migrate", verbosity=0)
    # The acknowledgement templates, as django-helpdesk's installation guide loads them (it
    # ships none in Japanese: the English ones are rendered).
    call_command("loaddata", "emailtemplate.json", verbosity=0)
    Queue.objects.create(
        title="サポート",
        slug="support",
        email_address="support@helpdesk.example.jp",
        allow_email_submission=True,
        email_box_type="local",
        email_box_local_dir=str(mail_dir),
        email_box_interval=0,
        logging_type="none",
    )
    mails = sum(1 for path in mail_dir.iterdir() if path.is_file())
    cpu_started, started = _cpu_seconds(), time.perf_counter()
    process_email(quiet=True)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    return {
        "mails": mails,
        "tickets": Ticket.objects.count(),
        "acknowledgements": len(getattr(mail, "outbox", [])),
        "left_in_directory": sum(1 for path in mail_dir.iterdir() if path.is_file()),
        "seconds": seconds,
        "cpu_seconds": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mail-dir", type=Path, required=True, help="one .eml file per mail")
    parser.add_argument("--database-url", required=True, help="a database this script owns")
    options = parser.parse_args()
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    result = run(options.mail_dir, options.database_url)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
