from django.contrib import admin

from .models import (
    Attachment,
    Contact,
    Escalation,
    Message,
    Organization,
    StaffProfile,
    Ticket,
)


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = (
        "kind",
        "created_at",
        "author_contact",
        "author_user",
        "body_text",
        "message_id",
        "delivery_status",
        "delivery_error",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "subject",
        "status",
        "priority",
        "requester",
        "received_at",
        "first_response_due",
        "sla_state",
    )
    list_filter = ("status", "priority", "sla_state", "channel")
    search_fields = ("reference", "subject", "requester__email", "requester__name")
    list_select_related = ("requester",)
    # Status, priority and category move SLA timers: they change only through the services
    # (the console), never by a raw edit here.
    readonly_fields = (
        "reference",
        "number",
        "status",
        "priority",
        "category",
        "channel",
        "requester",
        "received_at",
        "first_response_due",
        "first_responded_at",
        "next_response_due",
        "resolution_due",
        "resolved_at",
        "sla_paused_since",
        "paused_business_seconds",
        "business_seconds_consumed",
        "sla_state",
        "next_escalation_at",
    )
    inlines = [MessageInline]

    def has_add_permission(self, request):
        # Tickets are opened through the services (web form, mail), which start the timers.
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "organization", "email_undeliverable")
    search_fields = ("email", "name")
    list_select_related = ("organization",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "monthly_fee")
    search_fields = ("name",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "sha256")
    readonly_fields = ("message", "filename", "content_type", "size", "sha256", "file")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """The language a staff member's notification digests are written in."""

    list_display = ("user", "language")
    list_select_related = ("user",)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Read only: escalations are fired by the sweep, never entered by hand."""

    list_display = ("ticket", "timer", "level", "fired_at")
    list_filter = ("level", "timer")
    list_select_related = ("ticket",)
    readonly_fields = ("ticket", "timer", "level", "timer_started_at", "fired_at")

    def has_add_permission(self, request) -> bool:
        return False
