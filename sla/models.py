"""The operator's own closures, on top of the law's holidays and the bank closing days."""

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


class Category(models.TextChoices):
    """What an inquiry is about: the customer picks one; a policy may target one."""

    HOWTO = "howto", _("How to use the service")
    ACCOUNT = "account", _("Login and account")
    BILLING = "billing", _("Billing and contract")
    BUG = "bug", _("Something is not working")
    OTHER = "other", _("Other")


# A timer warns once this share of its target has been consumed, unless a policy says otherwise.
DEFAULT_WARNING_PERCENT = 75


class SlaPolicy(models.Model):
    """Response and resolution targets in business minutes (one business day = 360).

    A policy for a priority and category wins over the priority's policy with no category.
    """

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    category = models.CharField(
        _("category"),
        max_length=50,
        choices=Category.choices,
        blank=True,
        default="",
        help_text=_("Leave empty for the policy that applies to every category."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response target (minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response target (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target (minutes)"))
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent of target)"), default=DEFAULT_WARNING_PERCENT
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


# The default targets (README, "SLA targets"): (first response, next response, resolution)
# in business minutes.
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
