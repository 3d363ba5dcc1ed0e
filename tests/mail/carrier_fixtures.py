"""Mail from Japanese mobile phones (docomo, au, SoftBank), byte for byte as their mail systems
send it: Shift_JIS and ISO-2022-JP with emoji in the user-defined area, UTF-8 with the
carriers' private-use code points, and decomail (HTML with inline pictures)."""

from __future__ import annotations

from .fixtures import CRLF, attachment_part, b_word, entity, jis, multipart, text_mail

# docomo: F89F sun, F991 black heart, F995 smiling face; F9FC has no standard picture.
DOCOMO_SUN, DOCOMO_HEART, DOCOMO_SMILE, DOCOMO_UNMAPPED = (
    b"\xf8\x9f",
    b"\xf9\x91",
    b"\xf9\x95",
    b"\xf9\xfc",
)
# au: F660 sun (JIS 7541), F665 cloud; F36B sparkles (JIS 794C, where CP932 has IBM kanji).
AU_SUN_JIS, AU_SPARKLES_JIS = b"\x75\x41", b"\x79\x4c"
AU_SUN_SJIS, AU_CLOUD_SJIS = b"\xf6\x60", b"\xf6\x65"
# SoftBank: F941 boy (page G), FB41 disappointed face (page P, an IBM kanji code in CP932).
SOFTBANK_BOY, SOFTBANK_FACE = b"\xf9\x41", b"\xfb\x41"


def _sjis(text: str) -> bytes:
    return text.encode("cp932")


def docomo_shift_jis() -> bytes:
    subject = b_word(_sjis("今日は晴れ") + DOCOMO_SUN, "Shift_JIS")
    body = (
        _sjis("お世話になっております")
        + DOCOMO_SMILE
        + CRLF
        + _sjis("ログインできません")
        + DOCOMO_HEART
        + CRLF
        + _sjis("記号")
        + DOCOMO_UNMAPPED
        + CRLF
    )
    return text_mail(
        body,
        content_type="text/plain; charset=Shift_JIS",
        subject=subject,
        sender="taro.mobile@docomo.ne.jp",
        message_id="<docomo.1@docomo.ne.jp>",
    )


def au_iso2022jp() -> bytes:
    def with_emoji(before: str, emoji: bytes, after: str) -> bytes:
        # ISO-2022-JP as au writes it: the emoji's JIS pair inside the kanji escape.
        return (
            jis(before)[:-3] + emoji + jis(after)[3:]
            if after
            else jis(before)[:-3] + (emoji + b"\x1b(B")
        )

    subject = b_word(with_emoji("晴れです", AU_SUN_JIS, ""), "ISO-2022-JP")
    body = with_emoji("請求書について", AU_SPARKLES_JIS, "よろしく") + CRLF
    return text_mail(
        body,
        content_type='text/plain; charset="ISO-2022-JP"',
        encoding="7bit",
        subject=subject,
        sender=b_word(jis("花子"), "ISO-2022-JP") + b" <hanako@ezweb.ne.jp>",
        message_id="<au.1@ezweb.ne.jp>",
    )


def au_shift_jis() -> bytes:
    body = _sjis("天気") + AU_SUN_SJIS + AU_CLOUD_SJIS + _sjis("です") + CRLF
    return text_mail(
        body,
        content_type="text/plain; charset=Shift_JIS",
        subject=b_word(_sjis("天気") + AU_CLOUD_SJIS, "Shift_JIS"),
        sender="jiro@au.com",
        message_id="<au.2@au.com>",
    )


def softbank_shift_jis() -> bytes:
    body = _sjis("髙橋です") + SOFTBANK_BOY + SOFTBANK_FACE + CRLF
    return text_mail(
        body,
        content_type="text/plain; charset=Shift_JIS",
        subject=b_word(_sjis("お問い合わせ") + SOFTBANK_FACE, "Shift_JIS"),
        sender="saburo@softbank.ne.jp",
        message_id="<sb.1@softbank.ne.jp>",
    )


def softbank_utf8() -> bytes:
    # U+E04A sun, U+E415 smile; U+E50A has no standard picture and stays private-use.
    return text_mail(
        "晴れ\ue04a 了解です\ue415 \ue50a".encode(),
        subject="件名\ue04a",
        sender="shiro@i.softbank.jp",
        message_id="<sb.2@i.softbank.jp>",
    )


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"


def docomo_decomail() -> bytes:
    html = (
        _sjis('<html><body><div style="color:#ff0000">お知らせ')
        + DOCOMO_SUN
        + _sjis('</div><img src="cid:deco1@docomo"> &#xE6EC;</body></html>')
    )
    html_part = entity(
        [("Content-Type", "text/html; charset=Shift_JIS"), ("Content-Transfer-Encoding", "8bit")],
        html,
    )
    picture = attachment_part(GIF, "image/gif", "inline")
    picture = picture.replace(
        b"Content-Type: image/gif", b"Content-Type: image/gif\r\nContent-ID: <deco1@docomo>"
    )
    related = entity(
        [("Content-Type", 'multipart/related; boundary="rel"')],
        multipart("rel", [html_part, picture]),
    )
    plain = entity(
        [("Content-Type", "text/plain; charset=Shift_JIS"), ("Content-Transfer-Encoding", "8bit")],
        _sjis("お知らせ") + DOCOMO_SUN,
    )
    alternative = entity(
        [("Content-Type", 'multipart/alternative; boundary="alt"')],
        multipart("alt", [plain, related]),
    )
    headers = [
        ("From", "deco@docomo.ne.jp"),
        ("To", "support@helpdesk.example.jp"),
        ("Subject", b_word(_sjis("デコメ") + DOCOMO_HEART, "Shift_JIS")),
        ("Message-ID", "<deco.1@docomo.ne.jp>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="mix"'),
    ]
    return entity(headers, multipart("mix", [alternative]))


def pc_jis_user_defined() -> bytes:
    """A PC mailer's ISO-2022-JP with a user-defined character (row 0x75): no carrier."""
    body = jis("外字")[:-3] + b"\x75\x21" + b"\x1b(B" + CRLF
    return text_mail(
        body,
        content_type='text/plain; charset="ISO-2022-JP"',
        encoding="7bit",
        sender="office@example.co.jp",
        message_id="<pc.1@example.co.jp>",
    )


CARRIER_FIXTURES = {
    "docomo_sjis": docomo_shift_jis,
    "au_jis": au_iso2022jp,
    "au_sjis": au_shift_jis,
    "softbank_sjis": softbank_shift_jis,
    "softbank_utf8": softbank_utf8,
    "decomail": docomo_decomail,
    "pc_user_defined": pc_jis_user_defined,
}
