"""Facts about a request that depend on how the site is deployed, and a plain HTTP probe."""

from __future__ import annotations

import urllib.error
import urllib.request

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


def http_probe(url: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    """GET ``url``: ``(True, "200")`` on a 2xx answer, else ``(False, what went wrong)``."""
    request = urllib.request.Request(url, headers={"User-Agent": "helpdesk-outage-recorder"})  # noqa: S310 - URL from settings
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return 200 <= response.status < 300, str(response.status)
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return False, f"{type(error).__name__}: {error}"
