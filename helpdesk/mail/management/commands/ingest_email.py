"""``python manage.py ingest_email``: take one mail from an MTA pipe (standard input).

Exit codes follow sysexits(3), which MTAs understand: 0 stored, 65 (EX_DATAERR) the input is
not a mail, 75 (EX_TEMPFAIL) a temporary failure such as the database being down, so the MTA
keeps the mail and tries again.

    ingest_email < message.eml                      store; processing goes to a worker
    ingest_email --json < message.eml               store and process now; print the outcome
    ingest_email --dry-run --json < message.eml     parse and classify only; touch nothing
    ingest_email --dry-run --json a.eml b.eml       one JSON object a line, each with "file"
"""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from helpdesk.mail.services import MailTooLarge, mail_process, mail_store
from helpdesk.mail.summary import dry_run_summary

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store (and optionally process) one mail read from standard input or files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="mail files (with --dry-run); default stdin")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and classify only; no database"
        )

    def handle(self, *args, **options):
        if options["dry_run"]:
            self.dry_run(options["files"], as_json=options["json"])
            return
        if options["files"]:
            raise CommandError("file arguments are only read with --dry-run; pipe one mail in")
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("ingest_email: the input is empty, not a mail")
            sys.exit(EX_DATAERR)
        summary = dry_run_summary(
            raw, our_domain=settings.MAIL_DOMAIN, reference_prefix=settings.TICKET_REFERENCE_PREFIX
        )
        if summary["kind"] == "invalid":
            self.stderr.write(f"ingest_email: not a mail: {summary['reason']}")
            sys.exit(EX_DATAERR)
        try:
            stored = mail_store(raw=raw, source="pipe", enqueue=not options["json"])
            result = mail_process(inbound_pk=stored.inbound.pk) if options["json"] else None
        except MailTooLarge as error:
            self.stderr.write(f"ingest_email: {error}")
            sys.exit(EX_DATAERR)
        except DatabaseError as error:
            self.stderr.write(f"ingest_email: temporary failure, try again later: {error}")
            sys.exit(EX_TEMPFAIL)
        if options["json"]:
            if stored.created and result is not None:
                inbound, action, ticket = result.inbound, result.action, result.ticket
            else:
                inbound, action, ticket = stored.inbound, "duplicate", stored.inbound.ticket
            self.stdout.write(
                json.dumps(
                    {
                        "inbound": inbound.pk,
                        "status": inbound.status,
                        "action": action,
                        "ticket": ticket.reference if ticket else None,
                    },
                    ensure_ascii=False,
                )
            )

    def dry_run(self, files: list[str], *, as_json: bool) -> None:
        sources = files or ["-"]
        for name in sources:
            if name == "-":
                raw = sys.stdin.buffer.read()
            else:
                try:
                    with open(name, "rb") as handle:
                        raw = handle.read()
                except OSError as error:
                    summary = {"kind": "invalid", "reason": f"cannot read the file: {error}"}
                    self.emit(summary, name if files else None, as_json)
                    continue
            summary = dry_run_summary(
                raw,
                our_domain=settings.MAIL_DOMAIN,
                reference_prefix=settings.TICKET_REFERENCE_PREFIX,
            )
            self.emit(summary, name if files else None, as_json)

    def emit(self, summary: dict, file_name: str | None, as_json: bool) -> None:
        if file_name is not None:
            summary = {"file": file_name, **summary}
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{summary.get('file', '-')}: {summary['kind']} "
                f"{summary.get('subject', summary.get('reason', ''))}"
            )
