"""The Celery application: configured from Django settings under the ``CELERY_`` namespace."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, task_prerun
from django.conf import settings
from kombu.transport import TRANSPORT_ALIASES

from helpdesk.core.taskbase import before_each_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

# Redis URLs get the transport that survives a lost connection (see core/broker.py).
TRANSPORT_ALIASES["redis"] = TRANSPORT_ALIASES["rediss"] = "helpdesk.core.broker:Transport"

# Every task retries transient database errors on a fresh connection (see core/taskbase.py).
app = Celery("helpdesk", task_cls="helpdesk.core.taskbase:HealingTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
task_prerun.connect(before_each_task, weak=False)


@setup_logging.connect
def use_the_desk_log_format(**kwargs: object) -> None:
    """Worker and beat log with Django's LOGGING (one line format with the UTC offset) instead
    of Celery's own formatters: connecting this signal tells Celery to leave logging alone."""
    logging.config.dictConfig(settings.LOGGING)
