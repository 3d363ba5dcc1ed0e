"""The Celery application: configured from Django settings under the ``CELERY_`` namespace."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_the_desk_log_format(**kwargs: object) -> None:
    """Worker and beat log with Django's LOGGING (one line format with the UTC offset) instead
    of Celery's own formatters: connecting this signal tells Celery to leave logging alone."""
    logging.config.dictConfig(settings.LOGGING)
