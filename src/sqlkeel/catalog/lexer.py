"""A small SQLite lexer: tokens with positions, and the normalization that makes equality semantic.

The catalog needs it for what only the CREATE text holds (CHECK, COLLATE, generated
expressions, AUTOINCREMENT, constraint names, rename hints in comments); the sources need
it to split files into statements with line numbers.

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator

from sqlkeel.model.names import fold
from sqlkeel.model.schema import Expr


class Kind(enum.Enum):
    COMMENT = "comment"
    STRING = "string"
    IDENT = "ident"  # quoted identifier
    WORD = "word"  # bare word: keyword or identifier
    NUMBER = "number"
    BLOB = "blob"
    VARIABLE = "variable"
    OP = "op"


class Token:
    """One token: its kind, its text, and where it stands in the statement."""

    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: Kind, text: str, start: int, end: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind.name}, {self.text!r}, {self.start})"

    @property
    def value(self) -> str:
        """The identifier a word or quoted identifier names (unquoted, case kept)."""
        if self.kind is Kind.IDENT:
            q = self.text[0]
            inner = self.text[1:-1]
            if q == "[":
                return inner
            return inner.replace(q * 2, q)
        if self.kind is Kind.STRING:
            return self.text[1:-1].replace("''", "'")
        return self.text

    @property
    def upper(self) -> str:
        """A bare word in upper case (for keyword tests); other tokens unchanged."""
        return self.text.upper() if self.kind is Kind.WORD else self.text

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.text.upper() in words

    @property
    def is_name(self) -> bool:
        """True for anything that can stand as an identifier (word, quoted, or a string used as one)."""
        return self.kind in (Kind.WORD, Kind.IDENT, Kind.STRING)


_TOKEN_RE = re.compile(
    r"""
    \s*(?:
    (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<blob>[xX]'[0-9A-Fa-f]*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<number>0[xX][0-9A-Fa-f]+|(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<variable>\?\d*|[:@$][\w$]+(?:::)?)
  | (?P<word>[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)
  | (?P<op>\|\||<<|>>|<=|>=|==|!=|<>|->>|->|[-+*/%&|~<>=(),;.!])
  | \Z
  | (?P<error>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

_KINDS = {k.value: k for k in Kind}


class LexError(ValueError):
    """The text holds something the lexer cannot read (an unterminated literal, say)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def tokenize(sql: str) -> list[Token]:
    """Split SQL into tokens, comments included, whitespace left out."""
    tokens: list[Token] = []
    append = tokens.append
    kinds = _KINDS
    for m in _TOKEN_RE.finditer(sql):
        kind_name = m.lastgroup
        if kind_name is None:
            continue  # trailing whitespace
        start, end = m.span(kind_name)
        if kind_name == "error":
            raise LexError(f"unexpected character {sql[start]!r}", start)
        append(Token(kinds[kind_name], sql[start:end], start, end))
    return tokens


def significant(tokens: list[Token]) -> list[Token]:
    """The tokens without comments."""
    comment = Kind.COMMENT
    return [t for t in tokens if t.kind is not comment]


def normalize_token(tok: Token) -> str:
    """The normalized form of one token: identifiers and keywords become ``"folded"``."""
    kind = tok.kind
    if kind is Kind.WORD or kind is Kind.IDENT:
        return '"' + fold(tok.value).replace('"', '""') + '"'
    if kind is Kind.BLOB:
        return "X" + tok.text[1:].upper()
    if kind is Kind.OP and tok.text == "==":
        return "="
    if kind is Kind.OP and tok.text == "<>":
        return "!="
    return tok.text


def make_expr(tokens: list[Token], sql: str, *, strip_parens: bool = True) -> Expr:
    """An Expr from significant tokens, with redundant enclosing parentheses removed."""
    toks = [t for t in tokens if t.kind is not Kind.COMMENT]
    if strip_parens:
        while len(toks) >= 2 and toks[0].text == "(" and toks[-1].text == ")" and _encloses(toks):
            toks = toks[1:-1]
    text = sql[toks[0].start : toks[-1].end] if toks else ""
    return Expr(tokens=tuple(normalize_token(t) for t in toks), text=text)


def _encloses(toks: list[Token]) -> bool:
    depth = 0
    for i, t in enumerate(toks):
        if t.text == "(" and t.kind is Kind.OP:
            depth += 1
        elif t.text == ")" and t.kind is Kind.OP:
            depth -= 1
            if depth == 0 and i != len(toks) - 1:
                return False
    return True


def split_top_level(tokens: list[Token], sep: str = ",") -> Iterator[list[Token]]:
    """Split a token list on ``sep`` at parenthesis depth zero."""
    depth = 0
    part: list[Token] = []
    for t in tokens:
        if t.kind is Kind.OP:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == sep and depth == 0:
                yield part
                part = []
                continue
        part.append(t)
    yield part


def matching_paren(tokens: list[Token], open_index: int) -> int:
    """The index of the ``)`` that closes the ``(`` at ``open_index``."""
    depth = 0
    for i in range(open_index, len(tokens)):
        t = tokens[i]
        if t.kind is Kind.OP:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
                if depth == 0:
                    return i
    raise LexError("unbalanced parentheses", tokens[open_index].start)


def line_of(sql: str, position: int) -> int:
    """1-based line number of a character position."""
    return sql.count("\n", 0, position) + 1
