"""The Celery application: configured from Django settings under the ``CELERY_`` namespace."""

import os

from celery import Celery
from celery.signals import task_prerun
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
