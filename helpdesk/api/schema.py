"""How the OpenAPI schema describes the gateway intake endpoint, without touching its code:
drf-spectacular finds these extensions by the class path they name."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

from .apis import MailIntakeApi


class GatewayTokenScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.api.authentication.GatewayTokenAuthentication"
    name = "gatewayToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A key from `manage.py create_gateway_token`.",
        }


class MailIntakeSchema(OpenApiViewExtension):
    target_class = "helpdesk.api.apis.MailIntakeApi"

    def view_replacement(self):
        accepted = inline_serializer(
            "MailAccepted",
            {
                "inbound": serializers.IntegerField(),
                "duplicate": serializers.BooleanField(),
                "status": serializers.CharField(),
            },
        )
        error = inline_serializer(
            "MailRefused", {"error": serializers.CharField(), "detail": serializers.CharField()}
        )

        # MailIntakeApi by name (not self.target_class, a value mypy cannot subclass): the
        # extension matches that exact class, so the two are the same.
        class Described(MailIntakeApi):
            @extend_schema(
                operation_id="intake_mail",
                summary="Store a raw RFC 5322 message from an external mail gateway",
                request={"message/rfc822": OpenApiTypes.BINARY},
                responses={
                    202: accepted,
                    400: OpenApiResponse(error, description="not a mail"),
                    413: OpenApiResponse(error, description="larger than MAIL_MAX_BYTES"),
                    415: OpenApiResponse(error, description="not message/rfc822"),
                    503: OpenApiResponse(error, description="could not store; retry"),
                },
            )
            def post(self, request):
                return super().post(request)

        return Described
