"""What a bounce says: which of our mails failed, for whom, and why.

Standard bounces are RFC 3464 reports (``multipart/report`` with a ``message/delivery-status``
part and the returned mail or its headers). Many MTAs still send plain-text bounces from
MAILER-DAEMON with the original headers quoted in the body, so those are read too, by
pattern. Some follow no standard at all (``unstandard_bounce``): plain-text notices from
ordinary addresses, cloud mail services' JSON notifications, mailing-list managers' refusals.
Pure functions over decoded text: the MIME walk happens in ``parse``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .headers import parse_message_ids


def is_daemon_address(address: str) -> bool:
    """MAILER-DAEMON or postmaster: the senders of delivery reports."""
    return address.strip().strip("<>").partition("@")[0].lower() in ("mailer-daemon", "postmaster")


@dataclass(frozen=True)
class BounceInfo:
    original_message_id: str = ""
    failed_recipients: list[str] = field(default_factory=list)
    status: str = ""  # RFC 3463 enhanced status code, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words, e.g. "550 5.1.1 User unknown"
    # For a bounce that follows no standard: what gave it away (shown as the reason).
    recognised_by: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_FOLDED_LINE = re.compile(r"\n[ \t]+")
_FIELD = re.compile(r"^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$")
_BLOCK_SEPARATOR = re.compile(r"\n[ \t]*\n")


def delivery_status_fields(text: str) -> list[dict[str, str]]:
    """The blocks of a delivery-status body (per-message, then one per recipient), each as
    lower-cased field name -> value."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[dict[str, str]] = []
    for block in _BLOCK_SEPARATOR.split(text):
        fields: dict[str, str] = {}
        for line in _FOLDED_LINE.sub(" ", block).split("\n"):
            match = _FIELD.match(line.strip())
            if match:
                fields.setdefault(match.group(1).lower(), match.group(2).strip())
        if fields:
            blocks.append(fields)
    return blocks


_QUOTED_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*\n?[ \t>]*(<[^<>\s]+>)", re.I | re.M)
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_SMTP_REPLY = re.compile(r"(?<!\d)[45]\d\d[ -]\S.*")
_ADDRESS = r"[^\s<>@:;,\"()]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_ADDRESS_LINE = re.compile(rf"^[ \t]*<?({_ADDRESS})>?[ \t]*(?::.*)?$", re.M)
_DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
_BOUNCE_PHRASES = re.compile(
    r"undeliver|undelivered mail|delivery status notification|delivery has failed|"
    r"mail delivery failed|returned mail|could not be delivered|failure notice|"
    r"delivery failure|user unknown|配信不能|配送エラー|配信エラー|配信できません|配送できません|"
    r"送信できませんでした|宛先不明|届きませんでした",
    re.I,
)


def looks_like_bounce_text(subject: str, text: str) -> bool:
    """A plain-text body or subject that reads like a delivery failure report."""
    return bool(_BOUNCE_PHRASES.search(subject) or _BOUNCE_PHRASES.search(text[:5000]))


def _address(value: str) -> str:
    # "rfc822; user@example.jp" -> "user@example.jp"
    return value.rpartition(";")[2].strip().strip("<>").lower()


def _diagnostic(value: str) -> str:
    return " ".join(value.rpartition(";")[2].split())[:300]


