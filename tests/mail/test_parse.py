"""Whole mails in, ``ParsedMail`` out: what staff see of what customers sent."""

from __future__ import annotations

import base64
import contextlib
import datetime
import email
import json
from email.policy import compat32

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.mail.parse import NotAMail, parse_mail, ticket_reference

from . import fixtures
from .fixtures import b_word, entity, jis, text_mail

JST = datetime.timezone(datetime.timedelta(hours=9))


# --- Japanese charsets ------------------------------------------------------------------------


def test_outlook_express_subject_keeps_company_mark_and_circled_number():
    parsed = parse_mail(fixtures.outlook_express_jis_with_cp932_extensions())
    assert parsed.subject == "【至急】㈱テスト ①請求書の件"


def test_outlook_express_body_keeps_windows_characters_and_halfwidth_katakana():
    parsed = parse_mail(fixtures.outlook_express_jis_with_cp932_extensions())
    assert parsed.text == (
        "お世話になっております。\n㈱テストの山田です。\n"
        "①請求書 №123 Ⅲ期分をお送りします。\n受付は10時～12時です。\nﾃｽﾄ ｶﾞｲﾄﾞ"
    )
    assert parsed.defects == []


def test_sender_address_is_lowercased_and_japanese_name_decoded():
    parsed = parse_mail(fixtures.outlook_express_jis_with_cp932_extensions())
    assert (parsed.sender, parsed.sender_name) == ("taro.yamada@example.co.jp", "山田 太郎")


def test_halfwidth_katakana_sent_with_shift_out_stays_halfwidth():
    assert parse_mail(fixtures.jis_with_shifted_katakana()).text == "ｶﾌﾞｼｷｶﾞｲｼｬ テスト"


@pytest.mark.parametrize("label", ["Shift_JIS", "x-sjis", "shift-jis", "sjis", "windows-31j"])
def test_shift_jis_mail_keeps_nec_specials_and_wave_dash(label):
    parsed = parse_mail(fixtures.shift_jis_labelled(label))
    assert parsed.subject == "ソフト表示の件"
    assert parsed.text == "①㈱テスト ソフト表示～\nNEC特殊文字 ㍻ ≒ ∵"


def test_euc_jp_mail_keeps_circled_numbers_and_halfwidth_katakana():
    assert parse_mail(fixtures.euc_jp_labelled()).text == "①お問い合わせ ㈱テスト～\nｶﾀｶﾅ"


@pytest.mark.parametrize(
    ("build", "defect"),
    [
        (fixtures.utf8_labelled_iso2022jp, "text/plain: 8-bit utf-8 bytes labelled ISO-2022-JP"),
        (fixtures.eucjp_labelled_iso2022jp, "text/plain: 8-bit euc-jp bytes labelled iso-2022-jp"),
        (
            fixtures.no_content_type_8bit_cp932,
            "text/plain: 8-bit bytes without a charset decoded as cp932",
        ),
        (
            fixtures.us_ascii_with_jis_escapes,
            "text/plain: ISO-2022-JP escapes in a part labelled us-ascii",
        ),
    ],
)
def test_body_whose_label_lies_is_readable_and_the_repair_noted(build, defect):
    parsed = parse_mail(build())
    assert parsed.text == fixtures.LYING_BODY
    assert parsed.defects == [defect]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "euc_jp"])
def test_body_without_charset_is_detected(encoding):
    assert parse_mail(fixtures.unlabelled_8bit(encoding)).text == fixtures.LYING_BODY


# --- Headers ---------------------------------------------------------------------------------


def test_subject_split_in_the_middle_of_a_character_reads_whole():
    assert parse_mail(fixtures.split_encoded_words_subject()).subject == "見積書の送付について"


def test_iso2022jp_subject_folded_over_two_lines_reads_as_one():
    parsed = parse_mail(fixtures.folded_jis_subject())
    assert parsed.subject == "Re: 【重要】ログインできない件について（至急）"


