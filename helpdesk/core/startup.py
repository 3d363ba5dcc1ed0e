"""The loud warning a process gives when it runs in development mode where others can reach it.

Pure: no Django import, so the launcher and gunicorn's configuration use it before settings
exist, and ``CoreConfig.ready`` uses it in every Django process.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback_host(host: str) -> bool:
    """``127.0.0.1``, ``[::1]``, ``localhost`` (with or without a port): only this machine."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1] or [::1]:8000
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:  # 127.0.0.1:8000, localhost:8000
        host = host.partition(":")[0]
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def debug_flag(value: str | None) -> bool:
    """``DJANGO_DEBUG`` read as django-environ reads it in settings."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on", "y")


def debug_exposure_warning(*, debug: bool, hosts: Iterable[str]) -> str | None:
    """The warning to log when debug is on and a host name or listening address is not
    loopback (``*``, ``0.0.0.0``, a public name); None when there is nothing to say."""
    exposed = sorted({host.strip() for host in hosts if host.strip()} - {""})
    exposed = [host for host in exposed if not is_loopback_host(host)]
    if not debug or not exposed:
        return None
    return (
        "!!! DEBUG MODE IS ON and this process answers to "
        f"{', '.join(exposed)}: debug pages show settings and code to anyone who can reach "
        "it, and HTTPS, secure cookies and HSTS are off. Unset DJANGO_DEBUG in production. !!!"
    )
