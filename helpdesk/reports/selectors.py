"""Reads for the staff reports: a month's availability and each organization's service
credit (SLA 6). The rules live in ``sla.availability``; this joins them to the customers."""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from helpdesk.tickets.models import Organization
from sla.availability import TARGET, MonthAvailability, month_availability

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
CHART_WIDTH = 620
CHART_HEIGHT = 160


def month_parse(text: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; ValueError for anything else."""
    match = MONTH_PATTERN.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month of the form YYYY-MM")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class CreditLine:
    organization: str
    monthly_fee: Decimal
    credit: Decimal


@dataclass(frozen=True)
class ChartBar:
    day: datetime.date
    minutes: Decimal
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class AvailabilityReport:
    month: MonthAvailability
    credits: list[CreditLine]
    target_percent: Decimal

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.credits), Decimal(0))

    @property
    def previous_month(self) -> str:
        year, month = self.month.year, self.month.month
        return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"

    @property
    def next_month(self) -> str:
        year, month = self.month.year, self.month.month
        return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"

    @property
    def chart_bars(self) -> list[ChartBar]:
        """Daily downtime as bars scaled to the worst day (at least 30 minutes tall)."""
        days = self.month.daily_downtime_seconds
        scale = max([seconds for _day, seconds in days] + [30 * 60])
        slot = CHART_WIDTH // max(len(days), 1)
        bars = []
        for index, (day, seconds) in enumerate(days):
            height = round(CHART_HEIGHT * seconds / scale)
            bars.append(
                ChartBar(
                    day=day,
                    minutes=(Decimal(seconds) / 60).quantize(Decimal("0.1")),
                    x=index * slot + 2,
                    y=CHART_HEIGHT - height,
                    width=max(slot - 4, 1),
                    height=height,
                )
            )
        return bars


def availability_report(*, year: int, month: int) -> AvailabilityReport:
    figures = month_availability(year=year, month=month)
    organizations = Organization.objects.filter(monthly_fee__gt=0).order_by("name")
    credits = [
        CreditLine(
            organization=organization.name,
            monthly_fee=organization.monthly_fee,
            credit=figures.credit_for(organization.monthly_fee),
        )
        for organization in organizations
    ]
    return AvailabilityReport(month=figures, credits=credits, target_percent=TARGET * 100)


def availability_report_csv(report: AvailabilityReport) -> str:
    """One row per organization, with the month's figures repeated, for accounting.

    Starts with a byte order mark: spreadsheet programs in Japan read BOM-less CSV as CP932.
    """
    figures = report.month
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("month"),
            _("organization"),
            _("monthly fee (JPY)"),
            _("availability (%)"),
            _("downtime (minutes)"),
            _("guaranteed operating time (minutes)"),
            _("target met"),
            _("service credit (JPY)"),
        ]
    )
    for line in report.credits:
        writer.writerow(
            [
                figures.label,
                line.organization,
                line.monthly_fee,
                figures.availability_percent,
                figures.downtime_minutes,
                figures.guaranteed_minutes,
                _("yes") if figures.meets_target else _("no"),
                line.credit,
            ]
        )
    return buffer.getvalue()


def availability_report_json(report: AvailabilityReport) -> dict[str, object]:
    figures = report.month
    return {
        "month": figures.label,
        "availability_percent": str(figures.availability_percent),
        "target_percent": str(report.target_percent.normalize()),
        "meets_target": figures.meets_target,
        "downtime_minutes": str(figures.downtime_minutes),
        "guaranteed_minutes": str(figures.guaranteed_minutes),
        "announced_maintenance_minutes": str(
            (Decimal(figures.announced_maintenance_seconds) / 60).quantize(Decimal("0.1"))
        ),
        "incidents": [
            {
                "title": incident.title,
                "kind": incident.kind,
                "cause": incident.cause,
                "started_at": incident.started_at.isoformat(),
                "ended_at": incident.ended_at.isoformat() if incident.ended_at else None,
                "counted": incident.counted,
                "reason": incident.reason,
            }
            for incident in figures.incidents
        ],
        "credits": [
            {
                "organization": line.organization,
                "monthly_fee": int(line.monthly_fee),
                "credit": int(line.credit),
            }
            for line in report.credits
        ],
        "total_credit": int(report.total_credit),
    }
