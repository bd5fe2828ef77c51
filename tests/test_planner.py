"""Planner decisions: native ALTER where SQLite allows it, the rebuild otherwise, hazards, renames."""

from __future__ import annotations

import sqlite3

import pytest

import sqlkeel
from sqlkeel import Hazard, OpKind
from sqlkeel.catalog import read_schema
from sqlkeel.sources.sqlfiles import schema_from_sql


def kinds(plan: sqlkeel.Plan) -> list[OpKind]:
    return [op.kind for op in plan.ops]


def db(sql: str, rows: str = "") -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(sql + rows)
    return conn


def converge(conn: sqlite3.Connection, target_sql: str, **kwargs: object) -> sqlkeel.Plan:
    target = schema_from_sql(target_sql)
    plan = sqlkeel.plan(conn, target, **kwargs)  # type: ignore[arg-type]
    plan.apply(conn)
    assert read_schema(conn) == target
    assert sqlkeel.plan(conn, target).is_empty
    return plan


def test_equal_schemas_give_an_empty_plan() -> None:
    plan = sqlkeel.plan(
        schema_from_sql("CREATE TABLE t(a INT);"), schema_from_sql("create table T (A int);")
    )
    assert plan.is_empty and plan.sql() == "" and not plan


def test_native_drop_column_where_legal() -> None:
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT);", "INSERT INTO t VALUES (1,'x','y');")
    plan = converge(conn, "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);", verify=True)
    assert kinds(plan) == [OpKind.DROP_COLUMN]
    assert [h.kind for h in plan.hazards] == [Hazard.DATA_LOSS]
    assert conn.execute("SELECT id, a FROM t").fetchall() == [(1, "x")]


def test_dropping_an_indexed_column_drops_the_index_first_then_uses_native_drop() -> None:
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX tb ON t(b);")
    plan = converge(conn, "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);")
    assert kinds(plan) == [OpKind.DROP_INDEX, OpKind.DROP_COLUMN]


@pytest.mark.parametrize(
    "before",
    [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT UNIQUE);",
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT, CHECK (a <> b));",
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT REFERENCES p);",
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT, g TEXT AS (a || b));",
    ],
    ids=["unique", "check", "foreign-key", "generated"],
)
def test_drop_column_rebuilds_when_sqlite_would_refuse(before: str) -> None:
    after = "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);"
    if "REFERENCES p" in before:
        after = "CREATE TABLE p(id INTEGER PRIMARY KEY);" + after
    conn = db(before, "INSERT INTO t(id, a, b) VALUES (1, 'x', 1);")
    plan = converge(conn, after)
    assert OpKind.REBUILD_TABLE in kinds(plan)
    assert conn.execute("SELECT id, a FROM t").fetchall() == [(1, "x")]


def test_add_column_is_native_and_appends() -> None:
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY);", "INSERT INTO t VALUES (1);")
    plan = converge(conn, "CREATE TABLE t(id INTEGER PRIMARY KEY, n INT NOT NULL DEFAULT 0, v AS (n + 1));")
    assert kinds(plan) == [OpKind.ADD_COLUMN, OpKind.ADD_COLUMN]
    assert conn.execute("SELECT id, n, v FROM t").fetchall() == [(1, 0, 1)]


def test_add_column_in_the_middle_rebuilds() -> None:
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY, z TEXT);", "INSERT INTO t VALUES (1, 'z');")
    plan = converge(conn, "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, z TEXT);")
    assert kinds(plan) == [OpKind.REBUILD_TABLE]
    assert conn.execute("SELECT id, a, z FROM t").fetchall() == [(1, None, "z")]


def test_not_null_without_default_on_a_table_with_rows_is_a_clear_error() -> None:
    conn = db("CREATE TABLE users(id INTEGER PRIMARY KEY);", "INSERT INTO users VALUES (1);")
    with pytest.raises(sqlkeel.ImpossibleChangeError) as info:
        sqlkeel.plan(conn, schema_from_sql("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL);"))
    message = str(info.value)
    assert "users.email" in message and "DEFAULT" in message and "nullable" in message


def test_not_null_without_default_on_an_empty_table_is_planned() -> None:
    conn = db("CREATE TABLE users(id INTEGER PRIMARY KEY);")
    plan = converge(conn, "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL);")
    assert kinds(plan) == [OpKind.ADD_COLUMN]


