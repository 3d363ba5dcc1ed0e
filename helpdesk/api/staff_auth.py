"""Who may use the staff API and how often: token or session, agent role or above."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request
from rest_framework.views import APIView

from helpdesk.core.roles import user_is_agent

from .services import staff_api_token_check


class StaffTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` with a key from ``create_api_token``."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw_token = header.partition(" ")
        if scheme.lower() != "token":
            return None
        if not raw_token.strip():
            raise exceptions.AuthenticationFailed("no token after 'Token'")
        token = staff_api_token_check(raw_token=raw_token.strip())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("invalid or revoked token")
        return (token.user, token)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Token realm="staff-api"'


class IsDeskAgent(permissions.BasePermission):
    """Agents, supervisors and desk admins; customers and other users get nothing."""

    def has_permission(self, request, view):
        return user_is_agent(request.user)


def desk_user(request: Request) -> User:
    """The staff member behind a request that ``IsDeskAgent`` let through."""
    user = request.user
    # Unreachable behind IsDeskAgent (it refuses anonymous requests); it narrows the type.
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated
    return user


class StaffApiThrottle(throttling.UserRateThrottle):
    scope = "staff_api"

    def get_rate(self):
        # Read from settings per request, so a deployment (or a test) can change it.
        return settings.STAFF_API_THROTTLE_RATE


class StaffApiView(APIView):
    """The base of every staff API view: token or session, agents and above, throttled."""

    authentication_classes = [StaffTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [IsDeskAgent]
    throttle_classes = [StaffApiThrottle]


class StaffTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names the token scheme (drf-spectacular finds it by subclass)."""

    target_class = "helpdesk.api.staff_auth.StaffTokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "'Token <key>', a key from `manage.py create_api_token`.",
        }
