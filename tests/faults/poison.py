"""Hostile mail, generated: the shapes that once stopped intake (issue 9)."""

from __future__ import annotations


def _headers(subject: str, message_id: str) -> bytes:
    return (
        "From: Attacker <attacker@example.net>\r\n"
        "To: support@helpdesk.example.jp\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{message_id}@example.net>\r\n"
        "MIME-Version: 1.0\r\n"
    ).encode()


def nested_mime_mail(depth: int, *, tag: str = "deep") -> bytes:
    """MIME nested ``depth`` levels: the standard parser recursed into RecursionError."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        for level in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--" % level for level in reversed(range(depth)))
    leaf = b"Content-Type: text/plain; charset=utf-8\r\n\r\nhello"
    return _headers(f"nested {depth}", f"{tag}-{depth}") + opening + leaf + closing + b"\r\n"


def _lines(piece: bytes, count: int) -> bytes:
    """``piece * count`` in lines short enough for SMTP (at most 1,000 octets a line)."""
    per_line = 900 // len(piece)
    full, rest = divmod(count, per_line)
    return b"\r\n".join([piece * per_line] * full + ([piece * rest] if rest else []))


def nested_html_mail(depth: int, *, tag: str = "divs") -> bytes:
    """An HTML body of ``depth`` nested <div>s (770 KB at 70,000): nh3's cost is quadratic."""
    return (
        _headers(f"divs {depth}", f"{tag}-{depth}")
        + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        + _lines(b"<div>", depth)
        + "\r\nこんにちは\r\n".encode()
        + _lines(b"</div>", depth)
        + b"\r\n"
    )


def ampersand_html_mail(count: int, *, tag: str = "amps") -> bytes:
    """An HTML body of bare "&": html5ever's cost grew with their square."""
    return (
        _headers(f"ampersands {count}", f"{tag}-{count}")
        + b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>"
        + _lines(b"&", count)
        + b"</p>\r\n"
    )
