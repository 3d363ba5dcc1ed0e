"""``python manage.py backup [--dir PATH] [--keep N]``: one consistent, checksummed backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helpdesk.core.backup import backup_create


class Command(BaseCommand):
    help = "Back up the database and attachment files to BACKUP_DIR (SLA 5(f))."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="where to write (default BACKUP_DIR)")
        parser.add_argument("--keep", type=int, help="backups to keep (default BACKUP_KEEP)")

    def handle(self, *args: object, **options: Any) -> None:
        result = backup_create(directory=options["dir"], keep=options["keep"])
        self.stdout.write(
            f"{result.path}\n"
            f"database {result.database_bytes} bytes, {result.file_count} files "
            f"({result.files_bytes} bytes), {result.seconds:.1f} s; "
            f"removed {len(result.removed)} old backup(s)"
        )
