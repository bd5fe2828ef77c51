"""Pre-migration snapshots with SQLite's online backup API, a retention count, and rollback.

sqlkeel's own ``backup`` and ``restore`` commands are not built yet; this is the manual
equivalent, driven by the ``[tool.sqlkeel.backup]`` settings (``directory``, ``keep``).

Why the backup API and not ``cp``: in WAL mode, committed transactions can still be in the
``-wal`` file, so copying the main file alone can miss them, and copying while a writer is
active can give a torn file. ``Connection.backup`` reads a consistent snapshot through SQLite
itself, WAL content included, while other connections keep working.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


def snapshot(database: Path, directory: Path, *, label: str, keep: int) -> Path:
    """Copy ``database`` into ``directory`` and prune to the newest ``keep`` copies.

    The copy is named ``<stem>-<UTC time>-<label>.db``, so names sort by age. It is checked
    with ``PRAGMA integrity_check`` before older copies are removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{database.stem}-{_stamp()}-{label}.db"
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if result != "ok":
        target.unlink()
        raise RuntimeError(f"the snapshot of {database} failed its integrity check: {result}")
    prune(directory, database.stem, keep=keep)
    return target


def snapshots(directory: Path, stem: str) -> list[Path]:
    """The snapshots of database ``stem`` in ``directory``, oldest first."""
    return sorted(directory.glob(f"{stem}-*.db"))


def prune(directory: Path, stem: str, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots; return the deleted paths."""
    existing = snapshots(directory, stem)
    old = existing[:-keep] if keep > 0 else existing
    for path in old:
        path.unlink()
    return old


def restore(snapshot_file: Path, database: Path) -> None:
    """Roll ``database`` back to ``snapshot_file``, in place, with the backup API.

    Every other connection to ``database`` must be closed first. The snapshot is opened
    read-only and stays as it is.
    """
    source = sqlite3.connect(snapshot_file.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        target = sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
