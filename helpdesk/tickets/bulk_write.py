"""Reading and writing the SLA fields of many tickets cheaply.

At desk scale (a closure change moves the deadlines of every open ticket) the cost of a ticket
is in the driver, not in the clock: Django's ``bulk_update`` builds one ``CASE WHEN id = ...``
per field per row (about 2 ms a ticket), and even plain parameters cost tens of microseconds a
ticket because psycopg converts datetimes and arrays of them in Python. So on PostgreSQL:

- reading, instants travel as whole epoch seconds (``EpochSeconds``): integers load in C, and
  ``datetime.fromtimestamp`` builds the instant in the clock's zone in well under a microsecond;
- writing, each field of a batch travels as one comma-joined text that PostgreSQL splits and
  casts (``string_to_array(...)::type[]``), joined back by position with ``unnest``: a handful
  of parameters whatever the batch size, about a microsecond a ticket.

SQLite (development) reads the same way (``strftime``) and writes with ``bulk_update``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from .models import SLA_FIELDS, Ticket


class EpochSeconds(models.Func):
    """An instant as whole seconds since 1970-01-01 UTC (floored), or NULL."""

    output_field = models.BigIntegerField()
    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"

    def as_sqlite(self, compiler, connection, **extra_context):
        # '%%%%' survives the template and the backend's placeholder rewrite as one '%'.
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )


def from_epoch_seconds(value: int | None, tz: datetime.tzinfo) -> datetime.datetime | None:
    return None if value is None else datetime.datetime.fromtimestamp(value, tz)


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


def _as_text(value: object) -> str:
    """One element of a comma-joined array: '' is NULL; instants in ISO 8601 with offset."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value)
    if "," in text or not text:
        raise ValueError(f"{text!r} cannot travel in a comma-joined array")
    return text


def _joined(values: Sequence[object]) -> str:
    return ",".join(map(_as_text, values))


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
    texts = [_joined([ticket.pk for ticket in tickets])]
    texts += [_joined([getattr(ticket, name) for ticket in tickets]) for name in SLA_FIELDS]
    types = ["bigint"] + [db_type for _column, db_type in columns]
    names = ["id"] + [column for column, _db_type in columns]
    condition = "t.id = v.id"
    if unchanged_since is not None:
        texts.append(_joined(unchanged_since))
        types.append("timestamptz")
        names.append("seen_updated_at")
        condition += " AND t.updated_at = v.seen_updated_at"
    arrays = ", ".join(f"string_to_array(%s, ',', '')::{db_type}[]" for db_type in types)
    assignments = ", ".join(f"{column} = v.{column}" for column, _db_type in columns)
    # Names come from the model's own fields, values go as parameters.
    sql = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, texts)
        return cursor.rowcount
