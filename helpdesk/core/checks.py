"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def backup_in_a_second_location(**_kwargs: object) -> list[CheckMessage]:
    """SLA 5(f): backups are kept in a second, distant data centre, so a production backup
    directory inside the application's own directories is a mistake."""
    backup_dir = Path(settings.BACKUP_DIR).resolve()
    for own in (Path(settings.VAR_DIR).resolve(), Path(settings.BASE_DIR).resolve()):
        if backup_dir == own or own in backup_dir.parents:
            return [
                Warning(
                    f"BACKUP_DIR ({backup_dir}) is inside {own}: a failure of this machine "
                    "would take the backups with it.",
                    hint="Point BACKUP_DIR at a volume in the second data centre (SLA 5(f)).",
                    id="helpdesk.W001",
                )
            ]
    return []
