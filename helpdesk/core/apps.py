import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .startup import debug_exposure_warning

logger = logging.getLogger("helpdesk.startup")


class CoreConfig(AppConfig):
    name = "helpdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every process (web, worker, beat, gateway, manage.py) says it once at start.
        warning = debug_exposure_warning(
            debug=settings.DEBUG,
            hosts=[*settings.ALLOWED_HOSTS, settings.MAIL_GATEWAY_HOST],
        )
        if warning:
            logger.warning("%s", warning)
        # Registers the deployment checks, connects the Celery failure counter and
        # registers the queue-length gauge: importing these modules is what does it.
        from . import checks, monitoring  # noqa: F401

        monitoring.register()
