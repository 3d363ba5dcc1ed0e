"""gunicorn settings for `make run` and production (`-c python:helpdesk.gunicorn_conf`).

Its own log lines (master, workers, access log) use the desk's one line format; the access log
leaves the time to that format instead of gunicorn's ``[03/Dec/2026:14:13:24 +0000]``.
"""

from __future__ import annotations

import logging
import os

from gunicorn.arbiter import Arbiter

from helpdesk.core.logformat import logging_config
from helpdesk.core.startup import debug_exposure_warning, debug_flag

accesslog = "-"
access_log_format = 'client=%(h)s request="%(r)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s'
logconfig_dict = logging_config(os.environ.get("LOG_LEVEL", "INFO")) | {
    "loggers": {
        # Through the root handler, in the line format; gunicorn's own handlers are replaced.
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    }
}


def when_ready(server: Arbiter) -> None:
    debug = debug_flag(os.environ.get("DJANGO_DEBUG"))
    hosts = [str(address) for address in server.cfg.bind]
    warning = debug_exposure_warning(debug=debug, hosts=hosts)
    if warning:
        logging.getLogger("gunicorn.error").warning("%s", warning)
