from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helpdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the deployment checks, connects the Celery failure counter and
        # registers the queue-length gauge: importing these modules is what does it.
        from . import checks, monitoring  # noqa: F401

        monitoring.register()
