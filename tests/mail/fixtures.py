"""Raw fixture mails, built byte by byte the way real (often broken) Japanese mailers write them.

Nothing here uses the stdlib ``email`` generator: it would write correct mail, and the point is
the incorrect mail that arrives: CP932 characters inside ISO-2022-JP escapes (which Python's
``iso2022_jp`` codec refuses to produce), labels that lie, words split mid-character, raw 8-bit
headers. Each builder returns the bytes as they would come off the wire (CRLF line ends).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

CRLF = b"\r\n"
OUR_DOMAIN = "helpdesk.example.jp"
Header = tuple[str, bytes | str]


# --- Encoders the stdlib does not have ----------------------------------------------------------


def _sjis_to_jis(lead: int, trail: int) -> bytes:
    base = lead - (0xB0 if lead >= 0xE0 else 0x70)
    if trail >= 0x9F:
        return bytes((2 * base, trail - 0x7E))
    return bytes((2 * base - 1, trail - (0x20 if trail >= 0x80 else 0x1F)))


def _nec_selected_ibm_extensions() -> dict[str, bytes]:
    # CP932 has IBM extension kanji (髙, 﨑) twice; only the NEC-selected copy (rows 89-92) has a
    # JIS row/cell, so Outlook (CP50220) sends that one inside ISO-2022-JP.
    table: dict[str, bytes] = {}
    for lead in (0xED, 0xEE):
        for trail in range(0x40, 0xFD):
            try:
                table[bytes((lead, trail)).decode("cp932")] = bytes((lead, trail))
            except UnicodeDecodeError:
                continue
    return table


_NEC_SELECTED = _nec_selected_ibm_extensions()


def jis(text: str, *, kana: str = "escape") -> bytes:
    """ISO-2022-JP as Outlook Express and Becky! write it: CP932 through JIS escapes, so ①, ㈱,
    №, Ⅲ (NEC row 13) and ～ travel as row/cell pairs. Half-width katakana as ``ESC ( I``
    (``kana="escape"``) or with SO/SI (``kana="shift"``, CP50222)."""
    out = bytearray()
    mode = "ascii"

    def switch(new_mode: str) -> None:
        nonlocal mode
        if new_mode == mode:
            return
        if mode == "shift":
            out.extend(b"\x0f")
        escapes = {"ascii": b"\x1b(B", "kanji": b"\x1b$B", "kana": b"\x1b(I", "shift": b"\x0e"}
        if new_mode == "shift" and mode != "ascii":
            out.extend(b"\x1b(B")
        out.extend(escapes[new_mode])
        mode = new_mode

    for character in text:
        encoded = _NEC_SELECTED.get(character) or character.encode("cp932")
        if len(encoded) == 1 and encoded[0] < 0x80:
            switch("ascii")
            out.extend(encoded)
        elif len(encoded) == 1:
            switch("kana" if kana == "escape" else "shift")
            out.append(encoded[0] - 0x80)
        else:
            switch("kanji")
            out.extend(_sjis_to_jis(encoded[0], encoded[1]))
    switch("ascii")
    return bytes(out)


def euc(text: str) -> bytes:
    """EUC-JP as Microsoft's CP51932 writes it: NEC row 13 (①, ㈱) included."""
    out = bytearray()
    for character in text:
        encoded = _NEC_SELECTED.get(character) or character.encode("cp932")
        if len(encoded) == 1 and encoded[0] < 0x80:
            out.extend(encoded)
        elif len(encoded) == 1:
            out.extend((0x8E, encoded[0]))
        else:
            out.extend(byte | 0x80 for byte in _sjis_to_jis(encoded[0], encoded[1]))
    return bytes(out)


def b_word(data: bytes, charset: str = "UTF-8") -> bytes:
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(data) + b"?="


def q_word(data: bytes, charset: str = "UTF-8") -> bytes:
    encoded = binascii.b2a_qp(data, header=True).replace(b"?", b"=3F").replace(b"=\n", b"")
    return b"=?" + charset.encode() + b"?Q?" + encoded + b"?="


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("ascii")


def entity(headers: list[Header], body: bytes = b"") -> bytes:
    """A header block and a body, CRLF line ends; values are used exactly as given."""
    lines = [name.encode("ascii") + b": " + _as_bytes(value) for name, value in headers]
    return CRLF.join(lines) + CRLF + CRLF + body


def multipart(boundary: str, parts: list[bytes], *, closed: bool = True) -> bytes:
    delimiter = b"--" + boundary.encode()
    body = b"This is a multi-part message in MIME format." + CRLF
    for part in parts:
        body += delimiter + CRLF + part + CRLF
    return body + (delimiter + b"--" + CRLF if closed else b"")


def envelope(
    subject: bytes | str = "お問い合わせ",
    *,
    sender: bytes | str = "Hanako Suzuki <hanako@example.com>",
    message_id: str = "<20260401100000.1234@mail.example.com>",
    extra: list[Header] | None = None,
) -> list[Header]:
    """The usual top headers; a str subject is sent as one UTF-8 encoded-word."""
    if isinstance(subject, str):
        subject = b_word(subject.encode()) if not subject.isascii() else subject.encode()
    return [
        ("From", sender),
        ("To", "support@helpdesk.example.jp"),
        ("Subject", subject),
        ("Date", "Wed, 01 Apr 2026 10:00:00 +0900"),
        ("Message-ID", message_id),
        ("MIME-Version", "1.0"),
        *(extra or []),
    ]


def text_mail(
    body: bytes,
    *,
    content_type: str = 'text/plain; charset="UTF-8"',
    encoding: str = "8bit",
    subject: bytes | str = "お問い合わせ",
    sender: bytes | str = "Hanako Suzuki <hanako@example.com>",
    message_id: str = "<20260401100000.1234@mail.example.com>",
    extra: list[Header] | None = None,
) -> bytes:
    headers = envelope(subject, sender=sender, message_id=message_id, extra=extra)
    if content_type:
        headers.append(("Content-Type", content_type))
    if encoding:
        headers.append(("Content-Transfer-Encoding", encoding))
    return entity(headers, body)


def mixed_mail(parts: list[bytes], *, subtype: str = "mixed", **envelope_options) -> bytes:
    boundary = "----=_NextPart_000_0012_01DA0000.5F3E2A10"
    headers = envelope(**envelope_options)
    headers.append(("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'))
    return entity(headers, multipart(boundary, parts))


def plain_part(body: bytes, charset: str = "UTF-8", encoding: str = "8bit") -> bytes:
    return entity(
        [
            ("Content-Type", f'text/plain; charset="{charset}"'),
            ("Content-Transfer-Encoding", encoding),
        ],
        body,
    )


def attachment_part(
    content: bytes, content_type: bytes | str, disposition: bytes | str | None = None
) -> bytes:
    headers: list[Header] = [("Content-Type", content_type)]
    if disposition is not None:
        headers.append(("Content-Disposition", disposition))
    headers.append(("Content-Transfer-Encoding", "base64"))
    return entity(headers, base64.encodebytes(content).replace(b"\n", CRLF))


# --- Japanese charsets ------------------------------------------------------------------------

OUTLOOK_SUBJECT = "【至急】㈱テスト ①請求書の件"
OUTLOOK_BODY = (
    "お世話になっております。\r\n㈱テストの山田です。\r\n"
    "①請求書 №123 Ⅲ期分をお送りします。\r\n受付は10時～12時です。\r\nﾃｽﾄ ｶﾞｲﾄﾞ\r\n"
)


def outlook_express_jis_with_cp932_extensions(body: str = OUTLOOK_BODY) -> bytes:
    return text_mail(
        jis(body),
        content_type='text/plain; charset="iso-2022-jp"',
        encoding="7bit",
        subject=b_word(jis(OUTLOOK_SUBJECT), "ISO-2022-JP"),
        sender=b_word(jis("山田 太郎"), "ISO-2022-JP") + b" <Taro.Yamada@Example.CO.JP>",
        extra=[("X-Mailer", "Microsoft Outlook Express 6.00.2900.5931")],
    )


def jis_with_shifted_katakana() -> bytes:
    return text_mail(
        jis("ｶﾌﾞｼｷｶﾞｲｼｬ テスト\r\n", kana="shift"),
        content_type="text/plain; charset=ISO-2022-JP",
        encoding="7bit",
    )


SJIS_BODY = "①㈱テスト ソフト表示～\r\nNEC特殊文字 ㍻ ≒ ∵\r\n"


def shift_jis_labelled(label: str = "Shift_JIS") -> bytes:
    return text_mail(
        SJIS_BODY.encode("cp932"),
        content_type=f"text/plain; charset={label}",
        subject=b_word("ソフト表示の件".encode("cp932"), label),
    )


EUC_BODY = "①お問い合わせ ㈱テスト～\r\nｶﾀｶﾅ\r\n"


def euc_jp_labelled() -> bytes:
    return text_mail(euc(EUC_BODY), content_type="text/plain; charset=EUC-JP")


LYING_BODY = "日本語のメールです。よろしくお願いいたします。①"


def utf8_labelled_iso2022jp() -> bytes:
    return text_mail(LYING_BODY.encode(), content_type="text/plain; charset=ISO-2022-JP")


def eucjp_labelled_iso2022jp() -> bytes:
    return text_mail(euc(LYING_BODY), content_type="text/plain; charset=iso-2022-jp")


def unlabelled_8bit(encoding: str) -> bytes:
    encoders = {"cp932": lambda text: text.encode("cp932"), "euc_jp": euc}
    body = encoders.get(encoding, lambda text: text.encode(encoding))(LYING_BODY)
    return text_mail(body, content_type="text/plain", encoding="")


def no_content_type_8bit_cp932() -> bytes:
    return text_mail(LYING_BODY.encode("cp932"), content_type="", encoding="")


def us_ascii_with_jis_escapes() -> bytes:
    return text_mail(jis(LYING_BODY), content_type="text/plain; charset=us-ascii", encoding="7bit")


# --- Headers -----------------------------------------------------------------------------------

SPLIT_SUBJECT = "見積書の送付について"


def split_encoded_words_subject() -> bytes:
    """Words cut in the middle of a UTF-8 character, folded over lines (seen from webmail)."""
    data = SPLIT_SUBJECT.encode()
    subject = b_word(data[:4]) + CRLF + b" " + b_word(data[4:11]) + CRLF + b"\t" + q_word(data[11:])
    return text_mail(b"body", subject=subject)


def folded_jis_subject() -> bytes:
    first, second = jis("【重要】ログインできない"), jis("件について（至急）")
    subject = b"Re: " + b_word(first, "ISO-2022-JP") + CRLF + b" " + b_word(second, "iso-2022-jp")
    return text_mail(b"body", subject=subject)


def wrong_charset_encoded_words() -> bytes:
    subject = b_word("請求書".encode(), "ISO-2022-JP") + b" " + b_word("①の件".encode("cp932"))
    return text_mail(b"body", subject=subject)


def raw_8bit_headers(encoding: str) -> bytes:
    return text_mail(
        "本文です".encode(encoding),
        content_type=f"text/plain; charset={'utf-8' if encoding == 'utf-8' else 'shift_jis'}",
        subject="【質問】表示がおかしい".encode(encoding),
        sender='"鈴木 能子" <noriko@example.jp>'.encode(encoding),
    )


def iso2022jp_word_split_without_reset() -> bytes:
    """An encoder that splits ISO-2022-JP words and starts the second inside kanji mode."""
    encoded = jis("お問い合わせ")  # ESC $ B ... ESC ( B
    body_of_kanji = encoded[3:-3]
    subject = (
        b_word(b"\x1b$B" + body_of_kanji[:6], "ISO-2022-JP")
        + b" "
        + b_word(body_of_kanji[6:] + b"\x1b(B", "ISO-2022-JP")
    )
    return text_mail(b"body", subject=subject)


# --- Attachments -------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _with_attachment(attachment: bytes) -> bytes:
    return mixed_mail([plain_part("添付します".encode()), attachment])


def rfc2231_filename() -> bytes:
    return _with_attachment(
        attachment_part(
            PDF,
            "application/pdf",
            "attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf",
        )
    )


def rfc2231_continuations() -> bytes:
    return _with_attachment(
        attachment_part(
            PDF,
            'application/pdf; name="quote.pdf"',
            "attachment;\r\n filename*0*=ISO-2022-JP''%1B%24B8%2B%40Q%3Dq%1B%28B;\r\n"
            ' filename*1="_2026.pdf"',
        )
    )


def outlook_encoded_word_filename() -> bytes:
    word = b_word(jis("御見積書①.pdf"), "ISO-2022-JP")
    return _with_attachment(
        attachment_part(
            PDF,
            b'application/pdf;\r\n\tname="' + word + b'"',
            b'attachment;\r\n\tfilename="' + word + b'"',
        )
    )


def raw_cp932_filename() -> bytes:
    name = "ソフト表.xlsx".encode("cp932")  # ソ and 表 end in 0x5C, the quoting backslash
    return _with_attachment(
        attachment_part(
            b"PK\x03\x04",
            b'application/vnd.ms-excel; name="' + name + b'"',
            b'attachment; filename="' + name + b'"',
        )
    )


def content_type_name_only() -> bytes:
    return _with_attachment(
        attachment_part(PNG, b"image/png; name=" + b_word("画面.png".encode()), None)
    )


def dangerous_filenames() -> bytes:
    return mixed_mail(
        [
            plain_part(b"see attached"),
            attachment_part(PDF, "application/pdf", 'attachment; filename="../../etc/passwd"'),
            attachment_part(
                PDF, "application/pdf", "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe"
            ),
            # Old Internet Explorer: the full Windows path, raw 8-bit, backslashes unescaped.
            attachment_part(
                PDF, "application/pdf", 'attachment; filename="C:\\Users\\taro\\報告.pdf"'.encode()
            ),
            attachment_part(PDF, "application/pdf", f'attachment; filename="{"a" * 300}.pdf"'),
            attachment_part(b"\x00\x01", "application/octet-stream", "attachment"),
        ]
    )


# --- Unknown charsets and broken transfer encodings -----------------------------------------


def unknown_charsets() -> bytes:
    return mixed_mail(
        [
            plain_part("不明な文字コード".encode(), "x-unknown"),
            plain_part("①ウィンドウズ".encode("cp932"), "windows-31j"),
            plain_part("안녕하세요".encode("cp949"), "ks_c_5601-1987"),
            plain_part("你好".encode("gb2312"), "gb2312"),
            plain_part(b"\x00\x01 plain", "rot13"),
        ]
    )


BROKEN_TEXT = "壊れたbase64でも読めるところまで読む"


def broken_base64() -> bytes:
    encoded = base64.b64encode(BROKEN_TEXT.encode()).decode()
    damaged = f"{encoded[:12]}!!%%\r\n{encoded[12:30]}\r\n*{encoded[30:]}".rstrip("=")
    return text_mail(damaged.encode(), encoding="base64")


def truncated_base64() -> bytes:
    encoded = base64.b64encode(BROKEN_TEXT.encode())
    return text_mail(encoded[:-5], encoding="base64")


def broken_quoted_printable() -> bytes:
    body = b"=E5=A3=8A=E3=82=8C=E3=81=9FQP =ZZ =4 end=\r\nof line =e3=81=82"
    return text_mail(body, encoding="quoted-printable")


def broken_multipart() -> bytes:
    """No closing boundary, a part without headers, a Date nobody can read."""
    boundary = "b1"
    headers = envelope("壊れたマルチパート")
    headers[3] = ("Date", "2026年4月1日 10時".encode())
    headers.append(("Content-Type", f"multipart/mixed; boundary={boundary}"))
    body = multipart(boundary, [plain_part("最初の部分".encode()), b"\r\nno headers"], closed=False)
    return entity(headers, body)


# --- HTML and structure ------------------------------------------------------------------------

HTML = (
    "<html><head><title>題名</title><style>p {color: red}</style>"
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
    '<body onload="steal()"><p>山田様</p><p>お世話になって<b>おります</b>。<br>'
    "2行目です。</p><ul><li>ログイン画面</li><li>設定&amp;管理</li></ul>"
    '<a href="javascript:alert(1)">危険</a> <a href="https://example.com/help">ヘルプ</a>'
    '<img src="data:image/png;base64,AAAA"><img src="https://tracker.example/p.gif">'
    "<script>alert('x')</script></body></html>"
)


def html_only() -> bytes:
    body = binascii.b2a_qp(HTML.encode()).replace(b"\n", CRLF)
    return text_mail(body, content_type="text/html; charset=utf-8", encoding="quoted-printable")


def html_only_meta_charset() -> bytes:
    html = '<html><head><meta charset="shift_jis"></head><body><p>①テスト</p></body></html>'
    return text_mail(html.encode("cp932"), content_type="text/html", encoding="8bit")


def alternative_with_inline_image() -> bytes:
    related = entity(
        [("Content-Type", 'multipart/related; boundary="rel"')],
        multipart(
            "rel",
            [
                entity(
                    [("Content-Type", "text/html; charset=utf-8")],
                    '<p>HTML本文</p><img src="cid:logo@example.com">'.encode(),
                ),
                entity(
                    [
                        ("Content-Type", "image/png"),
                        ("Content-ID", "<logo@example.com>"),
                        ("Content-Transfer-Encoding", "base64"),
                    ],
                    base64.b64encode(PNG),
                ),
            ],
        ),
    )
    alternative = entity(
        [("Content-Type", 'multipart/alternative; boundary="alt"')],
        multipart("alt", [plain_part("テキスト本文".encode()), related]),
    )
    pdf = attachment_part(PDF, "application/pdf", 'attachment; filename="spec.pdf"')
    return mixed_mail([alternative, pdf])


def forwarded_message() -> bytes:
    inner = text_mail(
        "転送元の本文".encode(),
        subject=b_word(jis("元のメール"), "ISO-2022-JP"),
        message_id="<inner@example.com>",
    )
    return mixed_mail(
        [
            plain_part("転送します".encode()),
            entity([("Content-Type", "message/rfc822")], inner),
        ]
    )


def format_flowed() -> bytes:
    body = b"This is a long line that \r\nwas wrapped by the mailer.\r\n> quoted \r\n> text\r\n"
    return text_mail(body, content_type="text/plain; charset=us-ascii; format=flowed")


# --- Classification ----------------------------------------------------------------------------


def auto_reply(headers: list[Header], subject: str = "自動応答: お問い合わせ") -> bytes:
    return text_mail(
        "ただいま不在にしております。".encode(),
        subject=subject,
        sender="Taro <taro@customer.example>",
        extra=headers,
    )


def exchange_out_of_office() -> bytes:
    return auto_reply(
        [("X-Auto-Response-Suppress", "All"), ("X-MS-Exchange-Inbox-Rules-Loop", "t@c.example")],
        subject="Automatic reply: お問い合わせ",
    )


def dsn_bounce(original_id: str = f"<ack.42@{OUR_DOMAIN}>") -> bytes:
    boundary = "dsn-boundary"
    status = (
        b"Reporting-MTA: dns; mx.example.com\r\nArrival-Date: Wed, 1 Apr 2026 10:00:00 +0900\r\n"
        b"\r\nFinal-Recipient: rfc822; gone@customer.example\r\nOriginal-Recipient: rfc822;"
        b"gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: Recipient address\r\n"
        b" rejected: User unknown\r\n"
    )
    original = entity(
        [
            ("From", f"support@{OUR_DOMAIN}"),
            ("To", "gone@customer.example"),
            ("Subject", b_word("[NP-000042] 受付しました".encode())),
            ("Message-ID", original_id),
        ],
        "受付しました".encode(),
    )
    parts = [
        plain_part(b"This is the mail system at host mx.example.com.\r\n", "us-ascii", "7bit"),
        entity([("Content-Type", "message/delivery-status")], status),
        entity([("Content-Type", "message/rfc822")], original),
    ]
    headers: list[Header] = [
        ("Return-Path", "<>"),
        ("From", "MAILER-DAEMON@mx.example.com (Mail Delivery System)"),
        ("To", f"support@{OUR_DOMAIN}"),
        ("Subject", "Undelivered Mail Returned to Sender"),
        ("Message-ID", "<bounce.1@mx.example.com>"),
        ("Auto-Submitted", "auto-replied"),
        (
            "Content-Type",
            f'multipart/report; report-type=delivery-status;\r\n\tboundary="{boundary}"',
        ),
    ]
    return entity(headers, multipart(boundary, parts))


def rfc822_headers_bounce() -> bytes:
    status = b"Final-Recipient: rfc822;old@customer.example\r\nAction: failed\r\nStatus: 5.2.2\r\n"
    headers_only = f"From: support@{OUR_DOMAIN}\r\nMessage-ID: <ack.7@{OUR_DOMAIN}>\r\n".encode()
    return mixed_mail(
        [
            plain_part(b"Mailbox full", "us-ascii", "7bit"),
            entity([("Content-Type", "message/delivery-status")], status),
            entity([("Content-Type", "text/rfc822-headers")], headers_only),
        ],
        subtype="report; report-type=delivery-status",
        sender="postmaster@mx.customer.example",
        subject="Delivery Status Notification (Failure)",
    )


def exim_bounce() -> bytes:
    body = (
        b"This message was created automatically by mail delivery software.\r\n\r\n"
        b"A message that you sent could not be delivered to one or more of its\r\n"
        b"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        b"  nobody@customer.example\r\n"
        b"    host mx.customer.example [127.0.0.1]\r\n"
        b"    SMTP error from remote mail server after RCPT TO:<nobody@customer.example>:\r\n"
        b"    550 5.1.1 User unknown\r\n\r\n"
        b"------ This is a copy of the message, including all the headers. ------\r\n\r\n"
        b"Message-ID: <ack.99@" + OUR_DOMAIN.encode() + b">\r\n"
        b"Subject: [NP-000099] Re: question\r\n"
    )
    return text_mail(
        body,
        content_type="text/plain; charset=us-ascii",
        encoding="7bit",
        subject="Mail delivery failed: returning message to sender",
        sender="Mail Delivery System <Mailer-Daemon@mx.example.net>",
        extra=[("X-Failed-Recipients", "nobody@customer.example"), ("Return-Path", "<>")],
    )


def japanese_null_sender_bounce() -> bytes:
    body = (
        "以下の宛先にメールを配信できませんでした。\r\n\r\n<lost@customer.example>: 550 "
        "宛先不明\r\n\r\n----- 元のメッセージのヘッダ -----\r\n> Message-ID:\r\n"
        f">  <ack.5@{OUR_DOMAIN}>\r\n> Subject: test\r\n"
    ).encode("cp932")
    return text_mail(
        body,
        content_type="text/plain; charset=shift_jis",
        subject="配信エラーのお知らせ",
        sender=b_word("システム管理者".encode("cp932"), "Shift_JIS") + b" <admin@provider.example>",
        extra=[("Return-Path", "<>")],
    )


def null_sender_vacation() -> bytes:
    return auto_reply([("Return-Path", "<>"), ("Auto-Submitted", "auto-replied")])


def list_mail() -> bytes:
    return text_mail(
        b"weekly digest",
        subject="[users] weekly digest",
        extra=[("List-Id", "Users <users.lists.example.org>"), ("Precedence", "list")],
    )


def newsletter() -> bytes:
    return text_mail(
        "キャンペーンのお知らせ".encode(),
        extra=[("List-Unsubscribe", "<mailto:unsubscribe@news.example>")],
    )


def reply(
    *, in_reply_to: str = "", references: str = "", subject: str = "Re: お問い合わせ"
) -> bytes:
    extra: list[Header] = []
    if in_reply_to:
        extra.append(("In-Reply-To", in_reply_to))
    if references:
        extra.append(("References", references))
    return text_mail("ありがとうございます。".encode(), subject=subject, extra=extra)


def read_receipt() -> bytes:
    return mixed_mail(
        [
            plain_part(b"Your message was displayed.", "us-ascii", "7bit"),
            entity(
                [("Content-Type", "message/disposition-notification")],
                b"Final-Recipient: rfc822; taro@customer.example\r\n"
                b"Disposition: manual-action/MDN-sent-manually; displayed\r\n",
            ),
        ],
        subtype="report; report-type=disposition-notification",
        subject="開封確認: お問い合わせ",
    )


FIXTURES: dict[str, Callable[[], bytes]] = {
    "outlook_jis": outlook_express_jis_with_cp932_extensions,
    "jis_shift_kana": jis_with_shifted_katakana,
    "shift_jis": shift_jis_labelled,
    "euc_jp": euc_jp_labelled,
    "utf8_as_jis": utf8_labelled_iso2022jp,
    "eucjp_as_jis": eucjp_labelled_iso2022jp,
    "no_content_type": no_content_type_8bit_cp932,
    "ascii_with_jis": us_ascii_with_jis_escapes,
    "split_words": split_encoded_words_subject,
    "folded_jis": folded_jis_subject,
    "wrong_charset_words": wrong_charset_encoded_words,
    "rfc2231": rfc2231_filename,
    "rfc2231_continuations": rfc2231_continuations,
    "outlook_filename": outlook_encoded_word_filename,
    "raw_cp932_filename": raw_cp932_filename,
    "name_only": content_type_name_only,
    "dangerous_filenames": dangerous_filenames,
    "unknown_charsets": unknown_charsets,
    "broken_base64": broken_base64,
    "truncated_base64": truncated_base64,
    "broken_qp": broken_quoted_printable,
    "broken_multipart": broken_multipart,
    "html_only": html_only,
    "html_meta_charset": html_only_meta_charset,
    "alternative": alternative_with_inline_image,
    "forwarded": forwarded_message,
    "flowed": format_flowed,
    "exchange_oof": exchange_out_of_office,
    "dsn": dsn_bounce,
    "rfc822_headers_bounce": rfc822_headers_bounce,
    "exim_bounce": exim_bounce,
    "japanese_bounce": japanese_null_sender_bounce,
    "vacation": null_sender_vacation,
    "list": list_mail,
    "newsletter": newsletter,
    "read_receipt": read_receipt,
}