def test_encoded_words_with_the_wrong_charset_are_readable():
    assert parse_mail(fixtures.wrong_charset_encoded_words()).subject == "請求書①の件"


def test_iso2022jp_subject_split_inside_kanji_mode_reads_whole():
    assert parse_mail(fixtures.iso2022jp_word_split_without_reset()).subject == "お問い合わせ"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_raw_8bit_subject_and_sender_name_from_webmail_are_readable(encoding):
    parsed = parse_mail(fixtures.raw_8bit_headers(encoding))
    assert parsed.subject == "【質問】表示がおかしい"
    assert (parsed.sender_name, parsed.sender) == ("鈴木 能子", "noriko@example.jp")
    assert parsed.text == "本文です"


def test_envelope_fields_are_normalised():
    raw = text_mail(
        b"body",
        extra=[
            ("Reply-To", "Hanako <Reply@Example.com>"),
            ("Cc", b'"' + b_word(jis("佐藤"), "ISO-2022-JP") + b'" <Sato@Example.JP>, x@y.jp'),
            ("In-Reply-To", "<prev@mail.example.com> (sent by Outlook)"),
            ("References", "<first@mail.example.com>\r\n <prev@mail.example.com>"),
        ],
    )
    parsed = parse_mail(raw)
    assert parsed.message_id == "<20260401100000.1234@mail.example.com>"
    assert parsed.in_reply_to == "<prev@mail.example.com>"
    assert parsed.references == ["<first@mail.example.com>", "<prev@mail.example.com>"]
    assert parsed.reply_to == "reply@example.com"
    assert parsed.to == ["support@helpdesk.example.jp"]
    assert parsed.cc == ["sato@example.jp", "x@y.jp"]
    assert parsed.date == datetime.datetime(2026, 4, 1, 10, tzinfo=JST)
    assert parsed.our_message_ids == []


def test_ids_under_our_domain_are_listed_as_ours():
    raw = text_mail(
        b"body",
        extra=[("References", "<a@other.example> <NP.1@Helpdesk.Example.JP>")],
    )
    assert parse_mail(raw).our_message_ids == ["<NP.1@Helpdesk.Example.JP>"]
    assert parse_mail(raw, our_domain="desk.example.com").our_message_ids == []


@pytest.mark.parametrize(
    ("subject", "prefix", "reference"),
    [
        ("Re: [NP-000123] ログインについて", "NP", "NP-000123"),
        ("Re: [np-123] 件名", "NP", "NP-000123"),
        ("Re: ［ＮＰ－０００１２３］ 全角で打ち直された件名", "NP", "NP-000123"),
        ("[QA-000007] test", "QA", "QA-000007"),
        ("[QA-000007] test", "NP", ""),
        ("NP-000123 without brackets", "NP", ""),
    ],
)
def test_ticket_reference_is_found_in_the_subject(subject, prefix, reference):
    assert ticket_reference(subject, prefix=prefix) == reference


def test_unreadable_date_is_none_and_noted():
    parsed = parse_mail(fixtures.broken_multipart())
    assert parsed.date is None
    assert "unreadable Date header" in parsed.defects


# --- Attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "filename"),
    [
        (fixtures.rfc2231_filename, "見積書.pdf"),
        (fixtures.rfc2231_continuations, "見積書_2026.pdf"),
        (fixtures.outlook_encoded_word_filename, "御見積書①.pdf"),
        (fixtures.raw_cp932_filename, "ソフト表.xlsx"),
        (fixtures.content_type_name_only, "画面.png"),
    ],
    ids=["rfc2231", "rfc2231-continuations", "outlook-encoded-word", "raw-cp932", "name-only"],
)
def test_attachment_keeps_its_japanese_name(build, filename):
    parsed = parse_mail(build())
    assert [attachment.filename for attachment in parsed.attachments] == [filename]
    assert parsed.text == "添付します"


