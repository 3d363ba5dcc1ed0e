"""``python manage.py create_api_token USERNAME NAME``: a staff API key, printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from helpdesk.api.services import staff_api_token_create
from helpdesk.core.roles import user_is_agent


class Command(BaseCommand):
    help = "Create a staff API token for a desk user (agent role or above); prints it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'reporting script'")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if not user_is_agent(user):
            raise CommandError(f"{user.get_username()} has no desk role (agent or above)")
        raw_token = staff_api_token_create(user=user, name=options["name"])
        self.stdout.write(raw_token)
