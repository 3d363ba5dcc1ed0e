"""Polling IMAP mailboxes (imapclient, TLS).

UIDs only mean something together with the mailbox's UIDVALIDITY, so both are kept in
ImapMailboxState. Each mail is stored (and committed) before its UID is recorded and before
it is flagged or moved on the server; nothing is ever deleted. If the poller dies between
storing and recording, the next poll fetches that mail again and the Message-ID dedupe in
``mail_store`` makes the second copy a no-op: nothing is fetched twice into two tickets, and
nothing is skipped.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils import timezone
from imapclient import IMAPClient

from .models import ImapMailboxState
from .storage import MailEmpty, MailTooLarge, mail_store

logger = logging.getLogger(__name__)

STORED_FLAG = b"$HelpdeskStored"
FETCH_BATCH = 50


@dataclass(frozen=True)
class MailboxConfig:
    key: str  # user@host/folder, without the password
    host: str
    port: int
    username: str
    password: str
    folder: str
    implicit_tls: bool
    verify_certificate: bool
    processed_folder: str


@dataclass(frozen=True)
class PollResult:
    fetched: int
    stored: int
    duplicates: int


def parse_mailbox_url(url: str, *, processed_folder: str = "") -> MailboxConfig:
    """``imaps://user:password@host:993/INBOX`` (implicit TLS) or ``imap://…`` (STARTTLS).

    ``?verify=0`` turns off certificate checks, for a test server on loopback only.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError(f"not an IMAP mailbox URL (imaps://user:pass@host/FOLDER): {url!r}")
    implicit_tls = parts.scheme == "imaps"
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    options = parse_qs(parts.query)
    username = unquote(parts.username)
    return MailboxConfig(
        key=f"{username}@{parts.hostname}/{folder}",
        host=parts.hostname,
        port=parts.port or (993 if implicit_tls else 143),
        username=username,
        password=unquote(parts.password or ""),
        folder=folder,
        implicit_tls=implicit_tls,
        verify_certificate=options.get("verify", ["1"])[0] != "0",
        processed_folder=options.get("processed", [processed_folder])[0],
    )


def _tls_context(config: MailboxConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not config.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(config: MailboxConfig) -> IMAPClient:
    context = _tls_context(config)
    client = IMAPClient(
        config.host, port=config.port, ssl=config.implicit_tls, ssl_context=context, timeout=30
    )
    if not config.implicit_tls:
        # Never log in over plain text.
        client.starttls(context)
    client.login(config.username, config.password)
    return client


def imap_poll(
    config: MailboxConfig, *, connect: Callable[[MailboxConfig], IMAPClient] = connect
) -> PollResult:
    state, _created = ImapMailboxState.objects.get_or_create(mailbox=config.key)
    client = connect(config)
    try:
        selected = client.select_folder(config.folder)
        uid_validity = int(selected[b"UIDVALIDITY"])
        if uid_validity != state.uid_validity:
            # The server renumbered the mailbox: read it all again; dedupe keeps it safe.
            state.uid_validity = uid_validity
            state.last_uid = 0
            state.save(update_fields=["uid_validity", "last_uid"])
        # "n:*" always matches the highest UID, even when it is below n: filter again.
        uids = sorted(
            uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"]) if uid > state.last_uid
        )
        stored = duplicates = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    logger.warning(
                        "IMAP %s: UID %s vanished before it was fetched", config.key, uid
                    )
                    continue
                try:
                    result = mail_store(
                        raw=bytes(raw), source="imap", source_detail=f"{config.key} uid={uid}"
                    )
                except (MailEmpty, MailTooLarge) as error:
                    # Nothing we can store; it stays in the mailbox, unflagged, for a person.
                    logger.warning(
                        "IMAP %s: UID %s left in the mailbox: %s", config.key, uid, error
                    )
                    state.last_uid = uid
                    state.save(update_fields=["last_uid"])
                    continue
                stored += result.created
                duplicates += not result.created
                # Recorded only after the mail row is committed (mail_store commits).
                state.last_uid = uid
                state.save(update_fields=["last_uid"])
                if config.processed_folder:
                    client.move([uid], config.processed_folder)
                else:
                    client.add_flags([uid], [b"\\Seen", STORED_FLAG])
        state.last_polled_at = timezone.now()
        state.last_error = ""
        state.save(update_fields=["last_polled_at", "last_error"])
        return PollResult(len(uids), stored, duplicates)
    finally:
        with contextlib.suppress(Exception):  # the connection may already be gone
            client.logout()
