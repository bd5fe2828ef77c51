"""Migration files: where they come from, how they are named, read, checksummed and ordered.

A migration is ``NNNN_slug.sql`` in a directory, or inside an installed package
(``"mypkg:migrations"``, read with importlib.resources so that a wheel finds its own files).
Directives are comments at the top of a file, before its first statement::

    -- sqlkeel: no-transaction       run alone, outside the batch's transaction
    -- sqlkeel: allow-destructive    the file deletes data on purpose
    -- sqlkeel: foreign-keys-off     run the batch with FK enforcement off (rebuilds)

Stdlib only, and light: this module is on the startup path (no dataclasses, pathlib or
typing at import time).
"""

from __future__ import annotations

import hashlib
import os
import re

from sqlkeel.errors import DuplicateMigrationError, MigrationFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from importlib.abc import Traversable
    from pathlib import Path

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


class Migration:
    """One migration file, read."""

    __slots__ = ("checksum", "directives", "name", "number", "text")

    def __init__(
        self, *, name: str, number: int, text: str, checksum: str, directives: frozenset[str]
    ) -> None:
        self.name = name
        self.number = number
        self.text = text
        self.checksum = checksum
        self.directives = directives

    def __repr__(self) -> str:
        return f"Migration({self.name!r}, {self.checksum!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Migration) and (self.name, self.text) == (other.name, other.text)

    def __hash__(self) -> int:
        return hash((self.name, self.checksum))

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

    __slots__ = ("directory", "label", "package_root")

    def __init__(
        self,
        *,
        directory: str | None = None,
        package_root: Traversable | None = None,
        label: str = "",
    ) -> None:
        self.directory = directory
        self.package_root = package_root
        self.label = label or directory or ""

    @classmethod
    def resolve(cls, spec: str | os.PathLike[str] | MigrationSource) -> MigrationSource:
        """``path/to/migrations`` or ``"package:resource"`` (importlib.resources)."""
        if isinstance(spec, MigrationSource):
            return spec
        text = os.fspath(spec)
        path = os.path.expanduser(text)
        if ":" in text and not os.path.exists(path) and not re.match(r"^[A-Za-z]:[\\/]", text):
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
            return cls(package_root=root, label=text)
        return cls(directory=path, label=path)

    @property
    def root(self) -> Path | Traversable:
        """The directory as a Path, or the package's Traversable."""
        if self.directory is not None:
            from pathlib import Path

            return Path(self.directory)
        assert self.package_root is not None
        return self.package_root

    def exists(self) -> bool:
        if self.directory is not None:
            return os.path.isdir(self.directory)
        return self.package_root is not None and self.package_root.is_dir()

    def sql_names(self) -> list[str]:
        """Every ``.sql`` file name, in name order (misnamed ones included)."""
        if self.directory is not None:
            try:
                names = os.listdir(self.directory)
            except FileNotFoundError:
                return []
            except NotADirectoryError as exc:
                raise MigrationFileError(f"{self.label}: not a directory") from exc
            except PermissionError as exc:
                raise MigrationFileError(
                    f"{self.label}: the migrations directory cannot be listed: permission denied "
                    "for this user; make it readable (chmod a+rx), or run as its owner"
                ) from exc
        else:
            assert self.package_root is not None
            if not self.package_root.is_dir():
                return []
            names = [entry.name for entry in self.package_root.iterdir()]
        return sorted(n for n in names if n.endswith(".sql"))

    def names(self) -> list[str]:
        """Migration file names, ordered by number; misnamed ``.sql`` files are an error."""
        numbered: list[tuple[int, str]] = []
        bad: list[str] = []
        match = NAME_RE.match
        for n in self.sql_names():
            m = match(n)
            if m is None:
                bad.append(n)
            else:
                numbered.append((int(m.group("number")), n))
        if bad:
            raise MigrationFileError(
                f"{self.label}: not named NNNN_slug.sql: {', '.join(bad)} "
                "(rename them, or move them out of the migrations directory)"
            )
        numbered.sort()
        return [n for _, n in numbered]

    def read_bytes(self, name: str) -> bytes:
        try:
            if self.directory is not None:
                with open(os.path.join(self.directory, name), "rb") as fh:
                    return fh.read()
            assert self.package_root is not None
            return self.package_root.joinpath(name).read_bytes()
        except PermissionError as exc:
            raise MigrationFileError(
                f"{self.label}/{name}: cannot be read: permission denied for this user. "
                "Make the file readable (chmod a+r), or run as its owner"
            ) from exc
        except OSError as exc:
            raise MigrationFileError(
                f"{self.label}/{name}: cannot be read ({exc.strerror or exc})"
            ) from exc

    def checksum(self, name: str) -> str:
        """The checksum of one file, without parsing it."""
        return checksum(self._text(name))

    def read(self, name: str) -> Migration:
        """Read and parse one migration file."""
        return parse_migration(name, self._text(name))

    def _text(self, name: str) -> str:
        data = self.read_bytes(name)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MigrationFileError(
                f"{self.label}/{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8"
            ) from exc

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
