"""The staff API for remote support: a ticket's requests (list, ask), the session's start and
end, and the consent audit (JSON, or CSV with a byte-order mark). The console's services."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.remote.models import RemoteSupportRequest
from helpdesk.remote.selectors import (
    consent_audit_csv,
    consent_audit_rows,
    consent_requests_for_ticket,
)
from helpdesk.remote.services import (
    ConsentRefused,
    consent_request,
)
from helpdesk.remote.sessions import remote_session_end, remote_session_start
from helpdesk.tickets.models import Ticket

from .staff_auth import StaffApiView, desk_user


class RemoteRequestSerializer(serializers.ModelSerializer):
    # Plain codes in the schema: a second "status" enum beside the ticket's would collide.
    scope = serializers.CharField(help_text="view, control or file_transfer")
    status = serializers.CharField(
        help_text="pending, granted, declined, expired, revoked or completed"
    )
    requested_by = serializers.CharField(source="requested_by.get_username")
    consent_text_version = serializers.CharField(source="consent_text.version")
    consent_text_language = serializers.CharField(source="consent_text.language")

    class Meta:
        model = RemoteSupportRequest
        fields = [
            "id",
            "scope",
            "reason",
            "tool",
            "status",
            "requested_by",
            "created_at",
            "expires_at",
            "decided_at",
            "revoked_at",
            "session_started_at",
            "session_ended_at",
            "consent_text_version",
            "consent_text_language",
            "consent_text_sha256",
        ]


class RemoteRequestInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=RemoteSupportRequest.Scope.values)
    reason = serializers.CharField()
    tool = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class AuditRowSerializer(serializers.Serializer):
    at = serializers.CharField()
    request = serializers.CharField()
    event = serializers.CharField()
    staff = serializers.CharField()
    ip_address = serializers.CharField()
    user_agent = serializers.CharField()
    scope = serializers.CharField()
    tool = serializers.CharField()
    consent_version = serializers.CharField()
    consent_sha256 = serializers.CharField()
    detail = serializers.CharField()


def _ticket(pk: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


class RemoteRequestsApi(StaffApiView):
    @extend_schema(responses=RemoteRequestSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        requests = consent_requests_for_ticket(ticket=_ticket(pk))
        return Response(RemoteRequestSerializer(requests, many=True).data)

    @extend_schema(request=RemoteRequestInput, responses={201: RemoteRequestSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = RemoteRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            created = consent_request(
                ticket=_ticket(pk), requested_by=desk_user(request), **data.validated_data
            )
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(RemoteRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class _SessionStepApi(StaffApiView):
    step = staticmethod(remote_session_start)

    @extend_schema(
        request=None,
        responses={200: RemoteRequestSerializer, 409: OpenApiResponse(description="refused")},
    )
    def post(self, request: Request, pk: int, request_id: int) -> Response:
        remote = RemoteSupportRequest.objects.filter(pk=request_id, ticket_id=pk).first()
        if remote is None:
            raise Http404
        try:
            remote = self.step(request=remote, actor=desk_user(request))
        except ConsentRefused as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(RemoteRequestSerializer(remote).data)


class RemoteSessionStartApi(_SessionStepApi):
    step = staticmethod(remote_session_start)


class RemoteSessionEndApi(_SessionStepApi):
    step = staticmethod(remote_session_end)


class RemoteAuditApi(StaffApiView):
    @extend_schema(responses=AuditRowSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        return Response(AuditRowSerializer(consent_audit_rows(ticket=_ticket(pk)), many=True).data)


class RemoteAuditCsvApi(StaffApiView):
    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request: Request, pk: int) -> HttpResponse:
        ticket = _ticket(pk)
        response = HttpResponse(consent_audit_csv(ticket=ticket), content_type="text/csv")
        filename = f"{ticket.reference}-remote-support-audit.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