def test_outlook_iso2022jp_filename_keeps_japanese_name_and_content():
    attachment = parse_mail(fixtures.outlook_encoded_word_filename()).attachments[0]
    assert attachment.filename == "御見積書①.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.content == fixtures.PDF
    assert attachment.size == len(fixtures.PDF)
    assert not attachment.inline


def test_dangerous_filenames_are_made_safe():
    names = [
        attachment.filename for attachment in parse_mail(fixtures.dangerous_filenames()).attachments
    ]
    assert names == ["passwd", "invoicefdp.exe", "報告.pdf", "a" * 146 + ".pdf", "attachment-5.bin"]


def test_inline_image_in_related_html_is_an_inline_attachment():
    parsed = parse_mail(fixtures.alternative_with_inline_image())
    image, pdf = parsed.attachments
    assert (image.content_type, image.content_id, image.inline) == (
        "image/png",
        "logo@example.com",
        True,
    )
    assert image.content == fixtures.PNG
    assert image.filename == "attachment-1.png"
    assert (pdf.filename, pdf.inline) == ("spec.pdf", False)


def test_forwarded_mail_becomes_an_eml_attachment_and_stays_out_of_the_body():
    parsed = parse_mail(fixtures.forwarded_message())
    assert parsed.text == "転送します"
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("元のメール.eml", "message/rfc822")
    inner = email.message_from_bytes(attachment.content, policy=compat32)
    assert inner["Message-ID"] == "<inner@example.com>"
    assert b"\r\n\r\n" in attachment.content


def test_base64_encoded_forwarded_mail_is_decoded_into_the_eml():
    inner = text_mail("転送元".encode(), subject="元の件名", message_id="<in@example.com>")
    part = entity(
        [("Content-Type", "message/rfc822"), ("Content-Transfer-Encoding", "base64")],
        base64.encodebytes(inner),
    )
    (attachment,) = parse_mail(fixtures.mixed_mail([fixtures.plain_part(b"fwd"), part])).attachments
    assert (attachment.filename, attachment.content) == ("元の件名.eml", inner)


def test_digest_members_become_eml_attachments():
    member = text_mail(b"one", subject="digest member")
    digest = entity(
        [("Content-Type", "multipart/digest; boundary=d")],
        fixtures.multipart("d", [b"\r\n" + member, b"\r\n" + member]),
    )
    parsed = parse_mail(fixtures.mixed_mail([fixtures.plain_part(b"digest"), digest]))
    assert [a.filename for a in parsed.attachments] == ["digest member.eml"] * 2


# --- Broken mail ---------------------------------------------------------------------------------


def test_unknown_charsets_never_stop_the_mail():
    parsed = parse_mail(fixtures.unknown_charsets())
    assert parsed.text == "不明な文字コード\n①ウィンドウズ\n안녕하세요\n你好\n plain"


def test_broken_base64_body_is_read_as_far_as_it_goes():
    parsed = parse_mail(fixtures.broken_base64())
    assert parsed.text == fixtures.BROKEN_TEXT
    assert parsed.defects == ["text/plain: 5 invalid characters skipped in base64"]


def test_truncated_base64_body_keeps_its_charset():
    parsed = parse_mail(fixtures.truncated_base64())
    assert parsed.text.startswith("壊れたbase64でも読めるところまで")
    assert "縺" not in parsed.text  # UTF-8 read as CP932 would look like this


def test_broken_quoted_printable_body_is_read():
    assert parse_mail(fixtures.broken_quoted_printable()).text == "壊れたQP =ZZ =4 endof line あ"


def test_multipart_without_closing_boundary_keeps_its_parts():
    parsed = parse_mail(fixtures.broken_multipart())
    assert parsed.text == "最初の部分\nno headers"
    assert "multipart closing boundary missing" in parsed.defects


def test_multipart_without_boundary_is_read_as_text():
    raw = text_mail(b"just text", content_type="multipart/mixed", encoding="")
    parsed = parse_mail(raw)
    assert parsed.text == "just text"
    assert "multipart without a boundary" in parsed.defects


