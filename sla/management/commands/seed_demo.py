"""``python manage.py seed_demo``: the default SLA policies and a demo staff account.

Run by ``make run``. Safe to repeat: it creates only what is missing and prints the demo
account's credentials every time (the password is generated once and kept under var/).
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sla.services import sla_policy_seed_defaults

DEMO_USERNAME = "staff"


class Command(BaseCommand):
    help = "Seed the default SLA policies and a demo staff user (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow outside DEBUG (creates a staff login)"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates a known login; run it with DJANGO_DEBUG=1.")
        created = sla_policy_seed_defaults()
        self.stdout.write(f"SLA policies: {created} created")
        password = self.demo_password()
        User = get_user_model()
        with transaction.atomic():
            user, _created = User.objects.get_or_create(
                username=DEMO_USERNAME,
                defaults={"is_staff": True, "is_superuser": True, "email": "staff@example.jp"},
            )
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write(
            f"Demo staff login: {settings.SITE_URL.rstrip('/')}/admin/  user={DEMO_USERNAME} "
            f"password={password}"
        )

    def demo_password(self) -> str:
        path = Path(settings.VAR_DIR) / "demo-staff-password.txt"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        path.write_text(password + "\n")
        path.chmod(0o600)
        return password
