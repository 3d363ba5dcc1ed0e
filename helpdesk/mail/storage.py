"""Storing incoming mail: the first thing every entry point does, before anything else.

``mail_store`` is all an entry point does (SMTP, LMTP, the MTA pipe, HTTP, IMAP): it keeps the
raw bytes in an InboundMail row, deduplicated by a digest of the content (``digest.py``), and
enqueues processing after commit (``services.py``). Also the keys of external gateways.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from celery import signature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.core.tokens import token_hash, token_new

from .digest import content_digest
from .models import InboundMail, MailGatewayToken

# The task module imports this one (tasks call services), so the service names its task
# instead of importing it.
MAIL_PROCESS_TASK = "helpdesk.mail.tasks.mail_process_task"

logger = logging.getLogger(__name__)

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)
_ANGLE_ID = re.compile(rb"<([^<>\s]+)>")


class MailTooLarge(ValueError):
    pass


class MailEmpty(ValueError):
    """Nothing to store: the sender sent no bytes (an entry point answers 400 / exit 65)."""


@dataclass(frozen=True)
class StoreResult:
    inbound: InboundMail
    created: bool


def header_message_id(raw: bytes) -> str:
    """The Message-ID from the header block, without parsing the mail (storage comes first)."""
    header_end = _HEADER_END.search(raw)
    headers = raw[: header_end.start()] if header_end else raw[:65536]
    match = _MESSAGE_ID.search(headers)
    if not match:
        return ""
    angle = _ANGLE_ID.search(match.group(1))
    value = angle.group(1) if angle else match.group(1).strip()
    text = value.decode("ascii", "replace").strip()
    return f"<{text}>" if text else ""


def _enqueue_processing(inbound_pk: int) -> None:
    try:
        signature(MAIL_PROCESS_TASK).delay(inbound_pk)
    except Exception:
        # The mail is stored; the periodic sweep of stuck mail will enqueue it again.
        logger.warning(
            "could not enqueue inbound mail %s; the sweep will retry", inbound_pk, exc_info=True
        )


def mail_store(
    *,
    raw: bytes,
    source: str,
    source_detail: str = "",
    envelope_sender: str = "",
    envelope_recipients: list[str] | tuple[str, ...] = (),
    enqueue: bool = True,
) -> StoreResult:
    """Keep the raw mail before anything else; the same mail again changes nothing.

    "The same mail" is the same content whatever the path added (``content_digest``): a mail
    relayed again with one more ``Received:`` is recognised, with or without a Message-ID,
    and a different mail that reuses a Message-ID is kept as the mail it is.
    """
    if not raw.strip():
        raise MailEmpty("the message is empty")
    if len(raw) > settings.MAIL_MAX_BYTES:
        raise MailTooLarge(f"{len(raw)} bytes exceeds the {settings.MAIL_MAX_BYTES}-byte limit")
    digest = hashlib.sha256(raw).hexdigest()
    message_id = header_message_id(raw)
    dedupe_key = f"content:{content_digest(raw)}"
    # Insert first and let the unique key catch a redelivery: one query for a new mail.
    try:
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                dedupe_key=dedupe_key,
                message_id=message_id[:500],
                sha256=digest,
                raw=raw,
                size=len(raw),
                source=source,
                source_detail=source_detail[:300],
                envelope_sender=envelope_sender[:500],
                envelope_recipients="\n".join(envelope_recipients),
            )
            if enqueue:
                transaction.on_commit(lambda: _enqueue_processing(inbound.pk))
    except IntegrityError:
        # Delivered before (by any entry point): that delivery stored it; nothing changes.
        return StoreResult(InboundMail.objects.get(dedupe_key=dedupe_key), False)
    return StoreResult(inbound, True)


def mail_gateway_token_create(*, name: str) -> str:
    """A new key for an external gateway; only its hash is kept, so it is shown once."""
    raw_token = token_new()
    MailGatewayToken.objects.create(name=name, token_hash=token_hash(raw_token))
    return raw_token


def mail_gateway_token_check(*, raw_token: str) -> MailGatewayToken | None:
    gateway = MailGatewayToken.objects.filter(
        token_hash=token_hash(raw_token), is_active=True
    ).first()
    if gateway is not None:
        MailGatewayToken.objects.filter(pk=gateway.pk).update(last_used_at=timezone.now())
    return gateway
