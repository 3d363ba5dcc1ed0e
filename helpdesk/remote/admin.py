from django.contrib import admin

from .models import ConsentText, RemoteConsentEvent, RemoteSupportRequest


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Read only: a new wording is a new version (a data migration), never an edit."""

    list_display = ("version", "language", "sha256", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AuditInline(admin.TabularInline):
    model = RemoteConsentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "actor", "ip_address", "user_agent", "detail")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RemoteSupportRequest)
class RemoteSupportRequestAdmin(admin.ModelAdmin):
    list_display = ("ticket", "scope", "status", "requested_by", "created_at", "expires_at")
    list_filter = ("status", "scope")
    inlines = [AuditInline]
    readonly_fields = [field.name for field in RemoteSupportRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