def bounce_info(
    *,
    delivery_status: str = "",
    original_headers: str = "",
    body_text: str = "",
    failed_recipients_header: str = "",
    ignored_addresses: frozenset[str] = frozenset(),
) -> BounceInfo:
    """Combine what a bounce offers, best source first: the delivery-status fields, the
    returned headers, then patterns in the human-readable text."""
    recipients: list[str] = []
    chosen: dict[str, str] = {}
    for fields in delivery_status_fields(delivery_status or body_text):
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if not recipient:
            continue  # the per-message block
        action = fields.get("action", "").lower()
        if action in ("", "failed"):
            recipients.append(_address(recipient))
        # A delay warning for one recipient must not hide the failure of another.
        if not chosen or (action == "failed" and chosen.get("action", "").lower() != "failed"):
            chosen = fields
    status = (chosen.get("status", "").split() or [""])[0]
    diagnostic = _diagnostic(chosen.get("diagnostic-code", ""))
    original = ""
    for source in (original_headers, body_text):
        match = _QUOTED_MESSAGE_ID.search(source)
        if match:
            original = parse_message_ids(match.group(1))[0]
            break
    if not recipients and failed_recipients_header:
        recipients = [_address(part) for part in failed_recipients_header.split(",")]
    if not recipients:
        # Guessing from free text: never the report's own sender or recipients (that is us).
        recipients = [
            address.lower()
            for address in _ADDRESS_LINE.findall(body_text[:20000])
            if address.split("@")[0].lower() not in _DAEMON_LOCAL_PARTS
            and address.lower() not in ignored_addresses
        ]
    if not status:
        match = _STATUS.search(body_text)
        status = match.group(1) if match else ""
    if not diagnostic:
        match = _SMTP_REPLY.search(body_text)
        diagnostic = " ".join(match.group(0).split())[:300] if match else ""
    return BounceInfo(
        original_message_id=original,
        failed_recipients=list(dict.fromkeys(address for address in recipients if address)),
        status=status,
        diagnostic=diagnostic,
    )


# --- Bounces that follow no standard ----------------------------------------------------------

# _FAILURE_SUBJECT and _LIST_MANAGER are searched in lower-cased text, without re.I: they are
# tried on every mail, and re.I makes an alternation many times slower.
_FAILURE_SUBJECT = re.compile(
    r"undeliver(ed|able)|mail delivery (failed|failure|subsystem)|delivery (status notification|"
    r"failure|has failed|notification)|returned mail|failure notice|mail system error|"
    r"message not delivered|non-?deliver|mail loop|loop detected|too many hops|"
    r"配信(不能|エラー|失敗)|配送(不能|エラー|失敗)|送信(エラー|失敗)|エラーメール|不達|メールループ|"
    r"(届きませんでした|配信できませんでした|送信できませんでした)",
)
# Only the first lines are read: every mail passes this test, and a notice says what it is
# at once. No re.I: it is searched in lower-cased text, many times faster.
_FAILURE_OPENING = re.compile(
    r"this is the mail system at|created automatically by mail delivery software|"
    r"could not be delivered to one or more|your message did not reach|was undeliverable|"
    r"recipients? failed|i'm sorry to have to inform you|"
    r"配送に失敗しました|配信に失敗しました|配信できませんでした|送信できませんでした|"
    r"届けることができませんでした",
)
_QUOTED_ORIGINAL = re.compile(
    r"original message|returned message|copy of the message|message headers? follows?|"
    r"元の(メッセージ|メール)|送信されたメール|^[ \t>]*(message-id|received):",
    re.I | re.M,
)
_LIST_MANAGER = re.compile(
    r"(-owner|-bounces?|-request|-admin)$|^(owner-|majordomo|mailman|listserv|listproc|ezmlm|"
    r"sympa|fml|ml-?admin)",
)
_LIST_REFUSAL = re.compile(
    r"not a member|non-?member|only (list )?members|members only|posting (is )?restricted|"
    r"not allowed to post|not subscribed|mail ?loop|loop detected|looping|"
    r"メンバーではありません|メンバー以外|会員以外|登録されていない|ループ",
    re.I,
)
# A person writing about a failed delivery says so in words no mail system uses.
_PERSON = re.compile(
    r"not an? (bounce|error mail)|バウンスではありません|エラーメールではありません|"
    r"お世話になって|よろしくお願い|教えてください|could you|can you|please (help|advise)|"
    r"thank you|thanks",
    re.I,
)
_REPLY_OR_FORWARD = re.compile(r"^\s*(re|fwd?|aw|wg|tr|返信|転送)\s*[:：]", re.I)


_JSON_START = re.compile(r"\s*\{")


def _json_object(text: str) -> dict[str, Any] | None:
    if not _JSON_START.match(text):  # checked for every mail: no copy of the text
        return None
    text = text.strip()
    if not text.endswith("}"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("Message"), str):
        # A notification service's envelope around the mail service's own JSON.
        return _json_object(value["Message"]) or value
    return value if isinstance(value, dict) else None


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, dict) else {}