def test_renames_from_hints_keep_the_data() -> None:
    conn = db("CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT);", "INSERT INTO people VALUES (1, 'Ann');")
    plan = converge(
        conn,
        "CREATE TABLE persons ( -- sqlkeel: renamed-from people\n"
        "  id INTEGER PRIMARY KEY,\n  full_name TEXT -- sqlkeel: renamed-from name\n);",
    )
    assert kinds(plan) == [OpKind.RENAME_TABLE, OpKind.RENAME_COLUMN]
    assert not plan.lossy
    assert conn.execute("SELECT id, full_name FROM persons").fetchall() == [(1, "Ann")]


def test_renames_from_the_command_line_form() -> None:
    conn = db("CREATE TABLE a(id INTEGER PRIMARY KEY, x TEXT);", "INSERT INTO a VALUES (1, 'v');")
    plan = converge(conn, "CREATE TABLE b(id INTEGER PRIMARY KEY, y TEXT);", renames=["a=b", "a.x=y"])
    assert kinds(plan) == [OpKind.RENAME_TABLE, OpKind.RENAME_COLUMN]
    assert conn.execute("SELECT * FROM b").fetchall() == [(1, "v")]


def test_without_a_hint_a_rename_is_a_drop_and_an_add_and_is_refused() -> None:
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);")
    plan = sqlkeel.plan(conn, schema_from_sql("CREATE TABLE t(id INTEGER PRIMARY KEY, full_name TEXT);"))
    with pytest.raises(sqlkeel.DestructiveChangeError) as info:
        plan.require_safe()
    assert "t.name" in str(info.value)
    plan.require_safe(allow_destructive=True)


def test_swapping_two_table_names_goes_through_a_temporary_name() -> None:
    conn = db("CREATE TABLE a(x INT); CREATE TABLE b(y INT);", "INSERT INTO a VALUES (1); INSERT INTO b VALUES (2);")
    converge(conn, "CREATE TABLE b(x INT); CREATE TABLE a(y INT);", renames=["a=b", "b=a"])
    assert conn.execute("SELECT x FROM b").fetchall() == [(1,)]
    assert conn.execute("SELECT y FROM a").fetchall() == [(2,)]


def test_rebuild_keeps_cascade_children_views_and_triggers() -> None:
    conn = db(
        "CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);"
        "CREATE TABLE c(id INTEGER PRIMARY KEY, pid INT REFERENCES p(id) ON DELETE CASCADE);"
        "CREATE TABLE log(msg TEXT);"
        "CREATE VIEW pv AS SELECT id, name FROM p;"
        "CREATE TRIGGER pt AFTER UPDATE ON p BEGIN INSERT INTO log VALUES (NEW.name); END;",
        "PRAGMA foreign_keys = ON;"
        "INSERT INTO p(name) VALUES ('a'), ('b'); INSERT INTO c(pid) VALUES (1), (2);"
        "DELETE FROM p WHERE id = 2; INSERT INTO p(name) VALUES ('c');",
    )
    plan = converge(
        conn,
        "CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL COLLATE NOCASE);"
        "CREATE TABLE c(id INTEGER PRIMARY KEY, pid INT REFERENCES p(id) ON DELETE CASCADE);"
        "CREATE TABLE log(msg TEXT);"
        "CREATE VIEW pv AS SELECT id, name FROM p;"
        "CREATE TRIGGER pt AFTER UPDATE ON p BEGIN INSERT INTO log VALUES (NEW.name); END;",
    )
    assert OpKind.REBUILD_TABLE in kinds(plan)
    assert conn.execute("SELECT count(*) FROM c").fetchone() == (1,)  # the cascade did not run
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)  # restored
    assert conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'p'").fetchone() == (3,)
    conn.execute("UPDATE p SET name = 'z' WHERE id = 1")
    assert conn.execute("SELECT msg FROM log").fetchall() == [("z",)]
    assert conn.execute("SELECT * FROM pv ORDER BY id").fetchall() == [(1, "z"), (3, "c")]


