"""Restore a backup (SLA 5(f): service back within 6 hours), and the restore drill that proves
a backup is good without touching the live database.

Both check every file of the backup against its ``SHA256SUMS`` first: a corrupted or
incomplete backup is refused before anything is overwritten.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from .backup import (
    ALIAS,
    database_vendor,
    postgres_command,
    postgres_connect,
    table_specs,
)
from .backup_format import (
    FILES_ARCHIVE,
    BackupCorrupted,
    TableSpec,
    checksums_verify,
    file_sha256,
    table_snapshot,
)

logger = logging.getLogger(__name__)


class RestoreRefused(Exception):
    """The target is not empty and the caller did not say to overwrite it, or the backup is
    of another database engine."""


@dataclass
class RestoreResult:
    seconds: float
    tables: int
    rows: int
    files: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _database_has_rows() -> bool:
    """Business data present (``BACKUP_DIGEST_MODELS``): the rows a fresh ``migrate`` writes
    (content types, permissions, default policies) do not make a database "not empty"."""
    _tables, digests = table_specs()
    existing = set(connections[ALIAS].introspection.table_names())
    with connections[ALIAS].cursor() as cursor:
        for table in (spec.table for spec in digests if spec.table in existing):
            cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608 - registry names
            if cursor.fetchone():
                return True
    return False


def _media_has_files() -> bool:
    media_root = Path(settings.MEDIA_ROOT)
    return media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*"))


def _postgres_restore(dump: Path, database: str) -> None:
    arguments, environment = postgres_command("pg_restore", database)
    arguments += [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--jobs={settings.BACKUP_RESTORE_JOBS}",
        str(dump),
    ]
    completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        arguments, env=environment, capture_output=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"pg_restore failed: {completed.stderr.decode(errors='replace').strip()}"
        )


def _sqlite_restore(packed: Path, target: Path) -> None:
    """Unpacked beside the target, then moved over it in one rename."""
    unpacked = target.with_name(f"{target.name}.restoring")
    with gzip.open(packed, "rb") as source, unpacked.open("wb") as destination:
        shutil.copyfileobj(source, destination, 1024 * 1024)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(unpacked, target)


def _extract_files(archive_path: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = archive.getmembers()
        # The "data" filter refuses absolute paths, "..", links out of the tree and devices.
        archive.extractall(media_root, filter="data")
    return sum(1 for member in members if member.isfile())


def _compare_tables(
    expected: dict[str, dict[str, object]], actual: dict[str, dict[str, object]]
) -> list[str]:
    problems = []
    for table, figures in sorted(expected.items()):
        found = actual.get(table)
        if found is None:
            problems.append(f"table {table} is missing after the restore")
            continue
        for key in ("count", "digest"):
            if key in figures and figures[key] != found.get(key):
                problems.append(f"{table}: {key} {found.get(key)} != {figures[key]} in the backup")
    return problems


def _compare_files(expected: dict[str, str], media_root: Path) -> list[str]:
    problems = []
    for name, checksum in sorted(expected.items()):
        path = media_root / name
        if not path.is_file():
            problems.append(f"file {name} is missing after the restore")
        elif file_sha256(path) != checksum:
            problems.append(f"file {name} differs from the backup")
    return problems


def _check_references(connection: Any, references: list, files: dict[str, str]) -> list[str]:
    """Every file a row names must be in the backup (the snapshot-then-files order)."""
    problems = []
    for table, column in references:
        cursor = connection.cursor()
        try:
            cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608 - registry names
            missing = {row[0] for row in cursor.fetchall() if row[0] and row[0] not in files}
        finally:
            cursor.close()
        if missing:
            problems.append(f"{len(missing)} file(s) named in {table}.{column} are not backed up")
    return problems


def _snapshot_specs(manifest: dict[str, Any]) -> tuple[list[str], list[TableSpec]]:
    """The tables the backup describes (not today's code's), to compare like with like."""
    _tables, digests_now = table_specs()
    by_table = {spec.table: spec for spec in digests_now}
    tables = list(manifest["tables"])
    digests = [
        by_table.get(table) or TableSpec(table, table, "id")
        for table, figures in manifest["tables"].items()
        if "digest" in figures
    ]
    return tables, digests


def backup_restore(*, path: Path, force: bool = False) -> RestoreResult:
    """Restore database and files from ``path`` into this site's database and MEDIA_ROOT."""
    started = time.monotonic()
    manifest = checksums_verify(path)
    vendor = database_vendor()
    if manifest["vendor"] != vendor:
        raise RestoreRefused(f"the backup is of {manifest['vendor']}, this site runs {vendor}")
    if not force and (_database_has_rows() or _media_has_files()):
        raise RestoreRefused(
            "the target database or MEDIA_ROOT is not empty; pass --force to overwrite it"
        )
    connections.close_all()
    dump = path / manifest["database_file"]
    if vendor == "postgresql":
        _postgres_restore(dump, connections[ALIAS].settings_dict["NAME"])
    else:
        _sqlite_restore(dump, Path(connections[ALIAS].settings_dict["NAME"]))
    file_count = _extract_files(path / FILES_ARCHIVE, Path(settings.MEDIA_ROOT))
    tables = {table: {"count": figures["count"]} for table, figures in manifest["tables"].items()}
    actual: dict[str, dict[str, object]] = {}
    with connections[ALIAS].cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - registry names
            actual[table] = {"count": cursor.fetchone()[0]}
    result = RestoreResult(
        seconds=time.monotonic() - started,
        tables=len(tables),
        rows=sum(int(figures["count"]) for figures in tables.values()),
        files=file_count,
        problems=_compare_tables(tables, actual),
    )
    logger.info("backup restored path=%s seconds=%.1f rows=%d", path, result.seconds, result.rows)
    return result


