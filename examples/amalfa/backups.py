"""The example's snapshot helpers, now a thin layer over sqlkeel's own backups.

This file used to do by hand what ``sqlkeel backup``, ``sqlkeel migrate`` (which takes a
pre-migration snapshot itself) and ``sqlkeel rollback`` now do; ``run.py`` uses the commands.
What is left keeps the old call shapes for the example's tests, each one a call into
``sqlkeel.backup`` / ``sqlkeel.list_backups`` / ``sqlkeel.restore``: snapshots with SQLite's
online backup API (consistent, WAL content included, unlike ``cp``), written under a
temporary name, checked with ``PRAGMA integrity_check`` and renamed into place, pruned to the
newest ``keep``.
"""

from __future__ import annotations

from pathlib import Path

import sqlkeel


def snapshot(database: Path, directory: Path, *, label: str, keep: int) -> Path:
    """Snapshot ``database`` into ``directory`` and prune to the newest ``keep`` copies."""
    return sqlkeel.backup(database, label=label, directory=directory, keep=keep).path


def snapshots(directory: Path, stem: str) -> list[Path]:
    """The snapshots of database ``stem`` in ``directory``, oldest first."""
    return [b.path for b in sqlkeel.list_backups(Path(f"{stem}.db"), directory=directory)]


def restore(snapshot_file: Path, database: Path) -> None:
    """Roll ``database`` back to ``snapshot_file`` (verified first; the replaced file is kept
    beside the snapshot as a ``pre-restore`` one)."""
    sqlkeel.restore(database, snapshot_file, directory=snapshot_file.parent)
