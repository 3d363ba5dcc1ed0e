"""Headers as unusual mailers write them: encoded-words folded in their middle, UTF-7 words,
and mail that names no sender at all."""

from __future__ import annotations

import base64

from .fixtures import CRLF, b_word, entity, jis, text_mail


def q_word_folded_inside_a_character() -> bytes:
    # 「お問い合わせ」 in one Q word, folded between the two halves of 問's UTF-8 bytes.
    subject = b"=?UTF-8?Q?=E3=81=8A=E5=95\r\n =8F=E3=81=84=E5=90=88=E3=82=8F=E3=81=9B?="
    return text_mail("本文".encode(), subject=subject, message_id="<fold.1@example.com>")


def b_word_folded_between_its_delimiters() -> bytes:
    encoded = base64.b64encode(jis("請求書の件")).decode()
    subject = f"=?ISO-2022-JP?\r\n B?{encoded[:8]}\r\n\t{encoded[8:]}?=".encode()
    return text_mail("本文".encode(), subject=subject, message_id="<fold.2@example.com>")


def words_separated_by_several_folds_and_tabs() -> bytes:
    subject = b_word("ログイン".encode()) + b"\r\n\t\r\n   " + b_word("できません".encode())
    return text_mail("本文".encode(), subject=subject, message_id="<fold.3@example.com>")


def utf7_subject() -> bytes:
    # Old Outlook Express with "Unicode (UTF-7)" selected: one base64 run split over two words.
    # "お問い合わせ" is +MEpVTzBEVAgwjzBb- in UTF-7.
    subject = b"=?unicode-1-1-utf-7?Q?+MEpVTzBE?= =?utf-7?Q?VAgwjzBb-?="
    return text_mail(
        b"+MEpVTzBEVAgwjzBb-",
        content_type="text/plain; charset=UTF-7",
        encoding="7bit",
        subject=subject,
        message_id="<utf7.1@example.com>",
    )


def no_sender_at_all() -> bytes:
    headers = [
        ("To", "support@helpdesk.example.jp"),
        ("Subject", b_word("お問い合わせ".encode())),
        ("Message-ID", "<nosender.1@example.com>"),
        ("Content-Type", "text/plain; charset=UTF-8"),
    ]
    return entity(headers, "誰からか分からないメール".encode() + CRLF)


def reply_to_only() -> bytes:
    headers = [
        ("Reply-To", "Sato <sato@customer.example>"),
        ("To", "support@helpdesk.example.jp"),
        ("Subject", b_word("返信先だけ".encode())),
        ("Message-ID", "<replyto.1@example.com>"),
        ("Content-Type", "text/plain; charset=UTF-8"),
    ]
    return entity(headers, "返信先はあります".encode() + CRLF)


def return_path_only() -> bytes:
    headers = [
        ("Return-Path", "<ito@customer.example>"),
        ("To", "support@helpdesk.example.jp"),
        ("Subject", "Return-Path only"),
        ("Message-ID", "<returnpath.1@example.com>"),
    ]
    return entity(headers, b"envelope sender kept by the MTA\r\n")


HEADER_FIXTURES = {
    "q_folded": q_word_folded_inside_a_character,
    "b_folded": b_word_folded_between_its_delimiters,
    "several_folds": words_separated_by_several_folds_and_tabs,
    "utf7": utf7_subject,
}
SENDERLESS_FIXTURES = {
    "no_sender": no_sender_at_all,
    "reply_to_only": reply_to_only,
    "return_path_only": return_path_only,
}
