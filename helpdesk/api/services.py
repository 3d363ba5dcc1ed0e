"""Writes of the API app: staff API tokens."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from helpdesk.core.tokens import token_hash, token_new

from .models import StaffApiToken

# A token's last use is written at most this often: not one UPDATE per API request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


@transaction.atomic
def staff_api_token_create(*, user: User, name: str) -> str:
    """A new key for ``user``; only its hash is kept, so the caller shows it once."""
    raw_token = token_new()
    StaffApiToken.objects.create(
        user=user, name=name.strip()[:100], token_hash=token_hash(raw_token)
    )
    return raw_token


def staff_api_token_revoke(*, token: StaffApiToken) -> None:
    StaffApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def staff_api_token_check(*, raw_token: str) -> StaffApiToken | None:
    """The live token with its user (one indexed query), its use noted; None otherwise."""
    token = (
        StaffApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        StaffApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
