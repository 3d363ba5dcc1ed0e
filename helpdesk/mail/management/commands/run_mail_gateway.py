"""``python manage.py run_mail_gateway``: the SMTP (or LMTP) intake server."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.mail.gateway import build_controller

logger = logging.getLogger("helpdesk.mail.gateway")


class Command(BaseCommand):
    help = "Run the SMTP/LMTP mail intake gateway until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.MAIL_GATEWAY_HOST)
        parser.add_argument("--port", type=int, default=settings.MAIL_GATEWAY_PORT)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args, **options):
        controller = build_controller(
            host=options["host"],
            port=options["port"],
            lmtp=options["lmtp"],
            accepted_recipients=settings.MAIL_ACCEPT_RECIPIENTS,
            max_bytes=settings.MAIL_MAX_BYTES,
            certificate=settings.MAIL_GATEWAY_TLS_CERT,
            key=settings.MAIL_GATEWAY_TLS_KEY,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller.start()
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        tls = " with STARTTLS" if settings.MAIL_GATEWAY_TLS_CERT else ""
        # A log line, so it carries the same timestamp as every other line of the desk.
        logger.info(
            "%s gateway%s listening on %s:%s, accepting %s",
            protocol,
            tls,
            options["host"],
            options["port"],
            ", ".join(settings.MAIL_ACCEPT_RECIPIENTS),
        )
        try:
            stop.wait()
        finally:
            controller.stop()
