"""Seed the default SLA targets (README, "SLA targets"), one policy per priority, editable in
the admin."""

from django.db import migrations

DEFAULTS = {
    "urgent": (60, 60, 360),
    "high": (120, 120, 1080),
    "normal": (360, 360, 1800),
    "low": (720, 720, 3600),
}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for priority, (first, following, resolution) in DEFAULTS.items():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            category="",
            defaults={
                "first_response_minutes": first,
                "next_response_minutes": following,
                "resolution_minutes": resolution,
                "warning_percent": 75,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
