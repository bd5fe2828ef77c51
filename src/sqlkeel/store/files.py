"""Migration files: where they come from, how they are named, read, checksummed and ordered.

A migration is ``NNNN_slug.sql`` in a directory, or inside an installed package
(``"mypkg:migrations"``, read with importlib.resources so that a wheel finds its own files).
Directives are comments at the top of a file, before its first statement::

    -- sqlkeel: no-transaction       run alone, outside the batch's transaction
    -- sqlkeel: allow-destructive    the file deletes data on purpose
    -- sqlkeel: foreign-keys-off     run the batch with FK enforcement off (rebuilds)

Stdlib only: this module is on the startup path.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

from sqlkeel.errors import DuplicateMigrationError, MigrationFileError

NAME_RE = re.compile(r"^(?P<number>\d{4,})_(?P<slug>[A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$")
_DIRECTIVE_RE = re.compile(r"^--\s*sqlkeel:\s*([a-z][a-z-]*)\s*$")
KNOWN_DIRECTIVES = frozenset({"no-transaction", "allow-destructive", "foreign-keys-off"})


def checksum(text: str) -> str:
    """The checksum of a migration's text; line endings do not count (CRLF = LF)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return "sha256:" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def migration_number(name: str) -> int | None:
    """The number of a migration file name, or None when the name does not fit NNNN_slug.sql."""
    m = NAME_RE.match(name)
    return int(m.group("number")) if m else None


def directives_of(text: str) -> frozenset[str]:
    """The ``-- sqlkeel: X`` directives among the leading comment lines of a file."""
    found = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("--"):
            break
        m = _DIRECTIVE_RE.match(line)
        if m:
            found.add(m.group(1))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file, read."""

    name: str
    number: int
    text: str = field(repr=False)
    checksum: str
    directives: frozenset[str]

    @property
    def transactional(self) -> bool:
        return "no-transaction" not in self.directives


def parse_migration(name: str, text: str) -> Migration:
    """A Migration from its file name and text."""
    number = migration_number(name)
    if number is None:
        raise MigrationFileError(f"{name}: a migration file must be named NNNN_slug.sql")
    directives = directives_of(text)
    unknown = directives - KNOWN_DIRECTIVES
    if unknown:
        raise MigrationFileError(
            f"{name}: unknown directive {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(KNOWN_DIRECTIVES))})"
        )
    return Migration(
        name=name, number=number, text=text, checksum=checksum(text), directives=directives
    )


class MigrationSource:
    """A place migrations are read from: a directory, or a package's resource directory."""

    def __init__(self, root: Path | Traversable, label: str) -> None:
        self.root = root
        self.label = label

    @classmethod
    def resolve(cls, spec: str | os.PathLike[str] | MigrationSource) -> MigrationSource:
        """``path/to/migrations`` or ``"package:resource"`` (importlib.resources)."""
        if isinstance(spec, MigrationSource):
            return spec
        text = os.fspath(spec)
        path = Path(os.path.expanduser(text))
        if ":" in text and not path.exists() and not re.match(r"^[A-Za-z]:[\\/]", text):
            import importlib.resources

            package, _, resource = text.partition(":")
            try:
                root = importlib.resources.files(package)
            except ModuleNotFoundError as exc:
                raise MigrationFileError(
                    f"{text}: package {package!r} cannot be imported: {exc}"
                ) from exc
            for part in resource.replace("\\", "/").split("/"):
                if part:
                    root = root.joinpath(part)
            return cls(root, text)
        return cls(path, str(path))

    def exists(self) -> bool:
        return self.root.is_dir()

    def sql_names(self) -> list[str]:
        """Every ``.sql`` file name, in name order (misnamed ones included)."""
        if isinstance(self.root, Path):
            try:
                names = os.listdir(self.root)
            except FileNotFoundError:
                return []
            except NotADirectoryError as exc:
                raise MigrationFileError(f"{self.label}: not a directory") from exc
        else:
            if not self.root.is_dir():
                return []
            names = [entry.name for entry in self.root.iterdir()]
        return sorted(n for n in names if n.endswith(".sql"))

    def names(self) -> list[str]:
        """Migration file names, ordered by number; misnamed ``.sql`` files are an error."""
        names = self.sql_names()
        bad = [n for n in names if NAME_RE.match(n) is None]
        if bad:
            raise MigrationFileError(
                f"{self.label}: not named NNNN_slug.sql: {', '.join(bad)} "
                "(rename them, or move them out of the migrations directory)"
            )
        return sorted(names, key=lambda n: (int(NAME_RE.match(n).group("number")), n))  # type: ignore[union-attr]

    def read(self, name: str) -> Migration:
        """Read and parse one migration file."""
        entry = self.root / name if isinstance(self.root, Path) else self.root.joinpath(name)
        try:
            data = entry.read_bytes()
        except OSError as exc:
            raise MigrationFileError(f"{self.label}/{name}: cannot be read: {exc}") from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MigrationFileError(
                f"{self.label}/{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8"
            ) from exc
        return parse_migration(name, text)

    def read_all(self, names: Iterable[str] | None = None) -> list[Migration]:
        return [self.read(n) for n in (self.names() if names is None else names)]


def duplicate_numbers(names: Iterable[str]) -> dict[int, list[str]]:
    """Numbers used by more than one file (two branches that both added migration N)."""
    by_number: dict[int, list[str]] = {}
    for name in names:
        number = migration_number(name)
        if number is not None:
            by_number.setdefault(number, []).append(name)
    return {n: files for n, files in by_number.items() if len(files) > 1}


def require_unique_numbers(names: Iterable[str], label: str) -> None:
    """Raise DuplicateMigrationError naming every file of a shared number."""
    dups = duplicate_numbers(names)
    if dups:
        listed = "; ".join(" and ".join(files) for files in dups.values())
        raise DuplicateMigrationError(
            f"{label}: two migrations share a number: {listed}. Two branches each added a "
            "migration: renumber one of them (and run `sqlkeel hash`), so that both run, in order.",
            names=tuple(f for files in dups.values() for f in files),
        )


def gaps(names: Iterable[str]) -> list[int]:
    """Numbers missing between 1 and the highest one."""
    numbers = {n for n in (migration_number(x) for x in names) if n is not None}
    if not numbers:
        return []
    return [n for n in range(min(1, min(numbers)), max(numbers) + 1) if n not in numbers and n > 0]


def slugify(name: str) -> str:
    """A file-name-safe slug from a free-text migration name."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name.strip()).strip("_").lower()
    return slug[:60] or "migration"