def test_foreign_key_violations_roll_back_and_are_listed() -> None:
    conn = db(
        "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(id INTEGER PRIMARY KEY, pid INT);",
        "INSERT INTO p VALUES (1); INSERT INTO c VALUES (10, 1), (11, 99);",
    )
    before = conn.execute("SELECT sql FROM sqlite_schema ORDER BY name").fetchall()
    plan = sqlkeel.plan(
        conn,
        schema_from_sql(
            "CREATE TABLE p(id INTEGER PRIMARY KEY);"
            "CREATE TABLE c(id INTEGER PRIMARY KEY, pid INT REFERENCES p(id));"
        ),
    )
    with pytest.raises(sqlkeel.ForeignKeyViolationError) as info:
        plan.apply(conn)
    assert info.value.violations == (("c", 11, "p"),)
    assert "rowid 11" in str(info.value)
    assert conn.execute("SELECT sql FROM sqlite_schema ORDER BY name").fetchall() == before
    assert conn.execute("SELECT * FROM c ORDER BY id").fetchall() == [(10, 1), (11, 99)]


def test_rebuild_guard_refuses_to_run_with_foreign_keys_on_inside_a_transaction() -> None:
    conn = db(
        "CREATE TABLE p(id INTEGER PRIMARY KEY, v INT);"
        "CREATE TABLE c(pid INT REFERENCES p(id) ON DELETE CASCADE);",
        "INSERT INTO p VALUES (1, 1); INSERT INTO c VALUES (1);",
    )
    plan = sqlkeel.plan(conn, schema_from_sql(
        "CREATE TABLE p(id INTEGER PRIMARY KEY, v TEXT);"
        "CREATE TABLE c(pid INT REFERENCES p(id) ON DELETE CASCADE);"
    ))
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")  # a runner that wraps the script: the PRAGMA inside would be a no-op
    with pytest.raises(sqlite3.IntegrityError, match="foreign_keys_must_be_off"):
        for statement in plan.statements():
            conn.execute(statement)
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM c").fetchone() == (1,)


def test_changed_fts5_tokenizer_keeps_rows_and_finds_stems() -> None:
    conn = db(
        "CREATE VIRTUAL TABLE notes USING fts5(body);",
        "INSERT INTO notes(rowid, body) VALUES (7, 'running fast'), (9, 'slow walk');",
    )
    plan = converge(conn, "CREATE VIRTUAL TABLE notes USING fts5(body, tokenize='porter unicode61');")
    assert kinds(plan) == [OpKind.REBUILD_VIRTUAL_TABLE]
    assert conn.execute("SELECT rowid FROM notes WHERE notes MATCH 'run'").fetchall() == [(7,)]
    assert conn.execute("SELECT rowid, body FROM notes ORDER BY rowid").fetchall() == [
        (7, "running fast"),
        (9, "slow walk"),
    ]


def test_script_runs_with_executescript_like_apply() -> None:
    before = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b INT);"
    after = "CREATE TABLE t(id INTEGER PRIMARY KEY, b TEXT, a INT);"
    one, two = db(before, "INSERT INTO t VALUES (1, 2, 3);"), db(before, "INSERT INTO t VALUES (1, 2, 3);")
    plan = sqlkeel.plan(one, schema_from_sql(after))
    plan.apply(one)
    two.executescript(plan.sql())
    assert read_schema(one) == read_schema(two) == schema_from_sql(after)
    assert one.execute("SELECT * FROM t").fetchall() == two.execute("SELECT * FROM t").fetchall() == [(1, "3", 2)]


def test_plan_json_lists_ops_and_hazards() -> None:
    plan = sqlkeel.plan(
        schema_from_sql("CREATE TABLE t(a INT, b INT);"), schema_from_sql("CREATE TABLE t(a INT);")
    )
    data = plan.to_json()
    assert data["version"] == 1 and data["destructive"] is True
    assert data["ops"][0]["kind"] == "drop_column"
    assert data["ops"][0]["hazards"][0]["kind"] == "data_loss"
    assert data["ops"][0]["sql"] == ['ALTER TABLE "t" DROP COLUMN "b"']


def test_unique_index_recreated_after_a_rebuild_warns_only_when_comparison_changes() -> None:
    base = "CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT{c}, n INTEGER{k}); CREATE UNIQUE INDEX t_email ON t(email);"
    src = schema_from_sql(base.format(c="", k=""))
    same = sqlkeel.plan(src, schema_from_sql(base.format(c="", k=" CHECK (n > 0)")))
    nocase = sqlkeel.plan(src, schema_from_sql(base.format(c=" COLLATE NOCASE", k="")))
    index_hazards = {
        name: [h.kind for op in p.ops if op.kind is OpKind.CREATE_INDEX for h in op.hazards]
        for name, p in (("same", same), ("nocase", nocase))
    }
    assert index_hazards == {"same": [], "nocase": [Hazard.DATA_DEPENDENT]}
