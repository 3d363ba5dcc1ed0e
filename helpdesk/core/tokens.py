"""Secret tokens handed to people and gateways: generated here, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def token_new() -> str:
    """256 random bits, URL-safe: unguessable, and fine inside a link."""
    return secrets.token_urlsafe(32)


def token_hash(raw_token: str) -> str:
    """What the database keeps. A plain SHA-256 is enough: the token is random, not a
    password, so there is nothing to brute-force from a leaked hash."""
    return hashlib.sha256(raw_token.encode()).hexdigest()
