"""Authentication of external mail gateways by a bearer token (stored hashed)."""

from rest_framework import authentication, exceptions

from helpdesk.mail.services import mail_gateway_token_check


class GatewayTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            return None
        gateway = mail_gateway_token_check(raw_token=token.strip())
        if gateway is None:
            raise exceptions.AuthenticationFailed("invalid or revoked gateway token")
        return (None, gateway)

    def authenticate_header(self, request):
        return 'Bearer realm="mail-intake"'
