"""Facts about a request that depend on how the site is deployed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client, for rate limits and audit.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appends the address it received the
    request from to X-Forwarded-For; the client is the entry that many places from the
    right. Entries further left were written by the client itself and are never trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
