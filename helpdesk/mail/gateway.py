"""The SMTP and LMTP intake gateway (aiosmtpd).

It accepts mail only for the configured addresses or domains (550 otherwise), refuses mail
over the size limit (552), offers STARTTLS when a certificate is configured, and stores each
mail with ``mail_store`` before answering 250, then hands it to the workers in a batch with
the mails stored beside it (``enqueue.py``). When the database cannot take the mail it
answers 451, a temporary failure, so the sending MTA keeps the mail and tries again: a mail is
either stored or still queued at the sender, never lost in between.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from aiosmtpd.controller import Controller, _server_to_client_ssl_ctx
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session, syntax
from django.db import connections

from helpdesk.core.taskbase import TRANSIENT_DATABASE_ERRORS, database_connections_discard_broken

from .enqueue import ProcessingBatcher
from .storage import MailEmpty, MailTooLarge, StoreResult, mail_store

logger = logging.getLogger(__name__)
# aiosmtpd's logger: "Peer: ..." and "... connection lost" for every connection.
SMTP_SESSION_LOG = logging.getLogger("mail.log")

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


def _store_blocking(
    raw: bytes,
    source: str,
    envelope: Envelope,
    peer: object,
    *,
    hand_over: Callable[[int], None],
) -> int:
    def store() -> StoreResult:
        return mail_store(
            raw=raw,
            source=source,
            source_detail=f"peer={peer}",
            envelope_sender=envelope.mail_from or "",
            envelope_recipients=list(envelope.rcpt_tos),
            enqueue=False,  # handed over below, in a batch with its neighbours
        )

    # Each store thread keeps its connection from mail to mail: checking it before every mail
    # (Django's health check) was a third of a store's round trips. A connection that died
    # meanwhile (a database restart) fails here instead; it is replaced and the mail stored
    # once more, which is safe: a mail stored already is recognised.
    try:
        result = store()
    except TRANSIENT_DATABASE_ERRORS:
        database_connections_discard_broken()
        result = store()
    if result.created:  # committed: mail_store's transaction has ended
        hand_over(result.inbound.pk)
    return result.inbound.pk


class IntakeHandler:
    def __init__(
        self,
        *,
        accepted_recipients: Sequence[str],
        source: str = "smtp",
        store: Callable[[bytes, str, Envelope, object], int] | None = None,
    ) -> None:
        self.accepted_recipients = list(accepted_recipients)
        self.source = source
        self.batcher = ProcessingBatcher()
        self.store = store or functools.partial(_store_blocking, hand_over=self.batcher.add)
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
        self.batcher.close()  # after the stores: the last mails stored are handed over too

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
            inbound_pk = await loop.run_in_executor(
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
            reply = f"250 2.0.0 OK stored as {inbound_pk}"
        if isinstance(server, LMTP):
            # LMTP answers DATA once per recipient; the mail is stored once for all of them.
            return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))
        return reply


class StartupProbeFilter(logging.Filter):
    """Drops aiosmtpd's lines about the controller's own start-up probe.

    At start, the controller connects to its own port and reads the greeting: the server builds
    its protocol lazily, on the first connection, and this proves it answers. aiosmtpd then logs
    that connection like a client's, ending in "connection lost", which reads as a fault at
    every start. The probe connects from an address noted here, and only its lines are dropped.
    """

    def __init__(self) -> None:
        super().__init__()
        self.probe_addresses: set[tuple[str, int]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        peer = args[0] if args else None
        if not isinstance(peer, tuple) or tuple(peer[:2]) not in self.probe_addresses:
            return True
        if "connection lost" in str(record.msg):
            self.probe_addresses.discard(tuple(peer[:2]))  # its last line: a client may reuse it
        return False


STARTUP_PROBE_FILTER = StartupProbeFilter()
SMTP_SESSION_LOG.addFilter(STARTUP_PROBE_FILTER)


_END_OF_DATA = (b".\r\n", b".\n")


async def _receive_data(server: SMTP, arg: str) -> None:
    """DATA that also takes lines ended by a bare LF, keeping each line as it came.

    RFC 5321 wants CRLF, but scripts that pipe a Unix file into a socket send LF. aiosmtpd reads
    only up to CRLF, so such a mail arrives as one overlong line and is refused with a
    misleading "500 Line too long"; the sender then retries it for days.
    """
    if await server.check_helo_needed() or await server.check_auth_needed("DATA"):
        return
    if server.envelope is None or not server.envelope.rcpt_tos:
        await server.push("503 Error: need RCPT command")
        return
    if arg:
        await server.push("501 Syntax: DATA")
        return
    await server.push("354 End data with <CR><LF>.<CR><LF>")
    reader = server._reader
    lines: list[bytes] = []
    size, too_big, too_long, inside_long_line = 0, False, False, False
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as overrun:
            # Longer than RFC 5321's 1,000 bytes: read it away, answer when DATA ends.
            line = await reader.read(overrun.consumed)
            too_long, inside_long_line = True, True
            continue
        except (asyncio.CancelledError, asyncio.IncompleteReadError):
            server._writer.close()  # the connection was lost during DATA
            raise
        if inside_long_line:  # the end of the overlong line, not a line of its own
            inside_long_line = False
            continue
        if line in _END_OF_DATA:
            break
        size += len(line)
        too_big = too_big or bool(server.data_size_limit and size > server.data_size_limit)
        if not (too_big or too_long):
            lines.append(line[1:] if line.startswith(b".") else line)  # RFC 5321 4.5.2
    if too_big or too_long:
        server._set_post_data_state()
        await server.push(
            "552 Error: Too much mail data" if too_big else "500 Line too long (RFC 5321 4.5.3.1.6)"
        )
        return
    server.envelope.content = server.envelope.original_content = b"".join(lines)
    status = await server._call_handler_hook("DATA")
    server._set_post_data_state()
    await server.push("250 OK" if status is MISSING else status)


# A path as nearly every sender writes it: ``<local@domain>``, dot-atoms only, then perhaps
# parameters (``SIZE=1234``), no comments.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_PATH = re.compile(
    rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>(?:[ \t]+([^()]*))?"
)


class _PlainPathsFirst(SMTP):
    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """The address of MAIL FROM and RCPT TO. aiosmtpd reads every one with the mail header
        parser (and defines a class on each call): a quarter of the gateway's CPU at a few
        hundred mails a second. A plain path is read here; anything else as aiosmtpd reads it.
        """
        plain = _PLAIN_PATH.fullmatch(arg.lstrip(" \t"))
        if plain is None:
            return super()._getaddr(arg)
        address, rest = plain.group(1), plain.group(2) or ""
        local_part = address.rpartition("@")[0]
        if self.local_part_limit and len(local_part) > self.local_part_limit:
            return None, None
        return address, rest


class IntakeSMTP(_PlainPathsFirst):
    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        await _receive_data(self, arg)


class IntakeLMTP(_PlainPathsFirst, LMTP):
    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        await _receive_data(self, arg)


class IntakeController(Controller):
    def __init__(self, handler: IntakeHandler, *, lmtp: bool = False, **kwargs) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        server_class = IntakeLMTP if self.lmtp else IntakeSMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()

    def _trigger_server(self) -> None:
        """aiosmtpd's start-up probe, from a source address bound first and noted, so that
        ``StartupProbeFilter`` can tell its log lines from a client's."""
        host = self.hostname or self._localhost
        family, kind, protocol, _name, address = socket.getaddrinfo(
            host, self.port, type=socket.SOCK_STREAM
        )[0]
        with ExitStack() as stack:
            probe = stack.enter_context(socket.socket(family, kind, protocol))
            probe.settimeout(1.0)
            probe.bind((address[0], 0))
            STARTUP_PROBE_FILTER.probe_addresses.add(tuple(probe.getsockname()[:2]))
            probe.connect(address)
            if self.ssl_context:
                context = _server_to_client_ssl_ctx(self.ssl_context)
                probe = stack.enter_context(context.wrap_socket(probe))
            probe.recv(1024)


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
