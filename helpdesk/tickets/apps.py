from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "helpdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Readiness checks and metrics this app reports (see helpdesk.core.monitoring).
        from . import monitoring

        monitoring.register()
