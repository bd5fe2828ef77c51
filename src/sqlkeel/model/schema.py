"""The schema IR: immutable values that describe a SQLite schema.

Equality is semantic. Every SQL fragment (a default, a CHECK, an index term, a view body)
is held as an :class:`Expr`, a tuple of normalized tokens: whitespace and comments are gone,
keywords and identifiers are folded (ASCII case) and unquoted the same way, so two spellings
of one schema compare equal. Object and column names are compared folded, as SQLite does.
Provenance (the original SQL text, its position, rename hints) never takes part in equality.

Pure: no sqlite3, no I/O. Must not import catalog, diff, render or anything above.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlkeel.model.names import display_identifier, fold


def _is_identifier_token(token: str) -> bool:
    return token.startswith('"')


@dataclass(frozen=True, slots=True, kw_only=True)
class Expr:
    """A normalized SQL fragment: identifiers and keywords as ``"folded"``, literals verbatim."""

    tokens: tuple[str, ...]
    text: str = field(default="", compare=False)

    def identifiers(self) -> frozenset[str]:
        """Every folded word in the fragment (keywords included: a safe over-approximation)."""
        return frozenset(t[1:-1].replace('""', '"') for t in self.tokens if _is_identifier_token(t))

    def replace_identifier(self, old: str, new: str) -> Expr:
        """The fragment with every word ``old`` (folded) replaced by ``new``."""
        old_token = '"' + fold(old).replace('"', '""') + '"'
        new_token = '"' + fold(new).replace('"', '""') + '"'
        return Expr(
            tokens=tuple(new_token if t == old_token else t for t in self.tokens), text=self.text
        )

    def display(self) -> str:
        """A readable, single-line rendering of the normalized tokens."""
        out: list[str] = []
        for tok in self.tokens:
            word = (
                display_identifier(tok[1:-1].replace('""', '"'))
                if _is_identifier_token(tok)
                else tok
            )
            if out and not (
                word in {")", ",", "."}
                or out[-1] in {"(", "."}
                or (word == "(" and out[-1][-1:].isalnum())
            ):
                out.append(" ")
            out.append(word)
        return "".join(out)

    def __str__(self) -> str:
        return self.text or self.display()


class GeneratedKind(enum.Enum):
    """How a generated column is kept: computed on read, or stored."""

    VIRTUAL = "VIRTUAL"
    STORED = "STORED"


class ObjectType(enum.Enum):
    """The kinds of schema object sqlkeel manages."""

    TABLE = "table"
    VIRTUAL_TABLE = "virtual table"
    INDEX = "index"
    VIEW = "view"
    TRIGGER = "trigger"


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """A CHECK constraint, named or not."""

    name: str | None
    expr: Expr


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column of an ordinary table."""

    name: str = field(compare=False)
    key: str = field(init=False)
    type: str = ""
    notnull: bool = False
    notnull_conflict: str | None = None
    default: Expr | None = None
    collation: str | None = None
    generated: Expr | None = None
    generated_kind: GeneratedKind | None = None
    checks: tuple[Check, ...] = ()
    # Where the column was declared and which name it replaces (hints); not semantic.
    definition: str = field(default="", compare=False)
    renamed_from: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))

    @property
    def hidden(self) -> int:
        """The ``hidden`` value PRAGMA table_xinfo reports (2 virtual, 3 stored generated)."""
        if self.generated_kind is GeneratedKind.STORED:
            return 3
        if self.generated_kind is GeneratedKind.VIRTUAL:
            return 2
        return 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PrimaryKey:
    """The table's primary key (a column-level one is folded into this form)."""

    name: str | None = None
    columns: tuple[Expr, ...]
    autoincrement: bool = False
    on_conflict: str | None = None

    def column_keys(self) -> tuple[str, ...]:
        """Folded names of the key's columns."""
        return tuple(_term_column(term) for term in self.columns)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unique:
    """A UNIQUE constraint (a column-level one is folded into this form)."""

    name: str | None = None
    columns: tuple[Expr, ...]
    on_conflict: str | None = None

    def column_keys(self) -> tuple[str, ...]:
        """Folded names of the constrained columns."""
        return tuple(_term_column(term) for term in self.columns)


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignKey:
    """A foreign key; inline REFERENCES and table-level FOREIGN KEY compare equal."""

    name: str | None = None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...] = ()
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: str | None = None
    deferred: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(fold(c) for c in self.columns))
        object.__setattr__(self, "ref_table", fold(self.ref_table))
        object.__setattr__(self, "ref_columns", tuple(fold(c) for c in self.ref_columns))


def _term_column(term: Expr) -> str:
    first = term.tokens[0] if term.tokens else ""
    return first[1:-1].replace('""', '"') if _is_identifier_token(first) else ""


