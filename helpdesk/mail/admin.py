from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import FeedbackReport, ImapMailboxState, InboundMail, MailGatewayToken
from .services import mail_reprocess


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "received_at",
        "source",
        "status",
        "action",
        "kind_display",
        "message_id",
        "ticket",
        "attempts",
    )
    list_filter = ("status", "source", "kind")
    search_fields = ("message_id", "sha256", "reason", "envelope_sender")
    # The raw bytes are not shown; kind and the duplicate key get translated labels.
    readonly_fields = [
        "kind_display" if field.name == "kind" else field.name
        for field in InboundMail._meta.fields
        if field.name not in ("raw", "dedupe_key")
    ]
    exclude = ("raw", "dedupe_key", "kind")
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_display(self, inbound: InboundMail) -> str:
        return inbound.get_kind_display() or "-"

    @admin.action(description=_("Process the selected quarantined or failed mails again"))
    def reprocess(self, request, queryset):
        for inbound in queryset.filter(status__in=["quarantined", "failed"]):
            result = mail_reprocess(inbound_pk=inbound.pk)
            self.message_user(
                request,
                gettext("#%(id)s: %(status)s, %(action)s")
                % {
                    "id": inbound.pk,
                    "status": result.inbound.get_status_display(),
                    "action": result.inbound.get_action_display(),
                },
                messages.INFO,
            )


@admin.register(FeedbackReport)
class FeedbackReportAdmin(admin.ModelAdmin):
    """Abuse, feedback-loop and DMARC reports: kept out of tickets, listed here for staff."""

    list_display = (
        "created_at",
        "feedback_type",
        "reported_address",
        "contact",
        "reporter",
        "reported_domain",
        "source_ip",
        "inbound",
    )
    list_filter = ("feedback_type", "created_at")
    list_select_related = ("contact", "inbound")
    search_fields = ("reported_address", "reporter", "reported_domain", "original_message_id")
    readonly_fields = [field.name for field in FeedbackReport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MailGatewayToken)
class MailGatewayTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at", "last_used_at")
    # Only a hash is stored (the token is shown once, at creation): nothing to read here.
    fields = ("name", "is_active", "created_at", "last_used_at")
    readonly_fields = ("created_at", "last_used_at")

    def has_add_permission(self, request):
        # ``manage.py create_gateway_token`` makes one and shows its key once; a row added
        # here would have no key at all.
        return False


@admin.register(ImapMailboxState)
class ImapMailboxStateAdmin(admin.ModelAdmin):
    list_display = ("mailbox", "uid_validity", "last_uid", "last_polled_at", "last_error")
