"""Authentication of external mail gateways by a bearer token (stored hashed)."""

from django.db import DatabaseError
from rest_framework import authentication, exceptions, status

from helpdesk.mail.storage import mail_gateway_token_check


class StorageUnavailable(exceptions.APIException):
    """The database is down: the gateway must keep the mail and try again (never a 500)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "could not store the mail; retry later"
    default_code = "temporary_failure"
    wait = 60  # DRF sends it as Retry-After


class GatewayTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            return None
        try:
            gateway = mail_gateway_token_check(raw_token=token.strip())
        except DatabaseError as error:
            raise StorageUnavailable from error
        if gateway is None:
            raise exceptions.AuthenticationFailed("invalid or revoked gateway token")
        return (None, gateway)

    def authenticate_header(self, request):
        return 'Bearer realm="mail-intake"'
