"""Daily backup to a second location (SLA 5(f)): the database and the attachment files.

Consistency while mail keeps arriving: on PostgreSQL one REPEATABLE READ transaction exports
its snapshot, ``pg_dump --snapshot`` dumps exactly that snapshot, and the manifest's counts
and digests are read in the same transaction, so they describe the very rows in the dump.
On SQLite the online backup API copies the database in one step and the manifest is read
from the copy. Attachment files are archived after the database snapshot: a file is stored
before the row that names it commits, and files are never changed or removed, so every file
the snapshot refers to is already there (later files are harmless extras).

The layout of a backup is described in ``backup_format``.
"""

from __future__ import annotations

import datetime
import gzip
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections

from .backup_format import (
    FILES_ARCHIVE,
    FORMAT_VERSION,
    MANIFEST,
    PARTIAL_SUFFIX,
    POSTGRES_DUMP,
    PREFIX,
    SQLITE_DUMP,
    TableSpec,
    checksums_write,
    file_sha256,
    table_snapshot,
)

logger = logging.getLogger(__name__)
ALIAS = "default"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    seconds: float
    database_bytes: int
    files_bytes: int
    file_count: int
    removed: list[Path]


# --- what to back up ------------------------------------------------------------------------


def database_vendor() -> str:
    return connections[ALIAS].vendor


def table_specs() -> tuple[list[str], list[TableSpec]]:
    """Every table Django manages (for counts) and the tables whose rows are digested
    (``BACKUP_DIGEST_MODELS``: labels, so this low layer names no app of a higher one)."""
    existing = set(connections[ALIAS].introspection.table_names())
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        & existing
    )
    digests = []
    for label in settings.BACKUP_DIGEST_MODELS:
        model = apps.get_model(label)
        digests.append(TableSpec(label, model._meta.db_table, model._meta.pk.column))
    return tables, digests


def file_references() -> list[tuple[str, str]]:
    """``(table, column)`` of every file field among the digested models."""
    references = []
    for label in settings.BACKUP_DIGEST_MODELS:
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if field.get_internal_type() == "FileField":
                references.append((model._meta.db_table, field.column))
    return references


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_settings(database: str | None = None) -> dict[str, Any]:
    values = connections[ALIAS].settings_dict
    return {
        "dbname": database or values["NAME"],
        "user": values.get("USER") or None,
        "password": values.get("PASSWORD") or None,
        "host": values.get("HOST") or None,
        "port": str(values["PORT"]) if values.get("PORT") else None,
    }


def postgres_connect(database: str | None = None, **options: Any) -> psycopg.Connection:
    parameters = {key: value for key, value in postgres_settings(database).items() if value}
    # Digests compare timestamps as text: always in UTC, whatever the server's default.
    return psycopg.connect(**parameters, options="-c TimeZone=UTC", **options)


def postgres_command(program: str, database: str | None = None) -> tuple[list[str], dict]:
    """The client program's arguments and environment (the password never on a command
    line, where ``ps`` would show it)."""
    values = postgres_settings(database)
    arguments = [shutil.which(program) or program, "--dbname", values["dbname"]]
    if values["host"]:
        arguments += ["--host", values["host"]]
    if values["port"]:
        arguments += ["--port", values["port"]]
    if values["user"]:
        arguments += ["--username", values["user"]]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if values["password"]:
        environment["PGPASSWORD"] = values["password"]
    return arguments, environment


