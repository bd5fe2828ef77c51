"""Parse the CREATE statements SQLite stores into model objects.

The input is SQL that SQLite has already accepted (the ``sql`` column of sqlite_schema), so
the parser is lenient: it reads what it needs and skips what carries no meaning. It also
reads rename hints from comments:

* ``-- sqlkeel: renamed-from OLD`` on the line of a table's or a column's name;
* sqldef's ``-- @renamed from=OLD`` and ``/* @renamed from=OLD */``.

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

import bisect
import re

from sqlkeel.catalog.lexer import (
    Kind,
    LexError,
    Token,
    make_expr,
    matching_paren,
    normalize_token,
    significant,
    split_top_level,
    tokenize,
)
from sqlkeel.model.names import fold
from sqlkeel.model.schema import (
    Check,
    Column,
    Expr,
    ForeignKey,
    GeneratedKind,
    Index,
    PrimaryKey,
    Table,
    Trigger,
    Unique,
    View,
    VirtualTable,
)


class ParseError(ValueError):
    """A CREATE statement could not be read."""


_HINT_RE = re.compile(
    r"""(?:sqlkeel:\s*renamed-from|@renamed\s+from\s*=)\s*
        (?P<name>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\s*/,;)]+)""",
    re.VERBOSE | re.IGNORECASE,
)

_COLUMN_CONSTRAINT_WORDS = frozenset(
    {
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
    }
)
_TABLE_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})


def _unquote_hint(raw: str) -> str:
    if raw[:1] in {'"', "`", "'"} and len(raw) >= 2:
        return raw[1:-1].replace(raw[0] * 2, raw[0])
    if raw[:1] == "[":
        return raw[1:-1]
    return raw


class _Cursor:
    """Walks a list of significant tokens."""

    __slots__ = ("i", "sql", "toks")

    def __init__(self, toks: list[Token], sql: str) -> None:
        self.toks = toks
        self.sql = sql
        self.i = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def at_word(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.is_word(*words)

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError("unexpected end of statement")
        self.i += 1
        return t

    def take_word(self, *words: str) -> bool:
        if self.at_word(*words):
            self.i += 1
            return True
        return False

    def expect_word(self, *words: str) -> Token:
        t = self.take()
        if not t.is_word(*words):
            raise ParseError(f"expected {' or '.join(words)}, found {t.text!r}")
        return t

    def at_op(self, op: str) -> bool:
        t = self.peek()
        return t is not None and t.kind is Kind.OP and t.text == op

    def paren_group(self) -> list[Token]:
        """Consume ``( … )`` and return the tokens inside."""
        if not self.at_op("("):
            t = self.peek()
            raise ParseError(f"expected '(', found {t.text if t else 'end of statement'!r}")
        close = matching_paren(self.toks, self.i)
        inner = self.toks[self.i + 1 : close]
        self.i = close + 1
        return inner

    def done(self) -> bool:
        return self.i >= len(self.toks)


def _skip_create_prefix(cur: _Cursor, *kinds: str) -> Token:
    """Skip ``CREATE [TEMP] <kind> [IF NOT EXISTS] [schema.]`` and return the name token."""
    cur.expect_word("CREATE")
    cur.take_word("TEMP", "TEMPORARY")
    cur.take_word("UNIQUE")
    for kind in kinds:
        cur.expect_word(kind)
    if cur.at_word("IF") and (n := cur.peek(1)) is not None and n.is_word("NOT"):
        cur.i += 3
    name = cur.take()
    if cur.at_op("."):
        cur.take()
        name = cur.take()
    if not name.is_name:
        raise ParseError(f"expected a name, found {name.text!r}")
    return name


def _conflict_clause(cur: _Cursor) -> str | None:
    if cur.at_word("ON") and (n := cur.peek(1)) is not None and n.is_word("CONFLICT"):
        cur.i += 2
        return cur.take().text.upper()
    return None


def _term_expr(tokens: list[Token], sql: str) -> Expr:
    """An indexed-column term, with a redundant trailing ASC removed."""
    toks = [t for t in tokens if not t.is_word("AUTOINCREMENT")]
    if toks and toks[-1].is_word("ASC"):
        toks = toks[:-1]
    return make_expr(toks, sql, strip_parens=False)


def _foreign_key_clause(cur: _Cursor, name: str | None, columns: tuple[str, ...]) -> ForeignKey:
    cur.expect_word("REFERENCES")
    ref_table = cur.take().value
    ref_columns: tuple[str, ...] = ()
    if cur.at_op("("):
        ref_columns = tuple(part[0].value for part in split_top_level(cur.paren_group()) if part)
    on_delete = on_update = "NO ACTION"
    match: str | None = None
    deferred = False
    while not cur.done():
        if cur.at_word("ON"):
            cur.take()
            which = cur.take().text.upper()
            action_tok = cur.take().text.upper()
            if action_tok in {"SET", "NO"}:
                action_tok = f"{action_tok} {cur.take().text.upper()}"
            if which == "DELETE":
                on_delete = action_tok
            else:
                on_update = action_tok
        elif cur.at_word("MATCH"):
            cur.take()
            match = cur.take().text.upper()
        elif cur.at_word("NOT") and (n := cur.peek(1)) is not None and n.is_word("DEFERRABLE"):
            cur.i += 2
            if cur.take_word("INITIALLY"):
                cur.take()
            deferred = False
        elif cur.at_word("DEFERRABLE"):
            cur.take()
            deferred = False
            if cur.take_word("INITIALLY"):
                deferred = cur.take().is_word("DEFERRED")
        else:
            break
    return ForeignKey(
        name=name,
        columns=columns,
        ref_table=ref_table,
        ref_columns=ref_columns,
        on_delete=on_delete,
        on_update=on_update,
        match=None if match == "NONE" else match,
        deferred=deferred,
    )


def _type_text(tokens: list[Token]) -> str:
    out: list[str] = []
    for t in tokens:
        text = t.value.upper() if t.kind in (Kind.WORD, Kind.IDENT) else t.text
        if out and text not in {"(", ")", ","} and out[-1] not in {"(", ","}:
            out.append(" ")
        out.append(text)
    return "".join(out)


class _TableParts:
    __slots__ = ("checks", "columns", "fks", "pk", "uniques")

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.pk: PrimaryKey | None = None
        self.uniques: list[Unique] = []
        self.checks: list[Check] = []
        self.fks: list[ForeignKey] = []


def _parse_column(part: list[Token], sql: str, parts: _TableParts, hint: str | None) -> None:
    cur = _Cursor(part, sql)
    name_tok = cur.take()
    col_name = name_tok.value
    type_toks: list[Token] = []
    while not cur.done():
        t = cur.peek()
        assert t is not None
        if t.kind is Kind.WORD and t.text.upper() in _COLUMN_CONSTRAINT_WORDS:
            break
        if t.kind is Kind.OP and t.text == "(":
            close = matching_paren(cur.toks, cur.i)
            type_toks.extend(cur.toks[cur.i : close + 1])
            cur.i = close + 1
            continue
        type_toks.append(cur.take())
    notnull = False
    notnull_conflict: str | None = None
    default: Expr | None = None
    collation: str | None = None
    generated: Expr | None = None
    generated_kind: GeneratedKind | None = None
    checks: list[Check] = []
    constraint_name: str | None = None
    col_term = Expr(tokens=(normalize_token(name_tok),), text=name_tok.text)
    while not cur.done():
        t = cur.take()
        word = t.upper
        if word == "CONSTRAINT":
            constraint_name = cur.take().value
            continue
        if word == "PRIMARY":
            cur.expect_word("KEY")
            term_toks = [name_tok]
            if cur.at_word("ASC", "DESC"):
                order = cur.take()
                if order.is_word("DESC"):
                    term_toks.append(order)
            conflict = _conflict_clause(cur)
            autoinc = cur.take_word("AUTOINCREMENT")
            parts.pk = PrimaryKey(
                name=constraint_name,
                columns=(_term_expr(term_toks, sql),),
                autoincrement=autoinc,
                on_conflict=conflict,
            )
        elif word == "NOT":
            cur.expect_word("NULL")
            notnull = True
            notnull_conflict = _conflict_clause(cur)
        elif word == "NULL":
            _conflict_clause(cur)
        elif word == "UNIQUE":
            parts.uniques.append(
                Unique(name=constraint_name, columns=(col_term,), on_conflict=_conflict_clause(cur))
            )
        elif word == "CHECK":
            checks.append(Check(name=constraint_name, expr=make_expr(cur.paren_group(), sql)))
        elif word == "DEFAULT":
            if cur.at_op("("):
                start = cur.i
                cur.paren_group()
                default = make_expr(cur.toks[start : cur.i], sql)
            elif cur.at_op("-") or cur.at_op("+"):
                sign = cur.take()
                num = cur.take()
                default = make_expr([sign, num], sql) if sign.text == "-" else make_expr([num], sql)
            else:
                lit = cur.take()
                default = make_expr([lit], sql)
        elif word == "COLLATE":
            collation = fold(cur.take().value).upper()
        elif word == "REFERENCES":
            cur.i -= 1
            parts.fks.append(_foreign_key_clause(cur, constraint_name, (col_name,)))
        elif word in {"GENERATED", "AS"}:
            if word == "GENERATED":
                cur.expect_word("ALWAYS")
                cur.expect_word("AS")
            generated = make_expr(cur.paren_group(), sql)
            generated_kind = GeneratedKind.VIRTUAL
            if cur.at_word("STORED", "VIRTUAL"):
                generated_kind = GeneratedKind(cur.take().text.upper())
        else:
            raise ParseError(f"unexpected {t.text!r} in the definition of column {col_name!r}")
        constraint_name = None
    parts.columns.append(
        Column(
            name=col_name,
            type=_type_text(type_toks),
            notnull=notnull,
            notnull_conflict=notnull_conflict,
            default=default,
            collation=collation,
            generated=generated,
            generated_kind=generated_kind,
            checks=tuple(checks),
            definition=sql[part[0].start : part[-1].end],
            renamed_from=hint,
        )
    )


def _parse_table_constraint(part: list[Token], sql: str, parts: _TableParts) -> None:
    cur = _Cursor(part, sql)
    name: str | None = None
    if cur.take_word("CONSTRAINT"):
        name = cur.take().value
    t = cur.take()
    word = t.upper
    if word == "PRIMARY":
        cur.expect_word("KEY")
        terms = tuple(_term_expr(p, sql) for p in split_top_level(cur.paren_group()) if p)
        conflict = _conflict_clause(cur)
        autoinc = cur.take_word("AUTOINCREMENT") or any(t.is_word("AUTOINCREMENT") for t in part)
        parts.pk = PrimaryKey(name=name, columns=terms, autoincrement=autoinc, on_conflict=conflict)
    elif word == "UNIQUE":
        terms = tuple(_term_expr(p, sql) for p in split_top_level(cur.paren_group()) if p)
        parts.uniques.append(Unique(name=name, columns=terms, on_conflict=_conflict_clause(cur)))
    elif word == "CHECK":
        parts.checks.append(Check(name=name, expr=make_expr(cur.paren_group(), sql)))
    elif word == "FOREIGN":
        cur.expect_word("KEY")
        cols = tuple(p[0].value for p in split_top_level(cur.paren_group()) if p)
        parts.fks.append(_foreign_key_clause(cur, name, cols))
    else:
        raise ParseError(f"unexpected {t.text!r} in a table constraint")


def _trailing_hint(comments: str) -> str | None:
    m = _HINT_RE.search(comments) if comments else None
    return _unquote_hint(m.group("name")) if m else None


class _Hints:
    """Rename hints found in comments, looked up by the line of a name token."""

    def __init__(self, sql: str, tokens: list[Token]) -> None:
        self.by_line: dict[int, list[tuple[int, str]]] = {}
        self._line_starts: list[int] = []
        comments = [t for t in tokens if t.kind is Kind.COMMENT and _HINT_RE.search(t.text)]
        if not comments:
            return
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(sql) if ch == "\n"]
        for c in comments:
            m = _HINT_RE.search(c.text)
            assert m is not None
            self.by_line.setdefault(self.line(c.start), []).append(
                (c.start, _unquote_hint(m.group("name")))
            )

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def claim(self, name_tok: Token, next_name_start: int | None) -> str | None:
        """The hint for the entity named at ``name_tok``: same line, after it (or before it)."""
        if not self.by_line:
            return None
        line = self.line(name_tok.start)
        entries = self.by_line.get(line)
        if not entries:
            return None
        for idx, (pos, name) in enumerate(entries):
            if pos > name_tok.start and (
                next_name_start is None
                or pos < next_name_start
                or self.line(next_name_start) != line
            ):
                del entries[idx]
                return name
        for idx, (pos, name) in enumerate(entries):
            if pos < name_tok.start:
                del entries[idx]
                return name
        return None


def created_table_name(sql: str) -> str | None:
    """The name a ``CREATE [VIRTUAL] TABLE`` statement creates, or None for other statements."""
    try:
        # The name stands before the column list: a prefix is enough unless it is cut mid-token.
        toks = significant(tokenize(sql[:600]))
        if len(sql) > 600 and not any(t.text == "(" or t.is_word("USING") for t in toks):
            toks = significant(tokenize(sql))
    except LexError:
        try:
            toks = significant(tokenize(sql))
        except LexError:
            return None
    words = [t.upper for t in toks[:4]]
    if not words or words[0] != "CREATE" or "TABLE" not in words:
        return None
    kinds = ("VIRTUAL", "TABLE") if "VIRTUAL" in words else ("TABLE",)
    try:
        return _skip_create_prefix(_Cursor(toks, sql), *kinds).value
    except ParseError:
        return None


def parse_table(sql: str, *, position: int = 0, extra_comments: str = "") -> Table:
    """Parse ``CREATE TABLE``; ``extra_comments`` is text after the statement on its last line."""
    try:
        tokens = tokenize(sql)
    except LexError as exc:
        raise ParseError(str(exc)) from exc
    sig = significant(tokens)
    cur = _Cursor(sig, sql)
    name_tok = _skip_create_prefix(cur, "TABLE")
    hints = _Hints(sql, tokens)
    body = cur.paren_group()
    without_rowid = strict = False
    while not cur.done():
        t = cur.take()
        if t.is_word("WITHOUT"):
            cur.expect_word("ROWID")
            without_rowid = True
        elif t.is_word("STRICT"):
            strict = True
    parts = _TableParts()
    defs = [p for p in split_top_level(body) if p]
    name_starts = [p[0].start for p in defs]
    # A hint after the statement's semicolon belongs to the table.
    table_hint = _trailing_hint(extra_comments) or hints.claim(
        name_tok, name_starts[0] if name_starts else None
    )
    for idx, part in enumerate(defs):
        first = part[0]
        if first.kind is Kind.WORD and first.text.upper() in _TABLE_CONSTRAINT_WORDS:
            _parse_table_constraint(part, sql, parts)
        else:
            nxt = name_starts[idx + 1] if idx + 1 < len(name_starts) else None
            _parse_column(part, sql, parts, hints.claim(first, nxt))
    if not parts.columns:
        raise ParseError("a table needs at least one column")
    return Table(
        name=name_tok.value,
        columns=tuple(parts.columns),
        primary_key=parts.pk,
        uniques=tuple(parts.uniques),
        checks=tuple(parts.checks),
        foreign_keys=tuple(parts.fks),
        without_rowid=without_rowid,
        strict=strict,
        sql=sql,
        name_span=(name_tok.start, name_tok.end),
        renamed_from=table_hint,
        position=position,
    )


def _vtable_arg(tokens: list[Token], sql: str) -> Expr:
    expr = make_expr(tokens, sql, strip_parens=False)
    sig = [t for t in tokens if t.kind is not Kind.COMMENT]
    if len(sig) >= 3 and sig[1].kind is Kind.OP and sig[1].text == "=":
        # Option values: 'x', "x" and bare x mean the same to FTS and R*Tree.
        value = sql[sig[2].start : sig[-1].end]
        if len(sig) == 3 and sig[2].kind in (Kind.STRING, Kind.IDENT, Kind.WORD, Kind.NUMBER):
            value = sig[2].value
        literal = "'" + value.replace("'", "''") + "'"
        return Expr(tokens=(*expr.tokens[:2], literal), text=expr.text)
    return expr


def parse_virtual_table(sql: str, *, position: int = 0, extra_comments: str = "") -> VirtualTable:
    """Parse ``CREATE VIRTUAL TABLE name USING module(args)``."""
    try:
        tokens = tokenize(sql)
    except LexError as exc:
        raise ParseError(str(exc)) from exc
    sig = significant(tokens)
    cur = _Cursor(sig, sql)
    name_tok = _skip_create_prefix(cur, "VIRTUAL", "TABLE")
    hints = _Hints(sql, tokens)
    cur.expect_word("USING")
    module = cur.take().value
    args: tuple[Expr, ...] = ()
    if cur.at_op("("):
        start = cur.i
        close = matching_paren(sig, start)
        # Comments inside the argument list are kept by the lexer; drop them per argument.
        inner = [t for t in tokens if sig[start].end <= t.start < sig[close].start]
        args = tuple(_vtable_arg(p, sql) for p in split_top_level(inner) if significant(p))
    return VirtualTable(
        name=name_tok.value,
        module=module,
        args=args,
        sql=sql,
        name_span=(name_tok.start, name_tok.end),
        renamed_from=_trailing_hint(extra_comments) or hints.claim(name_tok, None),
        position=position,
    )


def parse_index(sql: str, *, position: int = 0) -> Index:
    """Parse ``CREATE [UNIQUE] INDEX name ON table(terms) [WHERE expr]``."""
    try:
        sig = significant(tokenize(sql))
    except LexError as exc:
        raise ParseError(str(exc)) from exc
    unique = len(sig) > 1 and sig[1].is_word("UNIQUE")
    cur = _Cursor(sig, sql)
    name_tok = _skip_create_prefix(cur, "INDEX")
    cur.expect_word("ON")
    table = cur.take().value
    terms = tuple(_term_expr(p, sql) for p in split_top_level(cur.paren_group()) if p)
    where: Expr | None = None
    if cur.take_word("WHERE"):
        where = make_expr(cur.toks[cur.i :], sql)
    return Index(
        name=name_tok.value,
        table=table,
        unique=unique,
        terms=terms,
        where=where,
        sql=sql,
        position=position,
    )


def parse_view(sql: str, *, position: int = 0) -> View:
    """Parse ``CREATE VIEW name … AS select``: the definition is everything after the name."""
    try:
        sig = significant(tokenize(sql))
    except LexError as exc:
        raise ParseError(str(exc)) from exc
    cur = _Cursor(sig, sql)
    name_tok = _skip_create_prefix(cur, "VIEW")
    body = make_expr(cur.toks[cur.i :], sql, strip_parens=False)
    return View(name=name_tok.value, body=body, sql=sql, position=position)


def parse_trigger(sql: str, table: str, *, position: int = 0) -> Trigger:
    """Parse ``CREATE TRIGGER name …``; ``FOR EACH ROW`` (always implied) is dropped."""
    try:
        sig = significant(tokenize(sql))
    except LexError as exc:
        raise ParseError(str(exc)) from exc
    cur = _Cursor(sig, sql)
    name_tok = _skip_create_prefix(cur, "TRIGGER")
    rest = cur.toks[cur.i :]
    cleaned: list[Token] = []
    i = 0
    while i < len(rest):
        if (
            i + 2 < len(rest)
            and rest[i].is_word("FOR")
            and rest[i + 1].is_word("EACH")
            and rest[i + 2].is_word("ROW")
        ):
            i += 3
            continue
        cleaned.append(rest[i])
        i += 1
    body = make_expr(cleaned, sql, strip_parens=False)
    return Trigger(name=name_tok.value, table=table, body=body, sql=sql, position=position)
