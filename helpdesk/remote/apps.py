from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemoteConfig(AppConfig):
    name = "helpdesk.remote"
    label = "remote"
    verbose_name = _("remote support")
    default_auto_field = "django.db.models.BigAutoField"
