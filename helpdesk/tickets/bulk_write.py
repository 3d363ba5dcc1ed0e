"""Writing the SLA fields of many tickets in one statement.

Django's ``bulk_update`` builds one ``CASE WHEN id = ... THEN ...`` per field per row: about
2 ms a ticket, almost all of it building and parsing SQL. On PostgreSQL this sends each field
as one array and joins them back by position (``UPDATE ... FROM unnest(...)``): seven
parameters whatever the batch size, a few microseconds a ticket. Other databases (SQLite in
development) fall back to ``bulk_update``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from .models import SLA_FIELDS, Ticket


def _column_types() -> list[tuple[str, str]]:
    columns = []
    for name in SLA_FIELDS:
        field = Ticket._meta.get_field(name)
        db_type = field.db_type(connection) if isinstance(field, models.Field) else None
        # SLA_FIELDS names only the ticket's own columns of built-in types; this narrows.
        if not isinstance(field, models.Field) or field.column is None or db_type is None:
            raise TypeError(f"{name} is not a column of the tickets table")
        columns.append((field.column, db_type.split("(")[0]))
    return columns


def tickets_sla_write(
    tickets: Sequence[Any], *, unchanged_since: Sequence[datetime.datetime] | None = None
) -> int:
    """Store ``SLA_FIELDS`` of ``tickets`` (Tickets, or anything with ``pk`` and those
    attributes) as they are in memory; returns rows written.

    With ``unchanged_since`` (each ticket's ``updated_at`` when it was read), a ticket that a
    service changed meanwhile is left alone: that service refreshed its deadlines itself, and
    the reader never needed to hold the row's lock while it computed.
    """
    if not tickets:
        return 0
    if connection.vendor != "postgresql":
        if unchanged_since is not None:
            current = dict(
                Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets]).values_list(
                    "pk", "updated_at"
                )
            )
            tickets = [
                ticket
                for ticket, seen in zip(tickets, unchanged_since, strict=True)
                if current.get(ticket.pk) == seen
            ]
        rows = [
            Ticket(pk=ticket.pk, **{name: getattr(ticket, name) for name in SLA_FIELDS})
            for ticket in tickets
        ]
        return Ticket.objects.bulk_update(rows, SLA_FIELDS)
    table = connection.ops.quote_name(Ticket._meta.db_table)
    columns = _column_types()
    arrays: list[list] = [[ticket.pk for ticket in tickets]]
    arrays += [[getattr(ticket, name) for ticket in tickets] for name in SLA_FIELDS]
    casts = ["%s::bigint[]"] + [f"%s::{db_type}[]" for _column, db_type in columns]
    names = ["id"] + [column for column, _db_type in columns]
    condition = "t.id = v.id"
    if unchanged_since is not None:
        arrays.append(list(unchanged_since))
        casts.append("%s::timestamptz[]")
        names.append("seen_updated_at")
        condition += " AND t.updated_at = v.seen_updated_at"
    assignments = ", ".join(f"{column} = v.{column}" for column, _db_type in columns)
    # Names come from the model's own fields, values go as parameters.
    sql = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({', '.join(casts)}) AS v({', '.join(names)}) WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount
