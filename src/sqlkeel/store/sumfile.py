"""``sqlkeel.sum``: the committed checksums that let CI see an edited migration without a database.

One line per migration file, in order, and a total over all of them first::

    # sqlkeel migration checksums: regenerate with `sqlkeel hash` after a deliberate edit
    total sha256:…
    0001_init.sql sha256:…

``sqlkeel generate`` and ``sqlkeel hash`` write it; ``sqlkeel check`` compares the files with
it. Two branches that each add a migration both change its last lines, so git reports a
conflict when they merge: the merge cannot pass quietly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlkeel.store.files import Migration

SUM_FILE = "sqlkeel.sum"
_HEADER = "# sqlkeel migration checksums: regenerate with `sqlkeel hash` after a deliberate edit"


def render_sum(migrations: list[Migration]) -> str:
    return _render_lines([f"{m.name} {m.checksum}" for m in migrations])


def _render_lines(lines: list[str]) -> str:
    total = "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return "\n".join([_HEADER, f"total {total}", *lines]) + "\n"


def write_sum(directory: Path, migrations: list[Migration]) -> Path:
    path = directory / SUM_FILE
    path.write_text(render_sum(migrations), encoding="utf-8")
    return path


def append_sum(directory: Path, migrations: list[Migration], new: Migration) -> Path:
    """Record ``new`` and keep every recorded line as it is.

    Recorded checksums are never refreshed here: an edited file must stay visible to
    ``check`` until someone runs ``sqlkeel hash`` on purpose. Without a sum file yet, one is
    written for all files.
    """
    path = directory / SUM_FILE
    if not path.is_file():
        return write_sum(directory, [*migrations, new])
    kept = [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        and not line.startswith(("#", "total "))
        and line.split(" ", 1)[0] != new.name
    ]
    path.write_text(_render_lines([*kept, f"{new.name} {new.checksum}"]), encoding="utf-8")
    return path


def read_sum(directory: Path) -> dict[str, str] | None:
    """File name → checksum as recorded, or None when there is no sum file."""
    path = directory / SUM_FILE
    if not path.is_file():
        return None
    recorded: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("total "):
            continue
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            recorded["\x00conflict"] = line
            continue
        name, _, digest = line.partition(" ")
        recorded[name] = digest.strip()
    return recorded


@dataclass(frozen=True, slots=True)
class SumReport:
    edited: tuple[str, ...]
    unrecorded: tuple[str, ...]
    missing: tuple[str, ...]
    conflict: bool
    absent: bool

    @property
    def ok(self) -> bool:
        return not (self.edited or self.unrecorded or self.missing or self.conflict or self.absent)


def compare_sum(directory: Path, migrations: list[Migration]) -> SumReport:
    recorded = read_sum(directory)
    if recorded is None:
        return SumReport((), tuple(m.name for m in migrations), (), False, bool(migrations))
    conflict = recorded.pop("\x00conflict", None) is not None
    on_disk = {m.name: m.checksum for m in migrations}
    return SumReport(
        edited=tuple(n for n, c in on_disk.items() if n in recorded and recorded[n] != c),
        unrecorded=tuple(n for n in on_disk if n not in recorded),
        missing=tuple(n for n in recorded if n not in on_disk),
        conflict=conflict,
        absent=False,
    )
