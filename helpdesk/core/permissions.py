"""Who may open a staff page (the console and its reports). Every such view is wrapped in one
of these decorators; the permission-matrix test requests every console URL as each role, so a
view without one fails."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .roles import user_is_agent, user_is_supervisor

# HttpResponseBase, not HttpResponse: an attachment download answers with a FileResponse.
View = Callable[..., HttpResponseBase]


class DeskRequest(HttpRequest):
    """The request a view wrapped in ``agent_required`` or ``supervisor_required`` receives:
    the decorator has already turned away anyone not signed in, so ``user`` is a real user.
    Only an annotation; Django still passes a plain HttpRequest."""

    user: User


def _role_required(
    check: Callable[[User | AnonymousUser], bool], role: str
) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # Signed in but not desk staff (a customer, a former employee): no redirect loop.
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.console_role = role  # type: ignore[attr-defined]
        return wrapped

    return decorator


agent_required = _role_required(user_is_agent, "agent")
supervisor_required = _role_required(user_is_supervisor, "supervisor")
