"""Tasks named by string (beat's schedule, and the lower apps that start work above them
without importing it) must name tasks that exist: a typo would fail only in production."""

from django.conf import settings

from helpdesk.celery import app as celery_app
from helpdesk.mail.storage import MAIL_PROCESS_TASK
from sla.services import TICKETS_SLA_RECOMPUTE_TASK


def test_every_task_named_by_string_is_a_registered_task():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    named = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    named |= {MAIL_PROCESS_TASK, TICKETS_SLA_RECOMPUTE_TASK}

    assert sorted(named - set(celery_app.tasks)) == []
