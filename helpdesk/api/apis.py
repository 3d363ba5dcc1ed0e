"""The intake endpoint for an external mail gateway: POST the raw RFC 5322 message."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.mail.parse import dry_run_summary
from helpdesk.mail.services import mail_store

from .authentication import GatewayTokenAuthentication

ACCEPTED_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


class IsGateway(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth is not None


# A machine endpoint (raw RFC 5322 in, a gateway token): not part of the staff API's schema.
@extend_schema(exclude=True)
class MailIntakeApi(APIView):
    authentication_classes = [GatewayTokenAuthentication]
    permission_classes = [IsGateway]
    parser_classes: list = []  # the body is read raw, never parsed as a form

    def post(self, request):
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type not in ACCEPTED_TYPES:
            return Response(
                {
                    "error": "unsupported_media_type",
                    "detail": "send the raw message with Content-Type: message/rfc822",
                },
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        limit = settings.MAIL_MAX_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit:
            return self.too_large(limit)
        stream = request.stream
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            return self.too_large(limit)
        summary = dry_run_summary(
            raw, our_domain=settings.MAIL_DOMAIN, reference_prefix=settings.TICKET_REFERENCE_PREFIX
        )
        if summary["kind"] == "invalid":
            return Response(
                {"error": "not_a_mail", "detail": summary["reason"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            stored = mail_store(raw=raw, source="http", source_detail=request.auth.name)
        except DatabaseError:
            return Response(
                {"error": "temporary_failure", "detail": "could not store the mail; retry later"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        return Response(
            {
                "inbound": stored.inbound.pk,
                "duplicate": not stored.created,
                "status": stored.inbound.status,
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @staticmethod
    def too_large(limit: int) -> Response:
        return Response(
            {"error": "too_large", "detail": f"the message exceeds {limit} bytes"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