def _postgres_dump(target: Path) -> dict[str, dict[str, object]]:
    tables, digests = table_specs()
    with postgres_connect() as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        (snapshot_id,) = connection.execute("SELECT pg_export_snapshot()").fetchone() or ("",)
        arguments, environment = postgres_command("pg_dump")
        arguments += [
            "--format=custom",
            f"--compress={settings.BACKUP_COMPRESSION_LEVEL}",
            f"--snapshot={snapshot_id}",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
        ]
        dump = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
            arguments, env=environment, stderr=subprocess.PIPE
        )
        # The manifest is read while pg_dump works: the same snapshot, the other core.
        manifest_tables = table_snapshot(
            connection, tables=tables, digests=digests, server_side=True
        )
        _stdout, stderr = dump.communicate()
        if dump.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {stderr.decode(errors='replace').strip()}")
    return manifest_tables


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_dump(target: Path) -> dict[str, dict[str, object]]:
    tables, digests = table_specs()
    copy_path = target.with_suffix("")  # database.sqlite3
    source = sqlite3.connect(connections[ALIAS].settings_dict["NAME"])
    copy = sqlite3.connect(copy_path)
    try:
        source.backup(copy)  # the online backup API: one consistent copy
        manifest_tables = table_snapshot(copy, tables=tables, digests=digests)
    finally:
        copy.close()
        source.close()
    with (
        copy_path.open("rb") as raw,
        gzip.open(target, "wb", settings.BACKUP_COMPRESSION_LEVEL) as packed,
    ):
        shutil.copyfileobj(raw, packed, 1024 * 1024)
    copy_path.unlink()
    return manifest_tables


# --- files ----------------------------------------------------------------------------------


def _archive_files(target: Path) -> dict[str, str]:
    """Every file under MEDIA_ROOT into a gzip tar; returns ``{relative path: sha256}``."""
    media_root = Path(settings.MEDIA_ROOT)
    checksums: dict[str, str] = {}
    with tarfile.open(target, "w:gz", compresslevel=settings.BACKUP_COMPRESSION_LEVEL) as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    name = path.relative_to(media_root).as_posix()
                    checksums[name] = file_sha256(path)
                    archive.add(path, arcname=name, recursive=False)
    return checksums


# --- the backup -----------------------------------------------------------------------------


def backups_list(directory: Path) -> list[Path]:
    """Complete backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and not path.name.endswith(PARTIAL_SUFFIX)
    )


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` complete backups, and abandoned partial ones."""
    removed = backups_list(directory)[:-keep] if keep > 0 else []
    stale_before = time.time() - 24 * 3600
    for path in directory.glob(f"{PREFIX}*{PARTIAL_SUFFIX}"):
        if path.stat().st_mtime < stale_before:
            removed.append(path)
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Write one complete backup into ``directory`` (``BACKUP_DIR``), then keep the newest
    ``keep`` (``BACKUP_KEEP``)."""
    started = time.monotonic()
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    name = f"{PREFIX}{now:%Y%m%dT%H%M%S.%f}Z"  # two backups in one second stay apart
    partial = directory / f"{name}{PARTIAL_SUFFIX}"
    partial.mkdir()
    vendor = database_vendor()
    if vendor == "postgresql":
        database_file = POSTGRES_DUMP
        tables = _postgres_dump(partial / database_file)
    elif vendor == "sqlite":
        database_file = SQLITE_DUMP
        tables = _sqlite_dump(partial / database_file)
    else:
        raise RuntimeError(f"backups are not supported on {vendor}")
    files = _archive_files(partial / FILES_ARCHIVE)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": now.isoformat(),
        "vendor": vendor,
        "database_file": database_file,
        "tables": tables,
        "files": files,
        "file_references": file_references(),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    checksums_write(partial, [database_file, FILES_ARCHIVE, MANIFEST])
    final = directory / name
    partial.rename(final)
    removed = backups_prune(
        directory=directory, keep=settings.BACKUP_KEEP if keep is None else keep
    )
    result = BackupResult(
        path=final,
        seconds=time.monotonic() - started,
        database_bytes=(final / database_file).stat().st_size,
        files_bytes=(final / FILES_ARCHIVE).stat().st_size,
        file_count=len(files),
        removed=removed,
    )
    logger.info(
        "backup written path=%s seconds=%.1f database_bytes=%d files=%d removed=%d",
        final,
        result.seconds,
        result.database_bytes,
        result.file_count,
        len(removed),
    )
    return result
