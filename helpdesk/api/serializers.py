"""Shapes of the staff API: small input serializers per action, output serializers per entity."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from helpdesk.tickets.models import Message, Ticket, TicketEvent
from sla.models import Priority


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class RequesterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class TicketRowSerializer(serializers.Serializer):
    """A ticket as the list shows it: with its next deadline and business time left."""

    id = serializers.IntegerField(source="ticket.pk")
    reference = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    status = serializers.ChoiceField(source="ticket.status", choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(source="ticket.priority", choices=Priority.choices)
    category = serializers.CharField(source="ticket.category")
    channel = serializers.ChoiceField(source="ticket.channel", choices=Ticket.Channel.choices)
    queue = serializers.CharField(source="ticket.queue")
    requester = RequesterSerializer(source="ticket.requester")
    assignee = PersonSerializer(source="ticket.assignee", allow_null=True)
    received_at = serializers.DateTimeField(source="ticket.received_at")
    updated_at = serializers.DateTimeField(source="ticket.updated_at")
    sla_state = serializers.ChoiceField(source="state", choices=Ticket.SlaState.choices)
    next_deadline = serializers.DateTimeField(source="deadline", allow_null=True)
    next_deadline_kind = serializers.CharField(source="deadline_kind", allow_null=True)
    business_seconds_left = serializers.IntegerField(
        allow_null=True, help_text="Business seconds to the next deadline; negative when overdue."
    )
    paused = serializers.BooleanField(help_text="Waiting for the customer: the clock stands.")


class TicketDetailSerializer(TicketRowSerializer):
    first_response_due = serializers.DateTimeField(source="ticket.first_response_due")
    first_responded_at = serializers.DateTimeField(source="ticket.first_responded_at")
    next_response_due = serializers.DateTimeField(source="ticket.next_response_due")
    resolution_due = serializers.DateTimeField(source="ticket.resolution_due")
    resolved_at = serializers.DateTimeField(source="ticket.resolved_at")
    business_seconds_consumed = serializers.IntegerField(source="ticket.business_seconds_consumed")
    escalation_level = serializers.IntegerField(source="ticket.escalation_level")
    last_message_id = serializers.IntegerField(
        help_text="Send back as seen_message_id so a concurrent answer is not missed."
    )
    last_event_id = serializers.IntegerField(help_text="Send back as seen_event_id.")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    is_automatic = serializers.BooleanField()
    author_user = PersonSerializer(allow_null=True)
    author_contact = RequesterSerializer(allow_null=True)
    body_text = serializers.CharField()
    delivery_status = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TicketEvent.Kind.choices)
    actor = PersonSerializer(allow_null=True)
    old_value = serializers.CharField()
    new_value = serializers.CharField()
    detail = serializers.CharField()
    created_at = serializers.DateTimeField()


class SeenInput(serializers.Serializer):
    """What the caller last saw; when newer answers or changes exist the request gets 409."""

    seen_message_id = serializers.IntegerField(required=False, min_value=0)
    seen_event_id = serializers.IntegerField(required=False, min_value=0)


class TicketUpdateInput(SeenInput):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    queue = serializers.CharField(required=False, allow_blank=True, max_length=50)
    category = serializers.CharField(required=False, allow_blank=True, max_length=50)


class MessageCreateInput(SeenInput):
    body_text = serializers.CharField(trim_whitespace=True)
    internal = serializers.BooleanField(
        default=False, help_text="An internal note (社内メモ) instead of an answer to the customer."
    )
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)


class CollisionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    messages = MessageSerializer(many=True)
    events = EventSerializer(many=True)


class TicketPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TicketRowSerializer(many=True)