def test_deeply_nested_multipart_stops_without_crashing():
    part = b"innermost"
    for depth in range(60):
        content_type = f'multipart/mixed; boundary="b{depth}"'
        part = entity([("Content-Type", content_type)], fixtures.multipart(f"b{depth}", [part]))
    parsed = parse_mail(fixtures.mixed_mail([part]))
    assert "MIME structure too deep or too large: the rest was skipped" in parsed.defects


def test_format_flowed_paragraphs_are_joined():
    parsed = parse_mail(fixtures.format_flowed())
    assert parsed.text == "This is a long line that was wrapped by the mailer.\n> quoted text"


# --- HTML ----------------------------------------------------------------------------------------


def test_html_only_mail_is_shown_sanitised():
    html = parse_mail(fixtures.html_only()).html
    assert html == (
        "<p>山田様</p><p>お世話になって<b>おります</b>。<br>2行目です。</p>"
        "<ul><li>ログイン画面</li><li>設定&amp;管理</li></ul>"
        '<a rel="noopener noreferrer">危険</a> '
        '<a href="https://example.com/help" rel="noopener noreferrer">ヘルプ</a><img><img>'
    )


def test_html_only_mail_has_readable_text():
    assert parse_mail(fixtures.html_only()).text == (
        "山田様\n\nお世話になっております。\n2行目です。\n\n"
        "・ ログイン画面\n・ 設定&管理\n危険 ヘルプ (https://example.com/help)"
    )


def test_html_without_mime_charset_uses_its_meta_charset():
    parsed = parse_mail(fixtures.html_only_meta_charset())
    assert (parsed.text, parsed.html) == ("①テスト", "<p>①テスト</p>")


def test_alternative_prefers_plain_text_and_keeps_the_html():
    parsed = parse_mail(fixtures.alternative_with_inline_image())
    assert parsed.text == "テキスト本文"
    assert parsed.html == '<p>HTML本文</p><img src="cid:logo@example.com">'


# --- Not a mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty input"),
        (b" \r\n\t\n", "empty input"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "no header block: the first line is not a header field",
        ),
        (
            b"Hello, this is just a note.\nNo headers here.\n",
            "no header block: the first line is not a header field",
        ),
        (b"Subject: x\x00y\r\n\r\nbody", "binary data: NUL bytes in the header block"),
        (b"X-Custom: 1\r\nReceived: by host\r\n\r\nbody", "no From, Message-ID or Subject header"),
    ],
    ids=["empty", "whitespace", "png", "plain-text", "nul", "no-identifying-header"],
)
def test_input_that_is_not_a_mail_is_refused_with_a_reason(raw, reason):
    with pytest.raises(NotAMail) as error:
        parse_mail(raw)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError)


def test_mbox_separator_and_byte_order_mark_are_tolerated():
    raw = b"\xef\xbb\xbfFrom hanako@example.com Wed Apr  1 10:00:00 2026\n" + text_mail(b"body")
    parsed = parse_mail(raw)
    assert parsed.subject == "お問い合わせ"
    assert "byte order mark before the headers removed" in parsed.defects


def test_summary_is_json_ready():
    summary = parse_mail(fixtures.dsn_bounce()).summary()
    decoded = json.loads(json.dumps(summary, ensure_ascii=False))
    assert decoded["bounce"]["failed_recipients"] == ["gone@customer.example"]
    assert decoded["attachments"][1]["filename"] == "[NP-000042] 受付しました.eml"
    assert "content" not in decoded["attachments"][0]
    assert len(decoded["sha256"]) == 64


# --- Bounces -------------------------------------------------------------------------------------


