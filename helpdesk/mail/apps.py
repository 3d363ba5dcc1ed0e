from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "helpdesk.mail"
    label = "mail"
    verbose_name = _("Mail intake")

    def ready(self) -> None:
        # Readiness checks and metrics this app reports (see helpdesk.core.monitoring).
        from . import monitoring

        monitoring.register()