def _json_bounce(notification: dict[str, Any]) -> BounceInfo | None:
    """Cloud mail services' delivery-failure events: SES-style ``notificationType``/
    ``eventType`` "Bounce" with ``bounce.bouncedRecipients``, or one-event ``event``/
    ``RecordType`` objects naming one recipient."""
    kind = str(
        notification.get("notificationType")
        or notification.get("eventType")
        or notification.get("event")
        or notification.get("RecordType")
        or ""
    ).lower()
    if kind not in ("bounce", "dropped", "failed", "hardbounce"):
        return None
    details = _object(notification, "bounce")
    listed = details.get("bouncedRecipients")
    entries = [
        entry
        for entry in (listed if isinstance(listed, list) else [notification])
        if isinstance(entry, dict)
    ]
    recipients = [
        str(entry.get("emailAddress") or entry.get("recipient") or entry.get("email") or "")
        for entry in entries
    ]
    first: dict[str, Any] = entries[0] if entries else {}
    mail = _object(notification, "mail")
    common = _object(mail, "commonHeaders")
    headers = mail.get("headers")
    header_ids = [
        str(header.get("value", ""))
        for header in (headers if isinstance(headers, list) else [])
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id"
    ]
    candidates = [str(common.get("messageId") or ""), *header_ids]
    candidates.append(str(notification.get("message-id") or notification.get("MessageID") or ""))
    original = next((ids[0] for ids in map(parse_message_ids, candidates) if ids), "")
    diagnostic = str(
        first.get("diagnosticCode") or first.get("reason") or notification.get("Details") or ""
    )
    return BounceInfo(
        original_message_id=original,
        failed_recipients=[address.strip().lower() for address in recipients if "@" in address],
        status=str(first.get("status") or ""),
        diagnostic=" ".join(diagnostic.split())[:300],
        recognised_by="delivery failure notification in JSON",
    )


_ANGLE_ADDRESS = re.compile(rf"<({_ADDRESS})>")


def _named_recipients(head: str, ignored: frozenset[str]) -> list[str]:
    """Addresses a notice names in its own sentences ("message to <a@b> was undeliverable"),
    not those in the returned mail quoted below it."""
    quoted = _QUOTED_ORIGINAL.search(head)
    own_words = head[: quoted.start()] if quoted else head
    found = [address.lower() for address in _ANGLE_ADDRESS.findall(own_words)]
    return list(dict.fromkeys(address for address in found if address not in ignored))


def unstandard_bounce(
    *, subject: str, text: str, sender: str, ignored_addresses: frozenset[str] = frozenset()
) -> BounceInfo | None:
    """A delivery failure that carries no DSN, no Auto-Submitted and no daemon sender,
    recognised from its structure and wording; ``None`` for anything a person wrote (a reply
    or forward, polite words, "this is not a bounce")."""
    notification = _json_object(text)
    if notification is not None:
        return _json_bounce(notification)
    if _REPLY_OR_FORWARD.match(subject):  # a person answering or passing a notice on
        return None
    # The rare positive signs next: most mail is read no further than these.
    if _LIST_MANAGER.search(sender.partition("@")[0].lower()) and (
        _LIST_REFUSAL.search(subject) or _LIST_REFUSAL.search(text, 0, 5000)
    ):
        recognised_by = "mailing list manager's error reply"
    elif (
        _FAILURE_SUBJECT.search(subject.lower()) or _FAILURE_OPENING.search(text[:300].lower())
    ) and (
        _SMTP_REPLY.search(text, 0, 5000)
        or _STATUS.search(text, 0, 5000)
        or _QUOTED_ORIGINAL.search(text, 0, 5000)
    ):
        recognised_by = "plain-text delivery failure notice"
    else:
        return None
    head = text[:5000]
    if _PERSON.search(subject) or _PERSON.search(head):
        return None
    ignored = ignored_addresses | {sender}
    found = bounce_info(body_text=text, ignored_addresses=ignored)
    return BounceInfo(
        original_message_id=found.original_message_id,
        failed_recipients=found.failed_recipients or _named_recipients(head, ignored),
        status=found.status,
        diagnostic=found.diagnostic,
        recognised_by=recognised_by,
    )