def _sorted_constraints(items: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(sorted(items, key=repr))


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """An ordinary (rowid or WITHOUT ROWID) table."""

    name: str = field(compare=False)
    key: str = field(init=False)
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    without_rowid: bool = False
    strict: bool = False
    sql: str = field(default="", compare=False)
    name_span: tuple[int, int] = field(default=(0, 0), compare=False)
    renamed_from: str | None = field(default=None, compare=False)
    position: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))
        # Constraint order carries no meaning in SQLite; keep a canonical order.
        object.__setattr__(self, "uniques", _sorted_constraints(self.uniques))
        object.__setattr__(self, "checks", _sorted_constraints(self.checks))
        object.__setattr__(self, "foreign_keys", _sorted_constraints(self.foreign_keys))

    @property
    def object_type(self) -> ObjectType:
        return ObjectType.TABLE

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (folded), if any."""
        key = fold(name)
        for col in self.columns:
            if col.key == key:
                return col
        return None

    @property
    def autoincrement(self) -> bool:
        return self.primary_key is not None and self.primary_key.autoincrement

    def rowid_alias(self) -> str | None:
        """The folded name of the INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        if self.without_rowid or self.primary_key is None or len(self.primary_key.columns) != 1:
            return None
        term = self.primary_key.columns[0]
        col = self.column(_term_column(term))
        if col is None or col.type.upper() != "INTEGER":
            return None
        return col.key


@dataclass(frozen=True, slots=True, kw_only=True)
class VirtualTable:
    """A virtual table (FTS5, R*Tree, …): its module and its arguments."""

    name: str = field(compare=False)
    key: str = field(init=False)
    module: str
    args: tuple[Expr, ...] = ()
    sql: str = field(default="", compare=False)
    name_span: tuple[int, int] = field(default=(0, 0), compare=False)
    renamed_from: str | None = field(default=None, compare=False)
    position: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))
        object.__setattr__(self, "module", fold(self.module))

    @property
    def object_type(self) -> ObjectType:
        return ObjectType.VIRTUAL_TABLE

    def options(self) -> dict[str, str]:
        """``key=value`` arguments (FTS options such as content=, tokenize=), values unquoted."""
        opts: dict[str, str] = {}
        for arg in self.args:
            toks = arg.tokens
            if len(toks) >= 3 and toks[1] == "=" and _is_identifier_token(toks[0]):
                value = "".join(toks[2:])
                if value[:1] in {"'", '"'} and value[-1:] == value[:1]:
                    value = value[1:-1].replace(value[0] * 2, value[0])
                opts[toks[0][1:-1]] = value
        return opts

    def column_names(self) -> tuple[str, ...]:
        """Declared column names: the arguments that are not ``key=value`` options (FTS, R*Tree)."""
        names: list[str] = []
        for arg in self.args:
            toks = arg.tokens
            if not toks or (len(toks) >= 2 and toks[1] == "="):
                continue
            if _is_identifier_token(toks[0]):
                names.append(toks[0][1:-1].replace('""', '"'))
        return tuple(names)


@dataclass(frozen=True, slots=True, kw_only=True)
class Index:
    """An explicit index (automatic indexes of constraints are part of their table)."""

    name: str = field(compare=False)
    key: str = field(init=False)
    table: str
    unique: bool = False
    terms: tuple[Expr, ...] = ()
    where: Expr | None = None
    sql: str = field(default="", compare=False)
    position: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))
        object.__setattr__(self, "table", fold(self.table))

    @property
    def object_type(self) -> ObjectType:
        return ObjectType.INDEX

    def identifiers(self) -> frozenset[str]:
        found: set[str] = set()
        for term in self.terms:
            found |= term.identifiers()
        if self.where is not None:
            found |= self.where.identifiers()
        return frozenset(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """A view; its definition is everything after its name, normalized."""

    name: str = field(compare=False)
    key: str = field(init=False)
    body: Expr
    sql: str = field(default="", compare=False)
    position: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))

    @property
    def object_type(self) -> ObjectType:
        return ObjectType.VIEW


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    """A trigger on a table or view; its definition is everything after its name, normalized."""

    name: str = field(compare=False)
    key: str = field(init=False)
    table: str
    body: Expr
    sql: str = field(default="", compare=False)
    position: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))
        object.__setattr__(self, "table", fold(self.table))

    @property
    def object_type(self) -> ObjectType:
        return ObjectType.TRIGGER


SchemaObject = Table | VirtualTable | Index | View | Trigger


@dataclass(frozen=True, slots=True, kw_only=True)
class Schema:
    """A whole schema. Each collection is kept sorted by folded name, so order never matters."""

    tables: tuple[Table, ...] = ()
    virtual_tables: tuple[VirtualTable, ...] = ()
    indexes: tuple[Index, ...] = ()
    views: tuple[View, ...] = ()
    triggers: tuple[Trigger, ...] = ()

    def __post_init__(self) -> None:
        for attr in ("tables", "virtual_tables", "indexes", "views", "triggers"):
            items = getattr(self, attr)
            object.__setattr__(self, attr, tuple(sorted(items, key=lambda o: o.key)))

    @classmethod
    def empty(cls) -> Schema:
        return cls()

    def objects(self) -> tuple[SchemaObject, ...]:
        """Every object, in the order they were created."""
        items: list[SchemaObject] = [
            *self.tables,
            *self.virtual_tables,
            *self.indexes,
            *self.views,
            *self.triggers,
        ]
        return tuple(sorted(items, key=lambda o: o.position))

    def table(self, name: str) -> Table | None:
        key = fold(name)
        return next((t for t in self.tables if t.key == key), None)

    def virtual_table(self, name: str) -> VirtualTable | None:
        key = fold(name)
        return next((t for t in self.virtual_tables if t.key == key), None)

    def is_empty(self) -> bool:
        return not (
            self.tables or self.virtual_tables or self.indexes or self.views or self.triggers
        )
