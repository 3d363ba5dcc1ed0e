"""``python manage.py ingest_email``: take one mail from an MTA pipe (standard input).

Exit codes follow sysexits(3), which MTAs understand: 0 stored, 65 (EX_DATAERR) empty or too
large, 75 (EX_TEMPFAIL) a temporary failure such as the database being down, so the MTA keeps
the mail and tries again. Anything else is stored first; what cannot be read as a mail is
quarantined, never bounced, so an operator can look at it.

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

from helpdesk.mail.services import mail_process
from helpdesk.mail.storage import MailEmpty, MailTooLarge, mail_store
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
        try:
            stored = mail_store(raw=raw, source="pipe", enqueue=not options["json"])
        except (MailEmpty, MailTooLarge) as error:
            self.stderr.write(f"ingest_email: {error}")
            sys.exit(EX_DATAERR)
        except Exception as error:
            # The database is down or failing: the MTA keeps the mail and tries again.
            self.stderr.write(f"ingest_email: temporary failure, try again later: {error}")
            sys.exit(EX_TEMPFAIL)
        # Stored: from here on nothing is the MTA's concern (processing quarantines what fails).
        if not options["json"]:
            return
        try:
            result = mail_process(inbound_pk=stored.inbound.pk)
        except Exception as error:
            # Kept as received: the stuck-mail sweep processes it again later.
            self.stderr.write(f"ingest_email: stored, processing failed: {error!r}")
            self.stdout.write(json.dumps({"inbound": stored.inbound.pk, "status": "received"}))
            return
        inbound = result.inbound if stored.created else stored.inbound
        action = result.action if stored.created else "duplicate"
        ticket = result.ticket if stored.created else inbound.ticket
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
