"""What a backup directory holds and how it is checked (SLA 5(f)). No Django database access:
these functions take plain DB-API connections, so the same digest runs on the live snapshot,
on a SQLite copy and on a scratch database restored for verification.

A backup is a directory ``helpdesk-YYYYMMDDTHHMMSS.ffffffZ/`` (UTC) with:

- ``database.pgdump`` (``pg_dump`` custom format, compressed) or ``database.sqlite3.gz``;
- ``files.tar.gz``: everything under ``MEDIA_ROOT`` (attachment files);
- ``manifest.json``: row counts of every table and a digest of the rows of the tables that
  matter (``BACKUP_DIGEST_MODELS``), the SHA-256 of every attachment file;
- ``SHA256SUMS``: the SHA-256 of the three files above, readable by ``sha256sum -c``.

It is written under a ``.partial`` name and renamed when complete, so a directory without
that suffix is a whole backup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
PREFIX = "helpdesk-"
PARTIAL_SUFFIX = ".partial"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
FILES_ARCHIVE = "files.tar.gz"
POSTGRES_DUMP = "database.pgdump"
SQLITE_DUMP = "database.sqlite3.gz"
CHUNK = 1024 * 1024


class BackupCorrupted(Exception):
    """The backup does not match its own checksums, or a part of it is missing."""


@dataclass(frozen=True)
class TableSpec:
    label: str  # "tickets.Ticket"
    table: str  # "tickets_ticket"
    primary_key: str  # "id"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _value_bytes(value: Any) -> bytes:
    if value is None:
        return b"\x00"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def table_digest(connection: Any, spec: TableSpec, *, server_side: bool = False) -> str:
    """SHA-256 over every column of every row in primary-key order.

    Values are compared as the same database engine returns them: a PostgreSQL backup is
    verified on PostgreSQL, a SQLite one on SQLite, so their text forms agree.
    """
    digest = hashlib.sha256()
    # Table and column names come from Django's model registry, never from input.
    query = f'SELECT * FROM "{spec.table}" ORDER BY "{spec.primary_key}"'  # noqa: S608
    cursor = connection.cursor(name=f"digest_{spec.table}") if server_side else connection.cursor()
    try:
        if server_side:
            cursor.itersize = 5000
        cursor.execute(query)
        while rows := cursor.fetchmany(5000):
            for row in rows:
                for value in row:
                    digest.update(_value_bytes(value))
                    digest.update(b"\x1f")
                digest.update(b"\x1e")
    finally:
        cursor.close()
    return digest.hexdigest()


def table_count(connection: Any, table: str) -> int:
    cursor = connection.cursor()
    try:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the registry
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


def table_snapshot(
    connection: Any,
    *,
    tables: Iterable[str],
    digests: Iterable[TableSpec],
    server_side: bool = False,
) -> dict[str, dict[str, object]]:
    """``{table: {"count": n, "digest": hex (for the digested ones)}}`` as this connection
    sees them."""
    snapshot: dict[str, dict[str, object]] = {
        table: {"count": table_count(connection, table)} for table in sorted(tables)
    }
    for spec in digests:
        snapshot[spec.table]["digest"] = table_digest(connection, spec, server_side=server_side)
    return snapshot


def checksums_write(directory: Path, names: Iterable[str]) -> None:
    lines = [f"{file_sha256(directory / name)}  {name}\n" for name in names]
    (directory / CHECKSUMS).write_text("".join(lines))


def checksums_verify(directory: Path) -> dict[str, Any]:
    """Check every file against ``SHA256SUMS`` and return the manifest; BackupCorrupted
    names the first part that does not match."""
    if not directory.is_dir():
        raise BackupCorrupted(f"{directory} is not a backup directory")
    sums_path = directory / CHECKSUMS
    if not sums_path.is_file():
        raise BackupCorrupted(f"{directory} has no {CHECKSUMS}: not a complete backup")
    expected: dict[str, str] = {}
    for line in sums_path.read_text().splitlines():
        checksum, _separator, name = line.partition("  ")
        expected[name] = checksum
    if MANIFEST not in expected:
        raise BackupCorrupted(f"{CHECKSUMS} does not cover {MANIFEST}")
    for name, checksum in expected.items():
        path = directory / name
        if not path.is_file():
            raise BackupCorrupted(f"{name} is missing from {directory}")
        actual = file_sha256(path)
        if actual != checksum:
            raise BackupCorrupted(
                f"{name} is corrupted: its SHA-256 is {actual}, the backup recorded {checksum}"
            )
    manifest = json.loads((directory / MANIFEST).read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupCorrupted(f"unknown backup format {manifest.get('format')!r}")
    return manifest
