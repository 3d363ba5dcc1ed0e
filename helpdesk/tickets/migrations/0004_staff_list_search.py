"""Staff list: the search document, the next-deadline sort key and the indexes of the sorts.

The search index exists on PostgreSQL only (GIN over the document's bigrams, see
helpdesk/tickets/search.py); SQLite searches the same column with LIKE.
"""

import datetime

from django.conf import settings
from django.db import migrations, models

GIN_INDEX = "ticket_search_bigrams_gin"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON tickets_ticket "
        "USING gin (string_to_array(search_bigrams, ' '))"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_events_canned_responses"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_bigrams",
            field=models.TextField(blank=True, editable=False, verbose_name="search document"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sort_due_at",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(
                        models.Q(
                            ("status__in", ("resolved", "closed")),
                            ("sla_paused_since__isnull", False),
                            ("resolution_due__isnull", True),
                            _connector="OR",
                        ),
                        then=models.Value(
                            datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC)
                        ),
                    ),
                    models.When(
                        models.Q(
                            ("first_responded_at__isnull", True),
                            ("first_response_due__lt", models.F("resolution_due")),
                        ),
                        then=models.F("first_response_due"),
                    ),
                    models.When(
                        models.Q(("first_responded_at__isnull", True)),
                        then=models.F("resolution_due"),
                    ),
                    models.When(
                        next_response_due__lt=models.F("resolution_due"),
                        then=models.F("next_response_due"),
                    ),
                    default=models.F("resolution_due"),
                    output_field=models.DateTimeField(),
                ),
                output_field=models.DateTimeField(),
                verbose_name="next deadline",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["sort_due_at", "id"], name="ticket_sort_due_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["received_at", "id"], name="ticket_received_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["assignee", "sort_due_at", "id"], name="ticket_assignee_due_idx"
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
