"""Settings, read from the environment with safe embedded defaults.

Production is the default. Development (``DJANGO_DEBUG=1``, which ``make run`` and the test
settings set) runs on SQLite under
``var/`` and writes mail to ``var/mail/``. Production sets ``DJANGO_DEBUG=0``, ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` and ``EMAIL_URL``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from helpdesk.core.logformat import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# A checkout's own .env, if the operator writes one (nothing generates it: debug mode is
# never switched on by a file left behind); the real environment always wins over it.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

env = environ.Env()
VAR_DIR = Path(env.str("HELPDESK_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DJANGO_DEBUG is off (production). "
            "Set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the site's own 403 page (reason and a link back), not Django's.
CSRF_FAILURE_VIEW = "helpdesk.core.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "helpdesk.core",
    "sla",
    "helpdesk.tickets",
    "helpdesk.remote",
    "helpdesk.portal",
    "helpdesk.mail",
    "helpdesk.api",
    "helpdesk.reports",
    "helpdesk.console",
    "axes",
]

MIDDLEWARE = [
    "helpdesk.core.monitoring.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "helpdesk.portal.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database, so a real Celery worker process can see what a test wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Web, worker, beat and the mail gateway share one file. WAL lets readers go on while one
    # writes; IMMEDIATE takes the write lock when a transaction begins, so two writers queue
    # behind the busy timeout instead of one failing with "database is locked" when it
    # upgrades a read lock half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, calendar version) ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default="locmemcache://" if DEBUG else REDIS_URL.replace("redis", "rediscache", 1),
    )
}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A cache that does not answer must fail fast: its callers fall back (rate limits fail
    # open, the calendar is read from the database).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )

# --- Authentication -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:dashboard"
# django-axes first: it refuses a locked-out account or address before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out after repeated failed sign-ins (console and admin alike), per account and, apart
# from that, per client address; it lifts by itself after the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# The same client address the rate limits use (TRUSTED_PROXY_COUNT decides).
AXES_CLIENT_IP_CALLABLE = "helpdesk.core.http.client_ip"

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Mail -----------------------------------------------------------------------------------
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
_email = env.email_url("EMAIL_URL", default="filemail://" if DEBUG else "smtp://127.0.0.1:25")
if _email.get("EMAIL_BACKEND", "").endswith("filebased.EmailBackend"):
    _email.pop("EMAIL_FILE_PATH", None)
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@helpdesk.example.jp")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Transport security (SLA 5(b)) ----------------------------------------------------------
SECURE_TRANSPORT = env.bool("DJANGO_SECURE_TRANSPORT", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_TRANSPORT
SESSION_COOKIE_SECURE = SECURE_TRANSPORT
CSRF_COOKIE_SECURE = SECURE_TRANSPORT
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_TRANSPORT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TRANSPORT
SECURE_HSTS_PRELOAD = SECURE_TRANSPORT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the site append to X-Forwarded-For (0: none, use the
# connection's address). Rate limits key on the client address this yields.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Requests per user to the staff API (helpdesk/api/staff_auth.py reads it on every request).
STAFF_API_THROTTLE_RATE = env.str("STAFF_API_THROTTLE_RATE", default="1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Support desk staff API",
    "DESCRIPTION": "Tickets, messages and events for desk staff (agent role or above).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's scripts come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that died (acks_late) is handed out again after this long, by
    # any live worker (they look every CELERY_UNACKED_RESTORE_SECONDS), without beat. It must
    # stay above the longest task run (300 s, the IMAP poll) plus the longest retry countdown
    # (600 s): a task waiting for its countdown sits unacknowledged in a worker and would
    # otherwise run twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    "unacked_restore_interval": 5,
    # A worker killed while it restored such tasks holds this lock until it expires.
    "unacked_mutex_expire": 60,
    "unacked_restore_throttle": max(1, env.int("CELERY_UNACKED_RESTORE_SECONDS", default=60) // 5),
    # Give up on a broker that does not answer instead of hanging a web request.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker `make run` falls back to without Redis: queues are files under var/,
    # so the web, worker and beat processes still hand tasks to each other.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker process reserves a few short tasks ahead, so it never idles between them;
# with late acks a reserved task goes back to the queue if the worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_ALWAYS_EAGER = False
# Celery's Django fixup closes the database connection after every task unless told to reuse
# it; a new PostgreSQL connection per task costs more than the task. Reused for this many
# tasks (the connection still honours CONN_MAX_AGE and health checks).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep trying a broker that is away, however long: a worker that gave up would need a person.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "helpdesk.core.tasks.heartbeat_task",
        "schedule": 60.0,
        "args": ["worker"],
    },
    "sla-sweep": {
        "task": "helpdesk.tickets.tasks.escalation_sweep_task",
        "schedule": env.float("ESCALATION_SWEEP_SECONDS", default=60.0),
    },
    "remote-consent-upkeep": {
        "task": "helpdesk.remote.tasks.consent_upkeep_task",
        "schedule": env.float("CONSENT_UPKEEP_SECONDS", default=60.0),
    },
    "outbox-requeue": {
        "task": "helpdesk.tickets.tasks.outbox_requeue_task",
        "schedule": 300.0,
    },
    "mail-requeue-stuck": {
        "task": "helpdesk.mail.tasks.mail_requeue_stuck_task",
        "schedule": 300.0,
    },
    "mail-imap-poll": {
        "task": "helpdesk.mail.tasks.imap_poll_task",
        "schedule": 60.0,
    },
    "announcement-notices": {
        "task": "helpdesk.tickets.tasks.notices_dispatch_task",
        # Hourly in the desk's daytime: notices arrive in office hours, never at night.
        "schedule": crontab(minute=0, hour="9-18"),
    },
    "outage-recorder": {
        "task": "sla.tasks.outage_recorder_task",
        "schedule": 60.0,
    },
    "daily-backup": {
        "task": "helpdesk.core.tasks.backup_task",
        "schedule": crontab(minute=30, hour=env.int("BACKUP_HOUR", default=3)),
    },
    "closure-calendar-warm": {
        "task": "sla.tasks.calendar_refresh_task",
        "schedule": crontab(minute=5, hour="*/6"),
    },
}

# --- The desk ------------------------------------------------------------------------------
HELPDESK_NAME = env.str("HELPDESK_NAME", default="サポートデスク")
SLA_TIME_ZONE = env.str("SLA_TIME_ZONE", default=TIME_ZONE)
# Desk windows as "HH:MM-HH:MM" pairs, half-open; the SLA's 10:00–12:00 and 13:00–17:00.
SLA_DESK_WINDOWS = env.list("SLA_DESK_WINDOWS", default=["10:00-12:00", "13:00-17:00"])
# Weekdays the desk works, Monday = 0.
SLA_WORKING_WEEKDAYS = env.list("SLA_WORKING_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
# Ticket references: PREFIX-000123.
TICKET_REFERENCE_PREFIX = env.str("TICKET_REFERENCE_PREFIX", default="NP")
# Where customers reach the portal; used to build links in mail.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('WEB_PORT', default=8000)}")
# Outgoing Message-IDs are <...@MAIL_DOMAIN>, so replies can be threaded to their ticket.
MAIL_DOMAIN = env.str("MAIL_DOMAIN", default="helpdesk.example.jp")
# Inquiry form limits.
INQUIRY_MAX_ATTACHMENTS = env.int("INQUIRY_MAX_ATTACHMENTS", default=5)
INQUIRY_MAX_ATTACHMENT_BYTES = env.int("INQUIRY_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
INQUIRY_ALLOWED_EXTENSIONS = env.list(
    "INQUIRY_ALLOWED_EXTENSIONS",
    default=[
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "txt",
        "csv",
        "log",
        "zip",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
    ],
)
# Rate limits: at most N submissions per window, per client IP and per email address.
INQUIRY_RATE_LIMIT_PER_IP = env.int("INQUIRY_RATE_LIMIT_PER_IP", default=10)
INQUIRY_RATE_LIMIT_PER_EMAIL = env.int("INQUIRY_RATE_LIMIT_PER_EMAIL", default=5)
INQUIRY_RATE_LIMIT_WINDOW_SECONDS = env.int("INQUIRY_RATE_LIMIT_WINDOW_SECONDS", default=3600)
# How many days ahead the portal lists the bank's year-end closing days.
PORTAL_YEAR_END_NOTICE_DAYS = env.int("PORTAL_YEAR_END_NOTICE_DAYS", default=45)
# Mail intake.
MAIL_MAX_BYTES = env.int("MAIL_MAX_BYTES", default=25 * 1024 * 1024)
# Addresses (support@desk.example.jp) or whole domains (@desk.example.jp) the gateway accepts.
MAIL_ACCEPT_RECIPIENTS = env.list("MAIL_ACCEPT_RECIPIENTS", default=[f"@{MAIL_DOMAIN}"])
MAIL_GATEWAY_HOST = env.str("MAIL_GATEWAY_HOST", default="127.0.0.1")
MAIL_GATEWAY_PORT = env.int("MAIL_GATEWAY_PORT", default=2525)
MAIL_GATEWAY_TLS_CERT = env.str("MAIL_GATEWAY_TLS_CERT", default="")
MAIL_GATEWAY_TLS_KEY = env.str("MAIL_GATEWAY_TLS_KEY", default="")
# A reply to a resolved or closed ticket reopens it within this many days, else opens a new one.
MAIL_REOPEN_DAYS = env.int("MAIL_REOPEN_DAYS", default=14)
MAIL_ACK_LIMIT_PER_SENDER = env.int("MAIL_ACK_LIMIT_PER_SENDER", default=3)
MAIL_ACK_LIMIT_WINDOW_SECONDS = env.int("MAIL_ACK_LIMIT_WINDOW_SECONDS", default=3600)
MAIL_STUCK_AFTER_SECONDS = env.int("MAIL_STUCK_AFTER_SECONDS", default=300)
# Attempts to process one mail, each counted before it starts, before it is quarantined.
MAIL_PROCESS_MAX_ATTEMPTS = env.int("MAIL_PROCESS_MAX_ATTEMPTS", default=5)
# Mail to customers still unsent after this long is enqueued again (a lost task).
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=900)
# IMAP mailboxes to poll: imaps://user:password@host:993/INBOX (comma-separated).
IMAP_MAILBOXES = env.list("IMAP_MAILBOXES", default=[])
IMAP_PROCESSED_FOLDER = env.str("IMAP_PROCESSED_FOLDER", default="")
# How long a worker process trusts its cached calendar before re-reading closures.
SLA_CALENDAR_TTL_SECONDS = env.int("SLA_CALENDAR_TTL_SECONDS", default=60)
# After a closure change, open tickets' deadlines are recomputed in this many primary-key
# ranges, one task each, so that every worker process takes a share (a few per process).
SLA_RECOMPUTE_PARTS = env.int("SLA_RECOMPUTE_PARTS", default=4)

# Announcement notices (SLA 2(a), 2(b), 4): the first this many days ahead, then the day before.
NOTICE_DAYS_AHEAD = env.int("NOTICE_DAYS_AHEAD", default=7)
# Contacts without an organization count as active if they wrote within this many days.
NOTICE_ACTIVE_DAYS = env.int("NOTICE_ACTIVE_DAYS", default=365)
NOTICE_BATCH_SIZE = env.int("NOTICE_BATCH_SIZE", default=500)
# Celery rate limit of notice mails per worker process, for the outbound SMTP relay.
NOTICE_RATE_LIMIT = env.str("NOTICE_RATE_LIMIT", default="60/m")
NOTICE_REQUEUE_AFTER_SECONDS = env.int("NOTICE_REQUEUE_AFTER_SECONDS", default=3600)

# Monitoring (SLA 5(e)). /metrics answers this bearer token, or a logged-in staff member.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_CACHE_SECONDS = env.int("METRICS_CACHE_SECONDS", default=15)
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=["celery"])
# /readyz fails when the worker's or beat's heartbeat is older than this, or when the oldest
# unprocessed inbound mail has waited longer than that.
READYZ_HEARTBEAT_MAX_AGE_SECONDS = env.int("READYZ_HEARTBEAT_MAX_AGE_SECONDS", default=120)
READYZ_INBOUND_LAG_SECONDS = env.int("READYZ_INBOUND_LAG_SECONDS", default=900)
# The optional outage recorder: a beat task probes this URL each minute and opens and closes
# outage records itself. Off unless OUTAGE_RECORDER_URL is set (e.g. https://desk/readyz).
OUTAGE_RECORDER_URL = env.str("OUTAGE_RECORDER_URL", default="")
OUTAGE_RECORDER_FAILURES = env.int("OUTAGE_RECORDER_FAILURES", default=2)

# How many recent incidents the public status page lists.
STATUS_PAGE_INCIDENTS = env.int("STATUS_PAGE_INCIDENTS", default=10)
# The status page's finished months are cached this long (this month never is).
STATUS_PAGE_CACHE_SECONDS = env.int("STATUS_PAGE_CACHE_SECONDS", default=300)

# Backups (SLA 5(f)): a directory on a second location, e.g. a mounted remote volume.
BACKUP_DIR = env.str("BACKUP_DIR", default=str(VAR_DIR / "backups"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_COMPRESSION_LEVEL = env.int("BACKUP_COMPRESSION_LEVEL", default=6)
BACKUP_RESTORE_JOBS = env.int("BACKUP_RESTORE_JOBS", default=2)
# `restore --verify` restores into this scratch database (default: <database name>_verify).
BACKUP_VERIFY_DATABASE = env.str("BACKUP_VERIFY_DATABASE", default="")
# Tables whose every row is digested in the manifest and compared by `restore --verify`.
BACKUP_DIGEST_MODELS = [
    "tickets.Organization",
    "tickets.Contact",
    "tickets.Ticket",
    "tickets.Message",
    "tickets.Attachment",
    "mail.InboundMail",
]

# --- Logging (SLA 5(e)): the same format in every process (web, worker, beat, mail gateway,
# launcher), ISO 8601 time with the UTC offset; JSON lines in production, key=value lines in
# development (LOG_FORMAT=line|json overrides).
LOGGING = logging_config(env.str("LOG_LEVEL", default="INFO"))
