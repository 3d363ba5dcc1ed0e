"""The staff API for tickets: list, detail, update, messages (answer, note) and events.

Thin views: the list is the console's selector (same filters, search and keyset pages), every
write is the console's service (``helpdesk.tickets.changes``), so both behave alike.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.tickets.changes import UNSET, CollisionError, Seen, ticket_change, ticket_reply
from helpdesk.tickets.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvalidCursor,
    ticket_filters_from_query,
    ticket_last_seen_ids,
    ticket_list_page,
    ticket_row,
    ticket_staff_events,
    ticket_staff_get,
    ticket_staff_messages,
)
from helpdesk.tickets.models import Message, Ticket

from .serializers import (
    CollisionSerializer,
    EventSerializer,
    MessageCreateInput,
    MessageSerializer,
    TicketDetailSerializer,
    TicketPageSerializer,
    TicketUpdateInput,
)
from .staff_auth import StaffApiView, desk_user


def _list_parameters() -> list[OpenApiParameter]:
    many = "Several values: repeat the parameter or separate with commas."
    return [
        OpenApiParameter(
            "status",
            str,
            description=f"Status codes, or 'all'; without it, the tickets still being worked on "
            f"(new, open, pending customer). {many}",
        ),
        OpenApiParameter("priority", str, description=many),
        OpenApiParameter("category", str, description=many),
        OpenApiParameter("channel", str, description=many),
        OpenApiParameter("queue", str, description=many),
        OpenApiParameter("sla", str, description=f"SLA state: ok, warning, breached. {many}"),
        OpenApiParameter("assignee", str, description="'me', 'unassigned' or a user id."),
        OpenApiParameter("view", str, enum=["mine", "unassigned", "breaching_today"]),
        OpenApiParameter(
            "q",
            str,
            description="Reference, subject, requester address or message text; Japanese "
            "words of two or more characters are found anywhere in the text.",
        ),
        OpenApiParameter("sort", str, enum=["due", "received", "updated"]),
        OpenApiParameter("cursor", str, description="From the 'next' or 'previous' link."),
        OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE}."),
    ]


def _page_link(request: Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _ticket_or_404(pk: int) -> Ticket:
    ticket = ticket_staff_get(pk=pk)
    if ticket is None:
        raise Http404
    return ticket


def _seen(data: dict) -> Seen | None:
    if "seen_message_id" not in data and "seen_event_id" not in data:
        return None
    return Seen(data.get("seen_message_id", 0), data.get("seen_event_id", 0))


def _collision(error: CollisionError) -> Response:
    messages = [change for change in error.changes if isinstance(change, Message)]
    events = [change for change in error.changes if not isinstance(change, Message)]
    body = CollisionSerializer(
        {
            "detail": "the ticket changed since you last saw it; nothing was done",
            "messages": messages,
            "events": events,
        }
    ).data
    return Response(body, status=status.HTTP_409_CONFLICT)


def _detail(ticket: Ticket) -> dict:
    row = ticket_row(ticket, now=timezone.now())
    last_message_id, last_event_id = ticket_last_seen_ids(ticket=ticket)
    return TicketDetailSerializer(
        {**vars(row), "last_message_id": last_message_id, "last_event_id": last_event_id}
    ).data


class TicketListApi(StaffApiView):
    @extend_schema(
        operation_id="tickets_list", parameters=_list_parameters(), responses=TicketPageSerializer
    )
    def get(self, request: Request) -> Response:
        filters = ticket_filters_from_query(request.query_params)
        try:
            page_size = int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
            page = ticket_list_page(
                user=desk_user(request),
                filters=filters,
                cursor=request.query_params.get("cursor") or None,
                page_size=page_size,
            )
        except (InvalidCursor, ValueError) as error:
            raise serializers.ValidationError({"cursor": str(error)}) from error
        return Response(
            TicketPageSerializer(
                {
                    "next": _page_link(request, page.next_cursor),
                    "previous": _page_link(request, page.previous_cursor),
                    "results": page.rows,
                }
            ).data
        )


class TicketDetailApi(StaffApiView):
    @extend_schema(responses=TicketDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(_ticket_or_404(pk)))

    @extend_schema(
        request=TicketUpdateInput,
        responses={200: TicketDetailSerializer, 409: CollisionSerializer},
        description="Change status, priority, assignee (a user id, or null to unassign), queue "
        "or category; each change is recorded as an event. With seen_message_id / "
        "seen_event_id, a change by someone else since then answers 409 and changes nothing.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        ticket = _ticket_or_404(pk)
        data = TicketUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            ticket = ticket_change(
                ticket=ticket,
                actor=desk_user(request),
                status=values.get("status"),
                priority=values.get("priority"),
                assignee=values.get("assignee", UNSET),
                queue=values.get("queue"),
                category=values.get("category"),
                seen=_seen(values),
            )
        except CollisionError as error:
            return _collision(error)
        return Response(_detail(_ticket_or_404(ticket.pk)))


class TicketMessagesApi(StaffApiView):
    @extend_schema(responses=MessageSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        messages = ticket_staff_messages(ticket=_ticket_or_404(pk))
        return Response(MessageSerializer(messages, many=True).data)

    @extend_schema(
        request=MessageCreateInput,
        responses={201: MessageSerializer, 409: CollisionSerializer},
        description="Answer the customer (sent by mail; the SLA's response) or, with "
        "internal=true, leave an internal note. Optionally change the status in the same step.",
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = _ticket_or_404(pk)
        data = MessageCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            message = ticket_reply(
                ticket=ticket,
                author=desk_user(request),
                body_text=values["body_text"],
                internal=values["internal"],
                status=values.get("status"),
                seen=_seen(values),
            )
        except CollisionError as error:
            return _collision(error)
        message = ticket_staff_messages(ticket=ticket).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketEventsApi(StaffApiView):
    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        events = ticket_staff_events(ticket=_ticket_or_404(pk))
        return Response(EventSerializer(events, many=True).data)
