"""Two spellings of one schema compare equal; real differences do not."""

from __future__ import annotations

import pytest

from sqlkeel.sources.sqlfiles import schema_from_sql

SAME = [
    pytest.param(
        "CREATE TABLE t(a INTEGER, b TEXT);",
        "create   table\n T ( A integer ,  -- a comment\n b /* inline */ text );",
        id="whitespace-comments-keyword-case",
    ),
    pytest.param(
        'CREATE TABLE "t"("a" INT, [b] TEXT, `c` REAL);',
        "CREATE TABLE t(a INT, b TEXT, c REAL);",
        id="identifier-quoting",
    ),
    pytest.param(
        "CREATE TABLE t(a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL);",
        "CREATE TABLE t(a INT, b INT AS (a*2));",
        id="generated-always-as-vs-as-implicit-virtual",
    ),
    pytest.param(
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(pid INT REFERENCES p(id) ON DELETE CASCADE);",
        "CREATE TABLE p(id INTEGER PRIMARY KEY); "
        "CREATE TABLE c(pid INT, FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE);",
        id="inline-vs-table-level-references",
    ),
    pytest.param(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, e TEXT UNIQUE);",
        "CREATE TABLE t(id INTEGER, e TEXT, PRIMARY KEY (id), UNIQUE (e));",
        id="column-vs-table-level-pk-and-unique",
    ),
    pytest.param(
        "CREATE TABLE t(a INT DEFAULT 0, b TEXT DEFAULT 'x');",
        "CREATE TABLE t(a INT DEFAULT (0), b TEXT DEFAULT ('x'));",
        id="parenthesized-default",
    ),
    pytest.param(
        "CREATE TABLE t(a INT CHECK (a > 0)); CREATE INDEX i ON t(a ASC) WHERE a <> 1;",
        "CREATE TABLE t(a INT CHECK ((a>0))); CREATE INDEX i ON t(a) WHERE a != 1;",
        id="redundant-parens-asc-and-operator-spelling",
    ),
    pytest.param(
        "CREATE TABLE t(a TEXT COLLATE NOCASE); CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN SELECT 1; END;",
        "CREATE TABLE t(a TEXT COLLATE nocase); CREATE TRIGGER tr AFTER INSERT ON t BEGIN select 1; END;",
        id="collation-case-and-for-each-row",
    ),
    pytest.param(
        "CREATE VIRTUAL TABLE f USING fts5(a, b, tokenize='porter unicode61');",
        'CREATE VIRTUAL TABLE f USING FTS5(a,b,tokenize = "porter unicode61");',
        id="fts5-option-spelling",
    ),
    pytest.param(
        "CREATE TABLE p(id INTEGER PRIMARY KEY); "
        "CREATE TABLE c(pid INT REFERENCES p ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED);",
        "CREATE TABLE p(id INTEGER PRIMARY KEY); "
        "CREATE TABLE c(pid INT REFERENCES p DEFERRABLE INITIALLY DEFERRED);",
        id="fk-default-action",
    ),
]

