"""Fixtures for remote support: the escalation tests' staff, and a consent link as mailed."""

from __future__ import annotations

import re

from django.core import mail

from tests.escalation.conftest import (  # noqa: F401 - fixtures shared with these tests
    _media_under_tmp,
    agent,
    broker,
    desk_admin,
    desk_open_all_day,
    jst,
    make_user,
    open_ticket,
    started,
    supervisor,
)


def mailed_link_token(index: int = -1) -> str:
    """The key in the consent link of a mail in the outbox (the newest by default)."""
    match = re.search(r"/remote/([A-Za-z0-9_-]+)/", mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match[1]