def backup_verify(*, path: Path) -> RestoreResult:
    """The restore drill: restore into a scratch database and a temporary directory, and
    compare every count, every digested table and every file with what the backup recorded.
    The live database and files are not touched."""
    started = time.monotonic()
    manifest = checksums_verify(path)
    vendor = manifest["vendor"]
    tables, digests = _snapshot_specs(manifest)
    dump = path / manifest["database_file"]
    with tempfile.TemporaryDirectory(prefix="helpdesk-verify-") as scratch_text:
        scratch = Path(scratch_text)
        if vendor == "postgresql":
            actual, reference_problems = _verify_postgres(dump, tables, digests, manifest)
        elif vendor == "sqlite":
            _sqlite_restore(dump, scratch / "verify.sqlite3")
            connection = sqlite3.connect(scratch / "verify.sqlite3")
            try:
                actual = table_snapshot(connection, tables=tables, digests=digests)
                reference_problems = _check_references(
                    connection, manifest["file_references"], manifest["files"]
                )
            finally:
                connection.close()
        else:
            raise BackupCorrupted(f"unknown database engine {vendor!r} in the manifest")
        file_count = _extract_files(path / FILES_ARCHIVE, scratch / "media")
        problems = (
            _compare_tables(manifest["tables"], actual)
            + reference_problems
            + _compare_files(manifest["files"], scratch / "media")
        )
    return RestoreResult(
        seconds=time.monotonic() - started,
        tables=len(tables),
        rows=sum(int(str(figures["count"])) for figures in actual.values()),
        files=file_count,
        problems=problems,
    )


def _verify_postgres(
    dump: Path, tables: list[str], digests: list[TableSpec], manifest: dict[str, Any]
) -> tuple[dict[str, dict[str, object]], list[str]]:
    scratch_database = settings.BACKUP_VERIFY_DATABASE or (
        f"{connections[ALIAS].settings_dict['NAME']}_verify"
    )
    quoted = '"' + scratch_database.replace('"', '""') + '"'
    with postgres_connect(autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {quoted}")
        admin.execute(f"CREATE DATABASE {quoted}")
    try:
        _postgres_restore(dump, scratch_database)
        with postgres_connect(scratch_database) as connection:
            actual = table_snapshot(connection, tables=tables, digests=digests, server_side=True)
            references = _check_references(
                connection, manifest["file_references"], manifest["files"]
            )
    finally:
        with postgres_connect(autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    return actual, references