def test_standard_bounce_names_our_mail_and_the_failed_address():
    bounce = parse_mail(fixtures.dsn_bounce()).bounce
    assert bounce is not None
    assert bounce.original_message_id == "<ack.42@helpdesk.example.jp>"
    assert bounce.failed_recipients == ["gone@customer.example"]
    assert bounce.status == "5.1.1"
    assert bounce.diagnostic == (
        "550 5.1.1 <gone@customer.example>: Recipient address rejected: User unknown"
    )


def test_bounce_returning_only_headers_names_our_mail():
    bounce = parse_mail(fixtures.rfc822_headers_bounce()).bounce
    assert bounce is not None
    assert (bounce.original_message_id, bounce.failed_recipients, bounce.status) == (
        "<ack.7@helpdesk.example.jp>",
        ["old@customer.example"],
        "5.2.2",
    )


def test_exim_text_bounce_is_read_from_the_body():
    bounce = parse_mail(fixtures.exim_bounce()).bounce
    assert bounce is not None
    assert bounce.original_message_id == "<ack.99@helpdesk.example.jp>"
    assert bounce.failed_recipients == ["nobody@customer.example"]
    assert (bounce.status, bounce.diagnostic) == ("5.1.1", "550 5.1.1 User unknown")


def test_japanese_text_bounce_with_quoted_headers_is_read():
    bounce = parse_mail(fixtures.japanese_null_sender_bounce()).bounce
    assert bounce is not None
    assert bounce.original_message_id == "<ack.5@helpdesk.example.jp>"
    assert bounce.failed_recipients == ["lost@customer.example"]
    assert bounce.diagnostic == "550 宛先不明"


def test_ordinary_mail_has_no_bounce():
    assert parse_mail(fixtures.outlook_express_jis_with_cp932_extensions()).bounce is None
    assert parse_mail(fixtures.null_sender_vacation()).bounce is None


# --- Robustness ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_are_refused_as_not_a_mail(raw):
    with contextlib.suppress(NotAMail):
        parse_mail(raw)


_HEADER_NAMES = [
    "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Return-Path",
    "Auto-Submitted", "X-Failed-Recipients", "MIME-Version",
]  # fmt: skip
_VALUE_PIECES = [
    b"multipart/mixed; boundary=b", b"multipart/alternative; boundary=b", b"text/html",
    b"message/rfc822", b"multipart/report; report-type=delivery-status; boundary=b",
    b"message/delivery-status", b"base64", b"quoted-printable", b"attachment; filename*0*=",
    b"=?ISO-2022-JP?B?GyRCJCIbKEI=?=", b"=?UTF-8?Q?=E3=81?=", b"\x1b$B", b"\x1b(I", b"\x0e",
    b"<a@b>", b"\"", b"\\", b";", b"\r\n ", b"\x95\x5c", b"\xe3\x81", b"charset=iso-2022-jp",
]  # fmt: skip
_BODY_PIECES = [
    b"--b\r\n", b"--b--\r\n", b"Content-Type: text/plain; charset=shift_jis\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\n", b"Final-Recipient: rfc822; x@y\r\n",
    b"Message-ID: <m@n>\r\n", b"<p onclick=x>", b"<script>", b"\r\n", b"=\r\n", b"=ZZ",
]  # fmt: skip


@st.composite
def mail_like(draw: st.DrawFn) -> bytes:
    headers = draw(
        st.lists(
            st.tuples(
                st.sampled_from(_HEADER_NAMES),
                st.lists(st.sampled_from(_VALUE_PIECES) | st.binary(max_size=12), max_size=5),
            ),
            min_size=1,
            max_size=8,
        )
    )
    body = draw(st.lists(st.sampled_from(_BODY_PIECES) | st.binary(max_size=30), max_size=30))
    head = b"".join(name.encode() + b": " + b"".join(value) + b"\r\n" for name, value in headers)
    return head + b"\r\n" + b"".join(body)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mail_like())
def test_mail_like_garbage_parses_or_is_refused_as_not_a_mail(raw):
    try:
        parsed = parse_mail(raw)
    except NotAMail:
        return
    json.dumps(parsed.summary())
