"""The digest that recognises the same mail delivered again (pure, no database, no parsing).

A mail can reach us twice: an MTA retries after a lost reply, a relay delivers it again with
one more ``Received:`` line, the same mailbox is read by IMAP and piped by the MTA. Its
Message-ID cannot decide alone: a mail may have none, and another mail may reuse one (a broken
mailer, or someone who wants a mail of theirs to be dropped as a duplicate). So the digest
covers the whole mail except what the path adds on the way, line endings (SMTP speaks CRLF,
a pipe or mbox LF) and the line breaks at its very end:

- trace fields (RFC 5321 4.4): ``Received``, ``Return-Path``;
- delivery fields a mailbox or a filter adds: ``Delivered-To``, ``Envelope-To``,
  ``Authentication-Results``, ``Received-SPF``, ``ARC-*``, mbox's ``Status``,
  ``Content-Length`` and ``Lines``, and every ``X-`` field (spam scores, original recipients).

It is computed from the raw bytes with one scan of the header block, so it is cheap and cannot
fail, whatever the mail is.
"""

from __future__ import annotations

import hashlib
import re

_TRACE_FIELDS = frozenset(
    {
        b"received",
        b"return-path",
        b"delivered-to",
        b"envelope-to",
        b"authentication-results",
        b"received-spf",
        b"status",
        b"content-length",
        b"lines",
    }
)
_TRACE_PREFIXES = (b"x-", b"arc-")
_HEADER_END = re.compile(rb"\n[ \t]*\n")


def content_digest(raw: bytes) -> str:
    """SHA-256 hex of the mail without trace and delivery fields, line endings as LF."""
    data = raw.replace(b"\r\n", b"\n")
    if data.startswith(b"From ") and not data.startswith(b"From :"):
        data = data.partition(b"\n")[2]  # an mbox separator line, not part of the mail
    end = _HEADER_END.search(data)
    header_block, body = (data[: end.start()], data[end.end() :]) if end else (data, b"")
    digest = hashlib.sha256()
    keep = True
    for line in header_block.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if keep:  # a continuation line belongs to the field above
                digest.update(line + b"\n")
            continue
        name = line.partition(b":")[0].strip().lower()
        keep = name not in _TRACE_FIELDS and not name.startswith(_TRACE_PREFIXES)
        if keep:
            digest.update(line + b"\n")
    digest.update(b"\n")
    # SMTP ends the data with a line break that a pipe or an HTTP body may not have.
    digest.update(body.rstrip(b"\n"))
    return digest.hexdigest()
