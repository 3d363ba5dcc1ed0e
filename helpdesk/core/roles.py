"""Staff roles as auth groups (agent, supervisor, admin) and the checks every entry app uses.

Lives in core so the console and the API (sibling entry apps) share one definition."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)


def _groups(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    # Cached on the user object: a page asks several times, the database is read once.
    cached = getattr(user, "_helpdesk_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._helpdesk_role_names = cached
    return cached


def user_is_agent(user: AbstractBaseUser | AnonymousUser) -> bool:
    """May work tickets: any desk role, or a superuser."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_groups(user))


def user_is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """May manage canned responses, the calendar and quarantined mail."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_groups(user) & {SUPERVISOR, ADMIN})


def user_is_desk_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or ADMIN in _groups(user)
