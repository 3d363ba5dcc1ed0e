"""The search document moves from a column of the ticket to a row of its own.

A ticket row changes whenever its deadlines move; with the document in it, each new row
version entered all of the ticket's bigrams into the GIN index again (a closure change did
that for every open ticket). The GIN index exists on PostgreSQL only, as before (see
helpdesk/tickets/search.py); SQLite searches the same column with LIKE.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_INDEX = "ticket_search_bigrams_gin"
INDEX = "ticket_search_document_gin"


def copy_documents(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO tickets_ticketsearchdocument (ticket_id, bigrams) "
        "SELECT id, search_bigrams FROM tickets_ticket"
    )


def copy_documents_back(apps, schema_editor):
    schema_editor.execute(
        "UPDATE tickets_ticket SET search_bigrams = d.bigrams FROM tickets_ticketsearchdocument d "
        "WHERE d.ticket_id = tickets_ticket.id"
    )


def move_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tickets_ticketsearchdocument "
        "USING gin (string_to_array(bigrams, ' '))"
    )


def move_index_back(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON tickets_ticket "
        "USING gin (string_to_array(search_bigrams, ' '))"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_merge_escalation"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketSearchDocument",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
                ("bigrams", models.TextField(blank=True, verbose_name="search document")),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
            },
        ),
        migrations.RunPython(copy_documents, copy_documents_back),
        migrations.RunPython(move_index, move_index_back),
        migrations.RemoveField(model_name="ticket", name="search_bigrams"),
    ]
