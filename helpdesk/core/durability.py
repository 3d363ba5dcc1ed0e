"""When a commit may return before its WAL reaches disk, and how to make such commits durable.

PostgreSQL only; elsewhere both are no-ops. Use the relaxed commit only for work whose loss in
a crash is repaired by redoing it: see the callers' reasons.
"""

from __future__ import annotations

from django.db import connection, transaction


def relax_commit_durability() -> None:
    """Let PostgreSQL acknowledge the current transaction's commit before its WAL is on disk
    (about a disk flush less a commit; the rows it locked are released that much sooner)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def relaxed_commits_flush() -> None:
    """Make every relaxed commit before now durable: a commit that waits for the WAL to reach
    disk waits for each record before its own, and taking a transaction id makes it write one.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
