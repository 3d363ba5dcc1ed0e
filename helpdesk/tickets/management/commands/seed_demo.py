"""``python manage.py seed_demo [--tickets N]``: policies, demo staff and demo tickets.

Run by ``make run``. Safe to repeat: it creates only what is missing and prints the demo
accounts' credentials every time (the password is generated once and kept under var/). The
first run on an empty desk adds a small set of tickets, so a newcomer sees a living console;
``--tickets N`` adds N more (200,000 take a few minutes on PostgreSQL).

It lives in the tickets app, not core, because it writes tickets: core sits below tickets in
the app graph and may not import it.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from helpdesk.core.roles import AGENT, SUPERVISOR
from helpdesk.tickets.demo import demo_tickets_seed
from helpdesk.tickets.models import Ticket
from sla.services import sla_policy_seed_defaults

DEMO_USERNAME = "staff"
# (username, name, role): the desk's people, who demo tickets are assigned to.
DEMO_STAFF = (
    ("agent.sato", "佐藤 美咲", AGENT),
    ("agent.kimura", "木村 健", AGENT),
    ("agent.inoue", "井上 由美", AGENT),
    ("lead.tanaka", "田中 直樹", SUPERVISOR),
)
FIRST_RUN_TICKETS = 150


class Command(BaseCommand):
    help = "Seed SLA policies, demo staff and demo tickets (development and benchmarks only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow outside DEBUG (creates known logins)"
        )
        parser.add_argument(
            "--tickets",
            type=int,
            default=None,
            help=f"add this many demo tickets (default: {FIRST_RUN_TICKETS} on an empty desk)",
        )
        parser.add_argument("--seed", type=int, default=20261203, help="random seed")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates a known login; run it with DJANGO_DEBUG=1.")
        created = sla_policy_seed_defaults()
        self.stdout.write(f"SLA policies: {created} created")
        password = self.demo_password()
        staff = self.demo_staff(password)
        count = options["tickets"]
        if count is None:
            count = 0 if Ticket.objects.exists() else FIRST_RUN_TICKETS
        if count:
            started = time.monotonic()
            counts = demo_tickets_seed(
                count=count, staff=staff, seed=options["seed"], progress=self.progress
            )
            self.stdout.write(
                f"Demo desk: {counts.tickets} tickets, {counts.messages} messages, "
                f"{counts.events} events, {counts.contacts} contacts, "
                f"{counts.organizations} organizations in {time.monotonic() - started:.1f} s"
            )
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(
            f"Demo staff login: {site}/console/  user={DEMO_USERNAME} password={password} "
            f"(also {', '.join(name for name, _, _ in DEMO_STAFF)} with the same password)"
        )

    def progress(self, counts) -> None:
        if counts.tickets % 50_000 == 0:
            self.stdout.write(f"  {counts.tickets} tickets ...")

    def demo_staff(self, password: str) -> list:
        """The superuser ``staff`` and a few agents and a supervisor, all with ``password``."""
        User = get_user_model()
        people = []
        with transaction.atomic():
            admin, _created = User.objects.get_or_create(
                username=DEMO_USERNAME,
                defaults={"is_staff": True, "is_superuser": True, "email": "staff@example.jp"},
            )
            if not admin.check_password(password):
                admin.set_password(password)
                admin.save(update_fields=["password"])
            for username, name, role in DEMO_STAFF:
                last_name, first_name = name.split(" ")
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "last_name": last_name,
                        "first_name": first_name,
                        "email": f"{username}@helpdesk.example.jp",
                    },
                )
                if created or not user.check_password(password):
                    user.set_password(password)
                    user.save()
                group, _created = Group.objects.get_or_create(name=role)
                user.groups.add(group)
                people.append(user)
        return people

    def demo_password(self) -> str:
        path = Path(settings.VAR_DIR) / "demo-staff-password.txt"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        path.write_text(password + "\n")
        path.chmod(0o600)
        return password
