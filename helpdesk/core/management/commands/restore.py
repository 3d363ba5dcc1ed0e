"""``python manage.py restore PATH [--force]`` restores a backup; ``restore --verify PATH``
restores it into a scratch database instead and compares it with what was backed up."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.core.backup_format import BackupCorrupted
from helpdesk.core.restore import RestoreRefused, backup_restore, backup_verify


class Command(BaseCommand):
    help = "Restore the database and attachment files from a backup directory (SLA 5(f))."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a backup directory written by `backup`")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="restore into a scratch database and compare; the live site is not touched",
        )
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that is not empty"
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        try:
            if options["verify"]:
                result = backup_verify(path=path)
            else:
                result = backup_restore(path=path, force=bool(options["force"]))
        except BackupCorrupted as error:
            raise CommandError(f"refusing to restore: the backup is not intact: {error}") from error
        except RestoreRefused as error:
            raise CommandError(f"refusing to restore: {error}") from error
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"{len(result.problems)} difference(s) from the backup")
        verb = "verified" if options["verify"] else "restored"
        self.stdout.write(
            f"{verb} {path}: {result.rows} rows in {result.tables} tables, "
            f"{result.files} files, {result.seconds:.1f} s"
        )