DIFFERENT = [
    pytest.param("CREATE TABLE t(a INT, b INT);", "CREATE TABLE t(b INT, a INT);", id="column-order"),
    pytest.param("CREATE TABLE t(a INT);", "CREATE TABLE t(a TEXT);", id="type"),
    pytest.param("CREATE TABLE t(a TEXT);", "CREATE TABLE t(a TEXT COLLATE NOCASE);", id="collation"),
    pytest.param("CREATE TABLE t(a INT DEFAULT 1);", "CREATE TABLE t(a INT DEFAULT 2);", id="default"),
    pytest.param("CREATE TABLE t(a TEXT DEFAULT 'A');", "CREATE TABLE t(a TEXT DEFAULT 'a');", id="string-literal-case"),
    pytest.param("CREATE TABLE t(a INT);", "CREATE TABLE t(a INT) STRICT;", id="strict"),
    pytest.param(
        "CREATE TABLE t(a INT PRIMARY KEY);",
        "CREATE TABLE t(a INT PRIMARY KEY) WITHOUT ROWID;",
        id="without-rowid",
    ),
    pytest.param(
        "CREATE TABLE t(id INTEGER PRIMARY KEY);",
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT);",
        id="autoincrement",
    ),
    pytest.param(
        "CREATE TABLE t(a INT, b INT AS (a+1) VIRTUAL);",
        "CREATE TABLE t(a INT, b INT AS (a+1) STORED);",
        id="generated-kind",
    ),
    pytest.param(
        "CREATE TABLE t(a INT CONSTRAINT pos CHECK (a > 0));",
        "CREATE TABLE t(a INT CONSTRAINT positive CHECK (a > 0));",
        id="check-name",
    ),
    pytest.param(
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(pid INT REFERENCES p ON DELETE CASCADE);",
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(pid INT REFERENCES p ON DELETE SET NULL);",
        id="fk-action",
    ),
    pytest.param(
        "CREATE TABLE t(a TEXT); CREATE INDEX i ON t(a);",
        "CREATE TABLE t(a TEXT); CREATE INDEX i ON t(a DESC);",
        id="index-order",
    ),
    pytest.param(
        "CREATE TABLE t(a TEXT); CREATE INDEX i ON t(lower(a));",
        "CREATE TABLE t(a TEXT); CREATE INDEX i ON t(upper(a));",
        id="expression-index",
    ),
    pytest.param(
        "CREATE VIRTUAL TABLE f USING fts5(a);",
        "CREATE VIRTUAL TABLE f USING fts5(a, tokenize='porter unicode61');",
        id="fts5-tokenizer",
    ),
]


@pytest.mark.parametrize(("first", "second"), SAME)
def test_spellings_of_one_schema_compare_equal(first: str, second: str) -> None:
    assert schema_from_sql(first) == schema_from_sql(second)


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_real_differences_are_seen(first: str, second: str) -> None:
    assert schema_from_sql(first) != schema_from_sql(second)


def test_shadow_and_internal_tables_are_ignored() -> None:
    schema = schema_from_sql(
        "CREATE VIRTUAL TABLE docs USING fts5(body);"
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, u TEXT UNIQUE);"
        "CREATE TABLE _sqlkeel_migrations(id INTEGER PRIMARY KEY);"
        "CREATE TABLE _litestream_seq(id INTEGER PRIMARY KEY, seq INTEGER);"
        "CREATE TABLE libsql_wasm_func_table(name TEXT);"
    )
    assert [t.name for t in schema.tables] == ["t"]
    assert [v.name for v in schema.virtual_tables] == ["docs"]
    assert schema.indexes == ()


def test_rename_hints_are_read_from_comments_but_do_not_count_for_equality() -> None:
    hinted = schema_from_sql(
        "CREATE TABLE people ( -- sqlkeel: renamed-from persons\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  full_name TEXT, -- @renamed from=name\n"
        '  "e mail" TEXT /* @renamed from="old mail" */\n'
        ");"
    )
    table = hinted.tables[0]
    assert table.renamed_from == "persons"
    assert table.column("full_name").renamed_from == "name"  # type: ignore[union-attr]
    assert table.column("e mail").renamed_from == "old mail"  # type: ignore[union-attr]
    assert hinted == schema_from_sql(
        'CREATE TABLE people(id INTEGER PRIMARY KEY, full_name TEXT, "e mail" TEXT);'
    )


def test_hint_after_the_semicolon_of_a_one_line_table() -> None:
    schema = schema_from_sql("CREATE TABLE b(x INT); -- sqlkeel: renamed-from a\n")
    assert schema.tables[0].renamed_from == "a"


def test_stored_definitions_that_end_in_whitespace_are_read() -> None:
    """SQLite keeps an index's trailing whitespace when it runs without its semicolon."""
    import sqlite3

    from sqlkeel.catalog.reader import read_schema

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t(a, b)\n\t ")
    conn.execute("CREATE INDEX t_a ON t(lower(a))\n")
    conn.execute("CREATE VIEW v AS SELECT a FROM t\n")
    stored = [r[0] for r in conn.execute("SELECT sql FROM sqlite_schema ORDER BY rowid")]
    assert stored[1].endswith("\n")  # the premise: SQLite kept it
    assert read_schema(conn) == schema_from_sql(
        "CREATE TABLE t(a, b); CREATE INDEX t_a ON t(lower(a)); CREATE VIEW v AS SELECT a FROM t;"
    )
