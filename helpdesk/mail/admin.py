from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import classify
from .models import ImapMailboxState, InboundMail, MailGatewayToken
from .services import mail_reprocess

# The classifier's kinds are plain strings (it is pure, with no Django); their names here.
KIND_LABELS = {
    classify.INQUIRY: _("inquiry"),
    classify.REPLY: _("reply"),
    classify.AUTO_REPLY: _("automatic reply"),
    classify.BOUNCE: _("delivery failure report"),
    classify.BULK: _("bulk mail"),
    classify.INVALID: _("not a mail"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind or "-"))


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return list(KIND_LABELS.items())

    def queryset(self, request: HttpRequest, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


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
    list_filter = ("status", "source", KindFilter)
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
        return kind_label(inbound.kind)

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
