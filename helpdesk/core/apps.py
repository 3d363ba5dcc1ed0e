from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helpdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Connects the Celery failure counter and registers the queue-length gauge.
        from . import monitoring

        monitoring.register()
