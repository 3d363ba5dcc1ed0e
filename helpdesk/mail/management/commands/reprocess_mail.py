"""``python manage.py reprocess_mail ID [ID …]``: process quarantined or failed mail again."""

from django.core.management.base import BaseCommand, CommandError

from helpdesk.mail.models import InboundMail
from helpdesk.mail.services import mail_reprocess


class Command(BaseCommand):
    help = "Process quarantined or failed inbound mails again, by id."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="+", type=int)

    def handle(self, *args, **options):
        failures = 0
        for inbound_pk in options["ids"]:
            try:
                result = mail_reprocess(inbound_pk=inbound_pk)
            except InboundMail.DoesNotExist:
                self.stderr.write(f"#{inbound_pk}: no such inbound mail")
                failures += 1
                continue
            ticket = result.ticket.reference if result.ticket else "-"
            self.stdout.write(
                f"#{inbound_pk}: {result.inbound.status} {result.action or '-'} {ticket} "
                f"{result.inbound.reason}".rstrip()
            )
        if failures:
            raise CommandError(f"{failures} id(s) not found")
