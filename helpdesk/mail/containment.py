"""Parsing a stored mail with bounded work: a poison mail ends in quarantine, never in a crash
or a stuck worker (pure, no database, no settings).

Three nets, cheapest first:
1. a budget checked on the raw bytes before the parser starts: a mail that declares more
   multipart boundaries than any person's mail has is refused unparsed (the standard parser
   recurses once per level and hits RecursionError near 1,000 levels, after seconds of work);
2. the parser's own limits (``mime.MAX_DEPTH``, ``MAX_PARTS``) and the HTML pre-pass of
   ``htmltext`` (nesting flattened before nh3, whose cost grows with its square);
3. whatever still goes wrong inside the parser (RecursionError, a bug on odd input) becomes
   ``MailUnprocessable`` with the reason, for the caller to quarantine: retrying the same
   bytes through the same code cannot succeed.
The hard per-mail time limit is the task's (``mail_process_task``), above all of this.
"""

from __future__ import annotations

import re

from .parse import NotAMail, ParsedMail, parse_mail

# A customer's mail has a handful of multipart containers; MimeWalker reads 20 levels deep.
MAX_MULTIPART_BOUNDARIES = 100
_BOUNDARY_PARAMETER = re.compile(rb"boundary\*?[0-9]*\*?[ \t]*=", re.IGNORECASE)
# What a bug in decoding odd input looks like; anything else (a time limit, a lost database
# connection, MemoryError) is the caller's to handle.
_PARSER_FAILURES = (
    RecursionError,
    ArithmeticError,
    AssertionError,
    AttributeError,
    LookupError,
    TypeError,
    ValueError,
)


class MailUnprocessable(Exception):
    """This mail cannot be parsed within the budget; quarantine it with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_contained(raw: bytes, *, our_domain: str, reference_prefix: str) -> ParsedMail:
    """``parse_mail`` within the budget: ``MailUnprocessable`` for anything it cannot read."""
    boundaries = len(_BOUNDARY_PARAMETER.findall(raw))
    if boundaries > MAX_MULTIPART_BOUNDARIES:
        raise MailUnprocessable(
            f"{boundaries} multipart boundaries (at most {MAX_MULTIPART_BOUNDARIES}): "
            "nested too deeply or too many parts"
        )
    try:
        return parse_mail(raw, our_domain=our_domain, reference_prefix=reference_prefix)
    except NotAMail as error:
        raise MailUnprocessable(f"not a mail: {error.reason}") from error
    except RecursionError as error:
        raise MailUnprocessable("MIME structure nested too deeply for the parser") from error
    except _PARSER_FAILURES as error:
        raise MailUnprocessable(f"the parser failed: {type(error).__name__}: {error}") from error
