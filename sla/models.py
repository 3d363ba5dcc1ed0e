"""The operator's own closures, on top of the law's holidays and the bank closing days."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClosureDay(models.Model):
    """A day the desk is closed beyond the law (SLA 2(b): announced to users in advance)."""

    date = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)
    announced_at = models.DateTimeField(
        _("announced at"),
        null=True,
        blank=True,
        help_text=_("From this moment the closure is shown to customers on the portal."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.reason}"


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


class SlaPolicy(models.Model):
    """Response and resolution targets in business minutes (one business day = 360).

    A policy for a priority and category wins over the priority's policy with no category.
    """

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    category = models.CharField(
        _("category"),
        max_length=50,
        blank=True,
        default="",
        help_text=_("Leave empty for the policy that applies to every category."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response target (minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response target (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target (minutes)"))
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent of target)"), default=75
    )

    class Meta:
        ordering = ["priority", "category"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "category"], name="sla_policy_unique_priority_category"
            ),
            models.CheckConstraint(
                condition=models.Q(warning_percent__gt=0, warning_percent__lt=100),
                name="sla_policy_warning_percent_between_1_and_99",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_priority_display()
        return f"{label} / {self.category}" if self.category else str(label)


# DESIGN.md's defaults: (first response, next response, resolution) in business minutes.
DEFAULT_POLICY_MINUTES = {
    Priority.URGENT: (60, 60, 360),
    Priority.HIGH: (120, 120, 1080),
    Priority.NORMAL: (360, 360, 1800),
    Priority.LOW: (720, 720, 3600),
}


class MaintenanceWindow(models.Model):
    """Planned maintenance (SLA 2(a)): announced ahead, excluded from downtime."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    announced_at = models.DateTimeField(
        _("announced at"),
        null=True,
        blank=True,
        help_text=_("From this moment the maintenance is shown to customers on the portal."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("planned maintenance")
        verbose_name_plural = _("planned maintenance")
        indexes = [
            models.Index(fields=["ends_at", "announced_at"], name="maintenance_upcoming_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="maintenance_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class EscalationRecipient(models.TextChoices):
    """Who hears of an escalation level. The assignee falls back to the supervisors while a
    ticket has nobody assigned."""

    ASSIGNEE = "assignee", _("assignee")
    SUPERVISORS = "supervisors", _("supervisors")
    ADMINS = "admins", _("admins")


def default_warning_recipients() -> list[str]:
    return [EscalationRecipient.ASSIGNEE]


def default_breach_recipients() -> list[str]:
    return [EscalationRecipient.SUPERVISORS]


def default_overdue_recipients() -> list[str]:
    return [EscalationRecipient.ADMINS]


class EscalationRule(models.Model):
    """A policy's escalation levels: at what share of each target they fire and who is told.

    Without a rule a policy escalates at its warning percentage, 100 % and 150 %, telling the
    assignee, the supervisors and the admins (``sla.escalation.DEFAULT_PLAN``)."""

    policy = models.OneToOneField(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        on_delete=models.CASCADE,
        related_name="escalation_rule",
    )
    warning_percent = models.PositiveSmallIntegerField(_("warning at (percent)"), default=75)
    breach_percent = models.PositiveSmallIntegerField(_("breach at (percent)"), default=100)
    overdue_percent = models.PositiveSmallIntegerField(_("overdue at (percent)"), default=150)
    warning_recipients = models.JSONField(_("told at warning"), default=default_warning_recipients)
    breach_recipients = models.JSONField(_("told at breach"), default=default_breach_recipients)
    overdue_recipients = models.JSONField(
        _("told when overdue"), default=default_overdue_recipients
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    warning_percent__gt=0,
                    breach_percent__gt=models.F("warning_percent"),
                    overdue_percent__gt=models.F("breach_percent"),
                ),
                name="escalation_rule_percentages_rising",
            )
        ]

    def __str__(self) -> str:
        return str(self.policy)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not 0 < self.warning_percent < self.breach_percent < self.overdue_percent:
            errors["overdue_percent"] = _(
                "The percentages must rise: warning below breach below overdue, all above 0."
            )
        allowed = set(EscalationRecipient.values)
        for field in ("warning_recipients", "breach_recipients", "overdue_recipients"):
            value = getattr(self, field)
            if not isinstance(value, list) or not value:
                errors[field] = _("Choose at least one recipient.")
            elif not set(value) <= allowed:
                errors[field] = _("Unknown recipient.")
        if errors:
            raise ValidationError(errors)
