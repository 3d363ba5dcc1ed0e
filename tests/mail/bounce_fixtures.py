"""Bounces that follow no standard (no DSN, no Auto-Submitted, no MAILER-DAEMON), and mail
by people that merely talks about a failed delivery, which must stay an inquiry."""

from __future__ import annotations

import json

from .fixtures import CRLF, OUR_DOMAIN, b_word, entity, jis, multipart, plain_part, text_mail


def plain_mta_notice_english(original_id: str = f"<ack.31@{OUR_DOMAIN}>") -> bytes:
    body = (
        "The following message to <gone@customer.example> was undeliverable.\r\n"
        "The reason for the problem:\r\n"
        "5.1.0 - Unknown address error 550-'5.1.1 User unknown'\r\n\r\n"
        "------ Original message ------\r\n"
        f"Message-ID: {original_id}\r\nSubject: [NP-000031] Re: question\r\n"
    ).encode()
    return text_mail(
        body,
        content_type="text/plain; charset=us-ascii",
        encoding="7bit",
        subject="Mail delivery failed",
        sender="Mail System <mailsystem@mx.provider.example>",
        message_id="<notice.1@mx.provider.example>",
    )


def plain_mta_notice_japanese() -> bytes:
    body = (
        "次の宛先への配送に失敗しました。\r\n\r\n  taro@customer.example\r\n\r\n"
        "理由: 550 5.1.1 宛先のユーザーが存在しません\r\n\r\n"
        "----- 元のメッセージ -----\r\n"
    )
    quoted = f"Message-ID: <ack.32@{OUR_DOMAIN}>\r\n"
    return text_mail(
        jis(body) + quoted.encode(),
        content_type='text/plain; charset="ISO-2022-JP"',
        encoding="7bit",
        subject=b_word(jis("配信エラーのお知らせ"), "ISO-2022-JP"),
        sender=b_word(jis("メールシステム"), "ISO-2022-JP") + b" <system@mail.isp.example.ne.jp>",
        message_id="<notice.2@mail.isp.example.ne.jp>",
    )


def json_notification(original_id: str = f"<ack.33@{OUR_DOMAIN}>") -> bytes:
    event = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [
                {
                    "emailAddress": "Hanako@Customer.example",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
        },
        "mail": {
            "messageId": "0100018f-internal-id",
            "headers": [{"name": "Message-ID", "value": original_id}],
            "commonHeaders": {"messageId": original_id},
        },
    }
    envelope = {
        "Type": "Notification",
        "TopicArn": "arn:example:bounces",
        "Message": json.dumps(event),
    }
    return text_mail(
        json.dumps(envelope, indent=2).encode(),
        content_type="text/plain; charset=UTF-8",
        subject="Notification",
        sender="no-reply@notifications.cloud.example",
        message_id="<json.1@notifications.cloud.example>",
    )


def list_not_a_member() -> bytes:
    return text_mail(
        b"You are not a member of the users@lists.example.org mailing list.\r\n"
        b"Your message has been rejected; only members may post.\r\n",
        content_type="text/plain; charset=us-ascii",
        subject="Message rejected",
        sender="users-owner@lists.example.org",
        message_id="<list.1@lists.example.org>",
    )


def list_loop_alert_japanese() -> bytes:
    return text_mail(
        "メールループを検出したため、このメールは配送されませんでした。".encode(),
        subject="ループ検出",
        sender="fml-admin@ml.example.jp",
        message_id="<list.2@ml.example.jp>",
    )


def customer_forwards_a_bounce() -> bytes:
    inner = plain_mta_notice_english()
    headers = [
        ("From", "Hanako Suzuki <hanako@customer.example>"),
        ("To", f"support@{OUR_DOMAIN}"),
        ("Subject", "Fw: Mail delivery failed"),
        ("Message-ID", "<fw.1@customer.example>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="fw"'),
    ]
    parts = [
        plain_part("このエラーは何でしょうか。よろしくお願いします。".encode()),
        entity([("Content-Type", "message/rfc822")], inner),
    ]
    return entity(headers, multipart("fw", parts))


def customer_asks_about_an_error() -> bytes:
    body = "お世話になっております。送信すると 550 5.1.1 のエラーが出ます。原因を教えてください。"
    return text_mail(
        body.encode() + CRLF,
        subject="配信エラーについて",
        sender="jiro@customer.example",
        message_id="<ask.1@customer.example>",
    )


def says_it_is_not_a_bounce() -> bytes:
    body = (
        b"This is not a bounce. Mail delivery failed for our newsletter yesterday:\r\n"
        b"550 5.1.1 User unknown. Which address do you have for us?\r\n"
    )
    return text_mail(
        body,
        content_type="text/plain; charset=us-ascii",
        subject="Mail delivery failed - not a bounce",
        sender="ops@customer.example",
        message_id="<notbounce.1@customer.example>",
    )


UNSTANDARD_BOUNCE_FIXTURES = {
    "plain_notice_en": plain_mta_notice_english,
    "plain_notice_ja": plain_mta_notice_japanese,
    "json_notification": json_notification,
    "list_not_member": list_not_a_member,
    "list_loop_ja": list_loop_alert_japanese,
}
NOT_BOUNCE_FIXTURES = {
    "forwarded_bounce": customer_forwards_a_bounce,
    "asks_about_error": customer_asks_about_an_error,
    "not_a_bounce": says_it_is_not_a_bounce,
}
