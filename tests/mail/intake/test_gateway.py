"""A real smtplib client talking to the gateway."""

import smtplib

import pytest
from aiosmtpd.smtp import SMTP
from django.db import OperationalError, connection

from helpdesk.mail.gateway import IntakeSMTP, build_controller
from helpdesk.mail.models import InboundMail
from tests.conftest import service_missing
from tests.mail.intake.conftest import free_port, japanese_mail, self_signed_certificate


def test_a_mail_to_an_accepted_address_is_stored_before_the_250(gateway):
    host, port = gateway
    raw = japanese_mail(message_id="<first@customer.example.jp>")
    with smtplib.SMTP(host, port, timeout=10) as client:
        refused = client.sendmail(
            "yamada@customer.example.jp", ["support@helpdesk.example.jp"], raw
        )
    assert refused == {}
    stored = InboundMail.objects.get()
    assert stored.source == "smtp"
    assert stored.status == "received"
    assert stored.message_id == "<first@customer.example.jp>"
    # SMTP carries lines with CRLF; the content is byte for byte what was sent.
    assert bytes(stored.raw).replace(b"\r\n", b"\n").rstrip() == raw.rstrip()
    assert stored.envelope_recipients == "support@helpdesk.example.jp"


def test_a_whole_accepted_domain_is_taken_and_other_recipients_get_550(gateway):
    host, port = gateway
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.sendmail("a@customer.example.jp", ["anyone@intake.example.jp"], japanese_mail())
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(
                "a@customer.example.jp", ["victim@elsewhere.example.com"], japanese_mail()
            )
    code, _message = refused.value.recipients["victim@elsewhere.example.com"]
    assert code == 550
    assert InboundMail.objects.count() == 1


def test_a_mail_over_the_size_limit_is_refused_with_552(gateway):
    host, port = gateway
    big = japanese_mail(body="あ" * 150_000)
    with (
        smtplib.SMTP(host, port, timeout=10) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as refused,
    ):
        client.sendmail("a@customer.example.jp", ["support@helpdesk.example.jp"], big)
    assert refused.value.smtp_code == 552
    assert InboundMail.objects.count() == 0


def test_the_same_mail_delivered_twice_is_stored_once(gateway):
    host, port = gateway
    raw = japanese_mail(message_id="<twice@customer.example.jp>")
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.sendmail("a@customer.example.jp", ["support@helpdesk.example.jp"], raw)
        client.sendmail("a@customer.example.jp", ["support@helpdesk.example.jp"], raw)
    assert InboundMail.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_answers_451_so_the_sender_retries():
    def database_down(*arguments):
        raise OperationalError("could not connect to server: Connection refused")

    port = free_port()
    controller = build_controller(
        host="127.0.0.1",
        port=port,
        accepted_recipients=["@helpdesk.example.jp"],
        max_bytes=100_000,
    )
    controller.handler.store = database_down
    controller.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
            pytest.raises(smtplib.SMTPDataError) as failed,
        ):
            client.sendmail(
                "a@customer.example.jp", ["support@helpdesk.example.jp"], japanese_mail()
            )
    finally:
        controller.stop()
    assert failed.value.smtp_code == 451


@pytest.mark.django_db(transaction=True)
def test_lmtp_answers_once_per_recipient_and_stores_one_mail():
    port = free_port()
    controller = build_controller(
        host="127.0.0.1",
        port=port,
        accepted_recipients=["@helpdesk.example.jp"],
        max_bytes=100_000,
        lmtp=True,
    )
    controller.start()
    try:
        client = smtplib.LMTP("127.0.0.1", port)
        try:
            refused = client.sendmail(
                "a@customer.example.jp", ["support@helpdesk.example.jp"], japanese_mail()
            )
        finally:
            client.quit()
    finally:
        controller.stop()
    assert refused == {}
    stored = InboundMail.objects.get()
    assert stored.source == "lmtp"


@pytest.mark.django_db(transaction=True)
def test_starttls_is_offered_when_a_certificate_is_configured(tmp_path):
    certificate, key = self_signed_certificate(tmp_path)
    port = free_port()
    controller = build_controller(
        host="127.0.0.1",
        port=port,
        accepted_recipients=["@helpdesk.example.jp"],
        max_bytes=100_000,
        certificate=str(certificate),
        key=str(key),
    )
    controller.start()
    try:
        import ssl

        context = ssl.create_default_context(cafile=str(certificate))
        context.check_hostname = False
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            assert client.has_extn("starttls")
            client.starttls(context=context)
            client.ehlo()
            client.sendmail(
                "a@customer.example.jp", ["support@helpdesk.example.jp"], japanese_mail()
            )
    finally:
        controller.stop()
    assert InboundMail.objects.count() == 1


@pytest.mark.services
def test_a_store_thread_whose_connection_died_meanwhile_still_answers_250(gateway):
    """The store threads keep their connections from mail to mail, unchecked; a database
    restart in between must not turn the next mails into 451s."""
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL is needed to cut the gateway's connections")
    host, port = gateway
    warm_up = [japanese_mail(subject=f"前 {number}") for number in range(8)]
    with smtplib.SMTP(host, port, timeout=10) as client:
        for raw in warm_up:  # every store thread now holds a connection
            client.sendmail("c@customer.example.jp", ["support@helpdesk.example.jp"], raw)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1

    after = [japanese_mail(subject=f"後 {number}") for number in range(8)]
    with smtplib.SMTP(host, port, timeout=10) as client:
        for raw in after:
            client.sendmail("c@customer.example.jp", ["support@helpdesk.example.jp"], raw)
    assert InboundMail.objects.count() == len(warm_up) + len(after)


@pytest.mark.parametrize(
    "path",
    [
        "<yamada.taro@customer.example.jp>",
        "<yamada@customer.example.jp> SIZE=1234 BODY=8BITMIME",
        " <x+tag@d.example>  SMTPUTF8 ",
        "<a@b.jp>\tSIZE=5",
        "<>",
        '<"quoted local"@d.example.jp>',
        "<a@[127.0.0.1]>",
        "a@b.example.jp",
        "<a..b@c.jp>",
        "<a@b.jp>(a comment)",
        "<a@b.jp> (a comment) SIZE=1",
        "<a@b.jp>SIZE=1",
        "<山田@例え.jp>",
        "<@relay.example:a@b.jp>",
        "<" + "x" * 70 + "@b.jp>",
        "",
    ],
)
def test_mail_from_and_rcpt_to_paths_read_as_aiosmtpd_reads_them(path):
    """The gateway reads plain paths itself (aiosmtpd's parser was a quarter of its CPU):
    every path must come out as aiosmtpd's own reading, local part limit included."""
    ours, theirs = IntakeSMTP(handler=None), SMTP(handler=None)
    assert ours._getaddr(path) == theirs._getaddr(path)
    ours.local_part_limit = theirs.local_part_limit = 64
    assert ours._getaddr(path) == theirs._getaddr(path)
