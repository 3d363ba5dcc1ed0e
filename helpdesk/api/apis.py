"""The intake endpoint for an external mail gateway: POST the raw RFC 5322 message."""

from __future__ import annotations

import logging

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.mail.storage import mail_store

from .authentication import GatewayTokenAuthentication, StorageUnavailable

logger = logging.getLogger(__name__)


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
        # Store first, parse later: whatever the body holds (and whatever Content-Type a gateway
        # gives it), once stored it ends processed or quarantined (202). Refused here only what
        # cannot be stored: no body, no length (411: a chunked body would read as empty), too
        # large (413).
        limit = settings.MAIL_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = -1
        if declared < 0 or (declared == 0 and "HTTP_TRANSFER_ENCODING" in request.META):
            # Django reads no more than Content-Length says: a chunked body would be lost.
            return Response(
                {"error": "length_required", "detail": "send the message with Content-Length"},
                status=status.HTTP_411_LENGTH_REQUIRED,
            )
        if declared > limit:
            return self.too_large(limit)
        stream = request.stream
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            return self.too_large(limit)
        if not raw.strip():
            return Response(
                {"error": "empty", "detail": "the message is empty"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            stored = mail_store(raw=raw, source="http", source_detail=request.auth.name)
        except Exception as error:
            # The database is down or failing: the gateway keeps the mail and retries.
            logger.warning("could not store a mail from %s: %r", request.auth.name, error)
            raise StorageUnavailable from error
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
