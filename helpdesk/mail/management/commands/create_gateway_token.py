"""``python manage.py create_gateway_token NAME``: a key for an external mail gateway."""

from django.core.management.base import BaseCommand, CommandError

from helpdesk.mail.models import MailGatewayToken
from helpdesk.mail.storage import mail_gateway_token_create


class Command(BaseCommand):
    help = "Create a token for POST /api/v1/intake/mail; it is printed once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, **options):
        if MailGatewayToken.objects.filter(name=options["name"]).exists():
            raise CommandError(f"a gateway named {options['name']!r} already exists")
        self.stdout.write(mail_gateway_token_create(name=options["name"]))
