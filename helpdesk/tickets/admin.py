"""The administrators' view of tickets: read-only where the services own the data.

Messages are added through the console and the services (which send mail and move SLA
timers), so the ticket page lists them without an "add" row. Attachments open through a
staff-only download view that checks the admin's view permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .downloads import attachment_download_response
from .models import (
    Attachment,
    Contact,
    Escalation,
    Message,
    Organization,
    QueueSupervisor,
    StaffProfile,
    Ticket,
)
from .selectors import attachment_get

if TYPE_CHECKING:  # the stubs' helper types exist only where the dev tools are installed
    from django_stubs_ext import StrOrPromise

ATTACHMENT_DOWNLOAD_URL_NAME = "tickets_attachment_download"


def attachment_download_url(attachment: Attachment) -> str:
    return reverse(f"admin:{ATTACHMENT_DOWNLOAD_URL_NAME}", args=[attachment.pk])


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = (
        "kind",
        "created_at",
        "author_contact",
        "author_user",
        "body_text",
        "attachment_links",
        "message_id",
        "delivery_status",
        "delivery_error",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("attachments")

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        # The admin cannot send mail or move the SLA timers: replies and notes are written
        # in the console, through the services. No empty "add" block that saves nothing.
        return False

    @admin.display(description=_("attachments"))
    def attachment_links(self, message: Message) -> SafeString | StrOrPromise:
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (attachment_download_url(attachment), attachment.filename)
                for attachment in message.attachments.all()
            ),
        ) or _("none")


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

    def has_add_permission(self, request: HttpRequest) -> bool:
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
    list_display = ("filename", "download_link", "content_type", "size", "sha256")
    fields = ("message", "filename", "download_link", "content_type", "size", "sha256")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Attachments arrive with mail and forms; an upload here would belong to no message.
        return False

    @admin.display(description=_("file"))
    def download_link(self, attachment: Attachment) -> str:
        return format_html(
            '<a href="{}">{}</a>', attachment_download_url(attachment), _("download")
        )

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:attachment_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name=ATTACHMENT_DOWNLOAD_URL_NAME,
        )
        return [download, *super().get_urls()]

    def download_view(self, request: HttpRequest, attachment_id: int) -> FileResponse:
        """Staff only (``admin_view``), and only with permission to view attachments."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = attachment_get(attachment_id=attachment_id)
        if attachment is None:
            raise Http404
        return attachment_download_response(attachment)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """The language a staff member's notification digests are written in."""

    list_display = ("user", "language")
    list_select_related = ("user",)


@admin.register(QueueSupervisor)
class QueueSupervisorAdmin(admin.ModelAdmin):
    """Who supervises which queue: they, not every supervisor, hear of its escalations."""

    list_display = ("queue", "user")
    list_filter = ("queue",)
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Read only: escalations are fired by the sweep, never entered by hand."""

    list_display = ("ticket", "timer", "level", "fired_at")
    list_filter = ("level", "timer")
    list_select_related = ("ticket",)
    readonly_fields = ("ticket", "timer", "level", "timer_started_at", "fired_at")

    def has_add_permission(self, request) -> bool:
        return False
