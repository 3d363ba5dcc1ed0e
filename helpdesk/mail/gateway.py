"""The SMTP and LMTP intake gateway (aiosmtpd).

It accepts mail only for the configured addresses or domains (550 otherwise), refuses mail
over the size limit (552), offers STARTTLS when a certificate is configured, and stores each
mail with ``mail_store`` before answering 250. When the database cannot take the mail it
answers 451, a temporary failure, so the sending MTA keeps the mail and tries again: a mail is
either stored or still queued at the sender, never lost in between.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from .services import MailEmpty, MailTooLarge, mail_store

logger = logging.getLogger(__name__)

STORE_THREADS = 4


def recipient_accepted(address: str, accepted: Sequence[str]) -> bool:
    """``support@desk.example.jp`` matches itself; ``@desk.example.jp`` matches the domain."""
    address = address.strip().strip("<>").lower()
    domain = address.rpartition("@")[2]
    for rule in accepted:
        rule = rule.strip().lower()
        if rule.startswith("@") and domain == rule[1:]:
            return True
        if address == rule:
            return True
    return False


def _store_blocking(raw: bytes, source: str, envelope: Envelope, peer: object) -> int:
    close_old_connections()
    try:
        result = mail_store(
            raw=raw,
            source=source,
            source_detail=f"peer={peer}",
            envelope_sender=envelope.mail_from or "",
            envelope_recipients=list(envelope.rcpt_tos),
        )
        return result.inbound.pk
    finally:
        close_old_connections()


class IntakeHandler:
    def __init__(
        self,
        *,
        accepted_recipients: Sequence[str],
        source: str = "smtp",
        store: Callable[[bytes, str, Envelope, object], int] = _store_blocking,
    ) -> None:
        self.accepted_recipients = list(accepted_recipients)
        self.source = source
        self.store = store
        # The ORM is synchronous: stores run in these threads, each with its own connection.
        self.executor = ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="store")

    def close(self) -> None:
        """Close every store thread's database connection, then the threads."""
        barrier = threading.Barrier(STORE_THREADS)

        def close_connection() -> None:
            # The barrier makes each thread take exactly one of these tasks.
            barrier.wait(timeout=10)
            connections.close_all()

        for future in [self.executor.submit(close_connection) for _ in range(STORE_THREADS)]:
            future.result(timeout=15)
        self.executor.shutdown(wait=True)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if not recipient_accepted(address, self.accepted_recipients):
            return f"550 5.1.1 <{address}>: recipient not accepted here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        try:
            inbound_id = await loop.run_in_executor(
                self.executor, self.store, raw, self.source, envelope, session.peer
            )
        except MailTooLarge:
            reply = "552 5.3.4 Message too big"
        except MailEmpty:
            reply = "554 5.6.0 Empty message"
        except Exception:
            logger.exception("could not store an incoming mail; answering 451")
            reply = "451 4.3.0 Temporary failure storing the message, please retry"
        else:
            reply = f"250 2.0.0 OK stored as {inbound_id}"
        if isinstance(server, LMTP):
            # LMTP answers DATA once per recipient; the mail is stored once for all of them.
            return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))
        return reply


class IntakeController(Controller):
    def __init__(self, handler: IntakeHandler, *, lmtp: bool = False, **kwargs) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()


def tls_context(certificate: str, key: str) -> ssl.SSLContext | None:
    if not certificate:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key or None)
    return context


def build_controller(
    *,
    host: str,
    port: int,
    accepted_recipients: Sequence[str],
    max_bytes: int,
    lmtp: bool = False,
    certificate: str = "",
    key: str = "",
    server_hostname: str | None = None,
) -> IntakeController:
    handler = IntakeHandler(
        accepted_recipients=accepted_recipients, source="lmtp" if lmtp else "smtp"
    )
    context = tls_context(certificate, key)
    return IntakeController(
        handler,
        lmtp=lmtp,
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        tls_context=context,
        require_starttls=False,
        server_hostname=server_hostname,
        decode_data=False,
        ident="helpdesk mail gateway",
    )
