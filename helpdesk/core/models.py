"""Process liveness records, so operators can see that workers and beat are alive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process proved it was running (SLA 5(e): monitoring)."""

    source = models.CharField(_("source"), max_length=100, unique=True)
    beats = models.PositiveBigIntegerField(_("beats"), default=0)
    last_seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_seen_at.isoformat()}"
