"""The support desk: a Django project that keeps a Japanese business-calendar SLA."""

from .celery import app as celery_app

__all__ = ["celery_app"]
