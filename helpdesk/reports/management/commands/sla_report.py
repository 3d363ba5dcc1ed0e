"""``python manage.py sla_report 2026-11 [--json]``: a month's availability and credits."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.reports.selectors import (
    availability_report,
    availability_report_json,
    month_parse,
)


class Command(BaseCommand):
    help = "Print a month's availability (SLA 6(a)) and each organization's service credit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM, in Japan time")
        parser.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args: object, **options: object) -> None:
        try:
            year, month = month_parse(str(options["month"]))
        except ValueError as error:
            raise CommandError(str(error)) from error
        report = availability_report(year=year, month=month)
        if options["json"]:
            self.stdout.write(json.dumps(availability_report_json(report), ensure_ascii=False))
            return
        figures = report.month
        verdict = "met" if figures.meets_target else "BELOW TARGET"
        self.stdout.write(
            f"{figures.label}  availability {figures.availability_percent} % "
            f"(target {report.target_percent.normalize()} %, {verdict})\n"
            f"downtime {figures.downtime_minutes} min of "
            f"{figures.guaranteed_minutes} min guaranteed operating time"
        )
        for incident in figures.incidents:
            mark = "counted " if incident.counted else "excluded"
            self.stdout.write(
                f"  {mark} {incident.started_at.isoformat()} {incident.minutes:>8} min "
                f"{incident.kind}: {incident.title} ({incident.reason})"
            )
        for line in report.credits:
            self.stdout.write(f"  credit {line.credit:>10} JPY  {line.organization}")
        self.stdout.write(f"total credit {report.total_credit} JPY")
