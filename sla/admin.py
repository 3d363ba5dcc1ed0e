from django import forms
from django.contrib import admin
from django.db import transaction

from .models import (
    ClosureDay,
    EnvironmentRequirements,
    EscalationRecipient,
    EscalationRule,
    MaintenanceWindow,
    NoticeDelivery,
    Outage,
    SlaPolicy,
)
from .selectors import sla_policies_changed
from .services import closure_day_remove, closure_day_save


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason", "announced_at", "updated_at")
    search_fields = ("reason",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            closure_day_remove(date=form.initial["date"])
        saved = closure_day_save(date=obj.date, reason=obj.reason, announced_at=obj.announced_at)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        closure_day_remove(date=obj.date)

    def delete_queryset(self, request, queryset):
        for date in queryset.values_list("date", flat=True):
            closure_day_remove(date=date)


class EscalationRuleForm(forms.ModelForm):
    """Recipients as check boxes; the model's ``clean`` checks rising percentages and that
    each level tells someone."""

    warning_recipients = forms.MultipleChoiceField(
        choices=EscalationRecipient.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    breach_recipients = forms.MultipleChoiceField(
        choices=EscalationRecipient.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    overdue_recipients = forms.MultipleChoiceField(
        choices=EscalationRecipient.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = EscalationRule
        fields = [
            "warning_percent",
            "breach_percent",
            "overdue_percent",
            "warning_recipients",
            "breach_recipients",
            "overdue_recipients",
        ]


class EscalationRuleInline(admin.StackedInline):
    model = EscalationRule
    form = EscalationRuleForm
    extra = 0
    max_num = 1


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    inlines = [EscalationRuleInline]
    list_display = (
        "priority",
        "category",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warning_percent",
    )
    list_editable = (
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warning_percent",
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(sla_policies_changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(sla_policies_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(sla_policies_changed)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    """Planned maintenance: shown on the portal once ``announced_at`` has passed."""

    list_display = ("title", "starts_at", "ends_at", "announced_at")
    list_filter = ("announced_at",)
    search_fields = ("title", "description")
    date_hierarchy = "starts_at"


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    """Outages: the facts availability and service credits are computed from."""

    list_display = ("title", "cause", "started_at", "ended_at", "resolved_by_itself")
    list_filter = ("cause", "resolved_by_itself", "recorded_by_monitor")
    search_fields = ("title", "affected_functions", "description")
    date_hierarchy = "started_at"


@admin.register(EnvironmentRequirements)
class EnvironmentRequirementsAdmin(admin.ModelAdmin):
    """Versions of the published environment requirements; a future one is an announced change."""

    list_display = ("effective_on", "title", "announced_at")
    search_fields = ("title", "content", "change_summary")


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(admin.ModelAdmin):
    """Who was told of which announcement, and when: read-only proof of notice."""

    list_display = ("subject", "subject_pk", "stage", "email", "status", "queued_at", "sent_at")
    list_filter = ("subject", "stage", "status")
    search_fields = ("email", "message_id")
    date_hierarchy = "queued_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
