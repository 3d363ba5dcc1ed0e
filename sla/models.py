"""The operator's own closures, on top of the law's holidays and the bank closing days."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the stubs' helper types exist only where the dev tools are installed
    from django_stubs_ext import StrOrPromise


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


class Outage(models.Model):
    """A stretch of time the service was down (SLA 2(a), 6): the input of availability.

    Whether it counts as downtime is decided by ``sla.availability``, not stored: the cause
    class and whether it resolved by itself are the facts; the SLA's exclusions are rules.
    """

    class Cause(models.TextChoices):
        OURS = "ours", _("our responsibility")
        OUTSIDE = "outside", _("outside our control")
        UNKNOWN = "unknown", _("unknown cause")

    title = models.CharField(_("title"), max_length=200)
    affected_functions = models.CharField(_("affected functions"), max_length=300, blank=True)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("Empty while the outage goes on.")
    )
    resolved_by_itself = models.BooleanField(_("resolved by itself"), default=False)
    description = models.TextField(_("description"), blank=True)
    # Opened by the monitoring probe rather than by a person (see helpdesk.core.monitoring).
    recorded_by_monitor = models.BooleanField(_("recorded by the monitor"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        indexes = [models.Index(fields=["started_at", "ended_at"], name="outage_period_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="outage_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.started_at.isoformat()} {self.title}"


class EnvironmentRequirements(models.Model):
    """A version of the published environment requirements (SLA 4): supported devices, OS,
    browsers and bandwidth. The newest version in effect is the portal's page; a version
    with a future ``effective_on`` is a change, announced ahead like maintenance."""

    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(
        _("requirements"), help_text=_("One requirement a line, as customers should read it.")
    )
    change_summary = models.TextField(
        _("what changes"), blank=True, help_text=_("Shown in the notice of the change.")
    )
    effective_on = models.DateField(_("effective on"), unique=True)
    announced_at = models.DateTimeField(
        _("announced at"),
        null=True,
        blank=True,
        help_text=_("From this moment the change is shown to customers on the portal."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_on"]
        verbose_name = _("environment requirements")
        verbose_name_plural = _("environment requirements")

    def __str__(self) -> str:
        return f"{self.effective_on.isoformat()} {self.title}"


class NoticeDelivery(models.Model):
    """Proof that a contact was told of an announcement, and when (SLA 2(a), 2(b), 4: "in
    advance"). The address and contact id are copied, not linked: the record must outlive
    the contact, and this app sits below the one that owns contacts."""

    class Subject(models.TextChoices):
        MAINTENANCE = "maintenance", _("planned maintenance")
        CLOSURE = "closure", _("closure days")
        YEAR_END = "year_end", _("year-end closing")
        ENVIRONMENT = "environment", _("environment requirements")

    class Stage(models.TextChoices):
        AHEAD = "ahead", _("days ahead")
        DAY_BEFORE = "day_before", _("the day before")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent")

    subject = models.CharField(_("announcement"), max_length=20, choices=Subject.choices)
    # The row's primary key; for the bank's year-end closing alone, the year it begins in.
    subject_pk = models.PositiveBigIntegerField(_("announcement id"))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    email = models.EmailField(_("email address"))
    contact_pk = models.PositiveBigIntegerField(_("contact id"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, default="ja")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    queued_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "subject_pk", "stage", "email"],
                name="notice_delivery_once_per_stage",
            )
        ]
        indexes = [models.Index(fields=["status", "email"], name="notice_delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject}:{self.subject_pk}:{self.stage} -> {self.email}"


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
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent)"), default=DEFAULT_WARNING_PERCENT
    )
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
        errors: dict[str, StrOrPromise] = {}
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
