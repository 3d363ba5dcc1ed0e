"""IMAP polling against a real Dovecot server (Debian's dovecot-imapd) on loopback, over TLS."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from helpdesk.mail.imap import imap_poll, parse_mailbox_url
from helpdesk.mail.models import ImapMailboxState, InboundMail
from tests.conftest import service_missing
from tests.mail.intake.conftest import free_port, japanese_mail, self_signed_certificate

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
"""


@pytest.fixture
def dovecot() -> Iterator[int]:
    if not os.access(DOVECOT, os.X_OK):
        service_missing("Dovecot is not installed (Debian package dovecot-imapd)")
    # Dovecot's unprivileged processes must reach these files: not under pytest's 0700 tmp.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-imap-", dir="/tmp"))
    root.chmod(0o755)
    for folder in ("mail", "home"):
        (root / folder).mkdir(mode=0o777)
        (root / folder).chmod(0o777)
    self_signed_certificate(root)
    (root / "key.pem").chmod(0o644)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port))
    subprocess.run([DOVECOT, "-c", str(config)], check=True, timeout=30)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                IMAPClient(
                    "127.0.0.1", port=port, ssl=True, ssl_context=_insecure(), timeout=2
                ).logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail((root / "dovecot.log").read_text())
                time.sleep(0.2)
        yield port
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], timeout=30, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def deliver(port: int, *mails: bytes) -> None:
    client = IMAPClient("127.0.0.1", port=port, ssl=True, ssl_context=_insecure(), timeout=10)
    client.login("support", "secret")
    for raw in mails:
        client.append("INBOX", raw)
    client.logout()


pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_poll_stores_each_new_mail_once_and_flags_it_on_the_server(dovecot):
    config = parse_mailbox_url(f"imaps://support:secret@127.0.0.1:{dovecot}/INBOX?verify=0")
    deliver(
        dovecot,
        japanese_mail(message_id="<imap-1@customer.example.jp>"),
        japanese_mail(message_id="<imap-2@customer.example.jp>"),
    )

    first = imap_poll(config)
    assert (first.fetched, first.stored, first.duplicates) == (2, 2, 0)
    assert set(InboundMail.objects.values_list("message_id", flat=True)) == {
        "<imap-1@customer.example.jp>",
        "<imap-2@customer.example.jp>",
    }
    assert InboundMail.objects.filter(source="imap").count() == 2

    # Nothing new: nothing fetched again.
    assert imap_poll(config).fetched == 0

    deliver(dovecot, japanese_mail(message_id="<imap-3@customer.example.jp>"))
    third = imap_poll(config)
    assert (third.fetched, third.stored) == (1, 1)
    state = ImapMailboxState.objects.get(mailbox=config.key)
    assert state.last_uid == 3

    client = IMAPClient("127.0.0.1", port=dovecot, ssl=True, ssl_context=_insecure())
    client.login("support", "secret")
    client.select_folder("INBOX")
    assert sorted(client.search(["SEEN"])) == [1, 2, 3]  # flagged, never deleted
    client.logout()


def test_a_poll_that_died_before_recording_the_uid_fetches_again_without_duplicates(dovecot):
    config = parse_mailbox_url(f"imaps://support:secret@127.0.0.1:{dovecot}/INBOX?verify=0")
    deliver(dovecot, japanese_mail(message_id="<again@customer.example.jp>"))
    imap_poll(config)
    # As if the poller crashed after storing but before saving its place.
    ImapMailboxState.objects.filter(mailbox=config.key).update(last_uid=0)

    again = imap_poll(config)
    assert (again.fetched, again.stored, again.duplicates) == (1, 0, 1)
    assert InboundMail.objects.count() == 1


def test_processed_mail_can_be_moved_to_a_folder(dovecot):
    client = IMAPClient("127.0.0.1", port=dovecot, ssl=True, ssl_context=_insecure())
    client.login("support", "secret")
    client.create_folder("Processed")
    client.logout()
    config = parse_mailbox_url(
        f"imaps://support:secret@127.0.0.1:{dovecot}/INBOX?verify=0&processed=Processed"
    )
    deliver(dovecot, japanese_mail(message_id="<moved@customer.example.jp>"))
    assert imap_poll(config).stored == 1

    client = IMAPClient("127.0.0.1", port=dovecot, ssl=True, ssl_context=_insecure())
    client.login("support", "secret")
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Processed")[b"EXISTS"] == 1
    client.logout()


def test_a_renumbered_mailbox_is_read_again_safely(dovecot):
    config = parse_mailbox_url(f"imaps://support:secret@127.0.0.1:{dovecot}/INBOX?verify=0")
    deliver(dovecot, japanese_mail(message_id="<renumbered@customer.example.jp>"))
    imap_poll(config)
    ImapMailboxState.objects.filter(mailbox=config.key).update(uid_validity=1, last_uid=99)

    result = imap_poll(config)
    assert result.fetched == 1 and result.duplicates == 1
    assert ImapMailboxState.objects.get(mailbox=config.key).last_uid == 1


def test_mailbox_urls_are_checked():
    with pytest.raises(ValueError, match="not an IMAP mailbox URL"):
        parse_mailbox_url("https://example.jp/INBOX")
    config = parse_mailbox_url("imap://desk%40example.jp:p%40ss@mail.example.jp/Support")
    assert (config.username, config.password, config.port, config.implicit_tls) == (
        "desk@example.jp",
        "p@ss",
        143,
        False,
    )
    assert config.key == "desk@example.jp@mail.example.jp/Support"
