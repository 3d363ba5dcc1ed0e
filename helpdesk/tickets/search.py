"""The ticket search document: character bigrams of everything staff search by.

Japanese has no spaces between words, so word-based full-text search cannot find 請求 inside
請求書の再発行. Instead each ticket keeps the distinct two-character sequences of its reference,
subject, requester and message texts (NFKC-normalised, case-folded), space-separated in
``TicketSearchDocument.bigrams``. A query matches when the document holds every bigram of the
query. On PostgreSQL a GIN index on ``string_to_array(bigrams, ' ')`` answers that with an
array containment (``@>``); elsewhere (SQLite in development) the same test is a LIKE per
bigram. Pure functions here; the services write the document when they write a message.
"""

from __future__ import annotations

import re
import unicodedata

# A document never grows past this many distinct bigrams (a few hundred kilobytes of text);
# later text of a very long conversation is then no longer searchable, the rest still is.
MAX_BIGRAMS = 20_000
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, half-width katakana to full-width, case folded, runs of
    whitespace to one space: what a searcher types and what a mail holds then compare equal."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def bigrams(text: str) -> list[str]:
    """The distinct bigrams of ``text`` in order of first appearance, none holding a space."""
    seen: dict[str, None] = {}
    for word in normalise(text).split(" "):
        # Each character joined to the next, at C speed: seeding 200,000 tickets calls this.
        seen.update(dict.fromkeys(map(str.__add__, word, word[1:])))
    return list(seen)


def search_document(*texts: str) -> str:
    """A new document for the given texts."""
    return search_document_extend("", *texts)


def search_document_extend(document: str, *texts: str) -> str:
    """``document`` with the bigrams of ``texts`` added (a new message on the ticket).

    The document starts and ends with a space, so ``LIKE '% 請求 %'`` finds a whole bigram.
    """
    tokens = dict.fromkeys(document.split())
    for text in texts:
        tokens.update(dict.fromkeys(bigrams(text)))
    if len(tokens) > MAX_BIGRAMS:
        tokens = dict.fromkeys(list(tokens)[:MAX_BIGRAMS])
    return f" {' '.join(tokens)} " if tokens else ""


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """What a query asks for: the bigrams of its words of two or more characters, and its
    single-character words (matched as a part of any bigram, without the index)."""
    words = normalise(query).split(" ")
    singles = [word for word in words if len(word) == 1]
    pairs: dict[str, None] = {}
    for word in words:
        for index in range(len(word) - 1):
            pairs.setdefault(word[index : index + 2])
    return list(pairs), singles
