"""Staff roles as auth groups (agent, supervisor, admin) and the checks every entry app uses.

Lives in core so the console and the API (sibling entry apps) share one definition."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)


# Cached on the user object: a page asks several times, the database is read once.
_ROLE_NAMES_CACHE = "_helpdesk_role_names"


def _groups(user: User) -> set[str]:
    cached: set[str] | None = getattr(user, _ROLE_NAMES_CACHE, None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _ROLE_NAMES_CACHE, cached)
    return cached


def user_is_agent(user: User | AnonymousUser) -> bool:
    """May work tickets: any desk role, or a superuser."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_groups(user))


def user_is_supervisor(user: User | AnonymousUser) -> bool:
    """May manage canned responses, the calendar and quarantined mail."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_groups(user) & {SUPERVISOR, ADMIN})


def user_is_desk_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or ADMIN in _groups(user)
