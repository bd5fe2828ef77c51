"""The journal against the migration files: applied, pending, edited, missing or misnamed.

``sqlkeel status`` and ``sqlkeel doctor`` both report this, from the same function, so the
two commands never disagree about a file. Not on the application's startup path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlkeel.store.files import MigrationSource, migration_number
from sqlkeel.store.journal import JournalEntry


@dataclass(frozen=True, slots=True)
class StatusRow:
    name: str
    state: str  # applied | pending | edited | missing | misnamed
    applied_at: str | None = None
    duration_ms: float | None = None


def migration_states(source: MigrationSource, journal: list[JournalEntry]) -> tuple[StatusRow, ...]:
    """The journal against the files: applied / pending / edited / missing / misnamed, per file."""
    names = [n for n in source.sql_names() if migration_number(n) is not None]
    names.sort(key=lambda n: (migration_number(n), n))
    on_disk = {n: source.read(n) for n in names}
    rows: list[StatusRow] = []
    seen = set()
    for entry in journal:
        seen.add(entry.name)
        file = on_disk.get(entry.name)
        state = (
            "missing"
            if file is None
            else ("edited" if file.checksum != entry.checksum else "applied")
        )
        rows.append(StatusRow(entry.name, state, entry.applied_at, entry.duration_ms))
    rows += [StatusRow(n, "pending") for n in names if n not in seen]
    rows += [StatusRow(n, "misnamed") for n in source.sql_names() if migration_number(n) is None]
    rows.sort(key=lambda r: (migration_number(r.name) or 0, r.name))
    return tuple(rows)
