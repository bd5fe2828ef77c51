"""A table rebuild must keep everything that stands on the table, and every row.

The scenario is the one that other tools get wrong (ANCHORS.md): a parent table with
AUTOINCREMENT, COLLATE NOCASE, CHECKs, VIRTUAL and STORED generated columns, an expression
index, a partial DESC index, an UPDATE trigger writing an audit table, a view, children with
``ON DELETE CASCADE`` and ``ON DELETE SET NULL``, and an external-content FTS5 index kept in
sync by triggers. The database is used the way an application uses it (``foreign_keys=ON``)
and the target schema forces a rebuild of the parent (new CHECK, a dropped column, a renamed
column, a changed type, a reordered column). After the migration — applied with
``Plan.apply``, with ``executescript`` of ``Plan.sql()`` and with the ``sqlite3`` shell — the
catalog must equal the target, no row may be lost, the AUTOINCREMENT counter, the FTS index,
the triggers and the view must work as before.

Also here: an FTS5 tokenizer change (internal and external content) keeps every row
findable, and the foreign-key guard refuses to run a rebuild inside a transaction that
still enforces foreign keys instead of cascading deletes.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
from sqlkeel import OpKind
from sqlkeel.catalog import read_schema
from sqlkeel.model.names import quote_identifier as q
from sqlkeel.sources.sqlfiles import schema_from_sql

# --- the schemas ------------------------------------------------------------------------

SOURCE_SQL = """
CREATE TABLE parent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    legacy TEXT,
    price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0),
    score TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    updated_at TEXT NOT NULL DEFAULT '2000-01-01 00:00:00',
    name_len INTEGER GENERATED ALWAYS AS (length(name)) VIRTUAL,
    price_cents INTEGER GENERATED ALWAYS AS (price * 100) STORED,
    CHECK (status IN ('active', 'archived'))
);
CREATE INDEX parent_title_lower ON parent (lower(title));
CREATE INDEX parent_active_price ON parent (price DESC) WHERE status = 'active';
CREATE UNIQUE INDEX parent_name ON parent (name);

CREATE TABLE parent_audit (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL,
    old_price INTEGER,
    new_price INTEGER
);

CREATE TRIGGER parent_price_audit AFTER UPDATE OF price ON parent
BEGIN
    UPDATE parent SET updated_at = '2099-01-01 00:00:00' WHERE id = NEW.id;
    INSERT INTO parent_audit (parent_id, old_price, new_price) VALUES (NEW.id, OLD.price, NEW.price);
END;

CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
    note TEXT NOT NULL
);
CREATE INDEX child_parent ON child (parent_id);

CREATE TABLE tag (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent (id) ON DELETE SET NULL,
    label TEXT NOT NULL
);

CREATE VIEW parent_summary AS
    SELECT p.id, p.name, p.status, p.price_cents, count(c.id) AS children
    FROM parent AS p LEFT JOIN child AS c ON c.parent_id = p.id
    GROUP BY p.id;

CREATE VIRTUAL TABLE parent_fts USING fts5 (title, body, content='parent', content_rowid='id');

CREATE TRIGGER parent_fts_ai AFTER INSERT ON parent BEGIN
    INSERT INTO parent_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER parent_fts_ad AFTER DELETE ON parent BEGIN
    INSERT INTO parent_fts (parent_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER parent_fts_au AFTER UPDATE ON parent BEGIN
    INSERT INTO parent_fts (parent_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO parent_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

# The parent must be rebuilt: a new table CHECK, `legacy` dropped, `status` renamed to
# `state` (hint), `score` changes type, `updated_at` moves before `state`.
TARGET_SQL = """
CREATE TABLE parent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0),
    score REAL,
    updated_at TEXT NOT NULL DEFAULT '2000-01-01 00:00:00',
    state TEXT NOT NULL DEFAULT 'active', -- sqlkeel: renamed-from status
    name_len INTEGER GENERATED ALWAYS AS (length(name)) VIRTUAL,
    price_cents INTEGER GENERATED ALWAYS AS (price * 100) STORED,
    CHECK (state IN ('active', 'archived')),
    CHECK (length(title) > 0)
);
CREATE INDEX parent_title_lower ON parent (lower(title));
CREATE INDEX parent_active_price ON parent (price DESC) WHERE state = 'active';
CREATE UNIQUE INDEX parent_name ON parent (name);

CREATE TABLE parent_audit (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL,
    old_price INTEGER,
    new_price INTEGER
);

CREATE TRIGGER parent_price_audit AFTER UPDATE OF price ON parent
BEGIN
    UPDATE parent SET updated_at = '2099-01-01 00:00:00' WHERE id = NEW.id;
    INSERT INTO parent_audit (parent_id, old_price, new_price) VALUES (NEW.id, OLD.price, NEW.price);
END;

CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
    note TEXT NOT NULL
);
CREATE INDEX child_parent ON child (parent_id);

CREATE TABLE tag (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent (id) ON DELETE SET NULL,
    label TEXT NOT NULL
);

CREATE VIEW parent_summary AS
    SELECT p.id, p.name, p.state AS status, p.price_cents, count(c.id) AS children
    FROM parent AS p LEFT JOIN child AS c ON c.parent_id = p.id
    GROUP BY p.id;

CREATE VIRTUAL TABLE parent_fts USING fts5 (title, body, content='parent', content_rowid='id');

CREATE TRIGGER parent_fts_ai AFTER INSERT ON parent BEGIN
    INSERT INTO parent_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER parent_fts_ad AFTER DELETE ON parent BEGIN
    INSERT INTO parent_fts (parent_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER parent_fts_au AFTER UPDATE ON parent BEGIN
    INSERT INTO parent_fts (parent_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO parent_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

N_PARENTS = 3000
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
FTS_QUERIES = (
    "alpha",
    "bravo AND golf",
    "title:charlie",
    "body:hotel",
    '"bravo delta"',
    "foxtrot OR zulu",
)

# Columns whose values must survive, old name → new name.
KEPT_PARENT_COLUMNS = {
    "id": "id",
    "name": "name",
    "title": "title",
    "body": "body",
    "price": "price",
    "score": "score",
    "status": "state",
    "updated_at": "updated_at",
    "name_len": "name_len",
    "price_cents": "price_cents",
}


def _connect(path: Path) -> sqlite3.Connection:
    """A connection configured like an application's: autocommit, foreign keys ON."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    return conn


def _populate(conn: sqlite3.Connection) -> None:
    conn.executescript(SOURCE_SQL)
    conn.execute("BEGIN")
    for i in range(1, N_PARENTS + 1):
        title = f"{WORDS[i % 8]} {WORDS[(i * 3) % 8]} item{i}"
        body = f"{WORDS[(i * 5) % 8]} {WORDS[(i * 7 + 1) % 8]} text{i}"
        conn.execute(
            "INSERT INTO parent (name, title, body, legacy, price, score, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                f"Name{i}",
                title,
                body,
                f"legacy{i}",
                i % 500,
                None if i % 7 == 0 else str(i % 100),
                "archived" if i % 11 == 0 else "active",
            ),
        )
    conn.executemany(
        "INSERT INTO child (parent_id, note) VALUES (?, ?)",
        [(1 + (j % N_PARENTS), f"note{j}") for j in range(2 * N_PARENTS)],
    )
    conn.executemany(
        "INSERT INTO tag (parent_id, label) VALUES (?, ?)",
        [(None if j % 13 == 0 else 1 + (j * 7) % N_PARENTS, f"tag{j}") for j in range(N_PARENTS)],
    )
    conn.execute("COMMIT")
    # Deleting the newest parents leaves the AUTOINCREMENT counter above max(id) (their
    # children cascade away now, before the migration; that is the application's doing).
    conn.execute("DELETE FROM parent WHERE id > ?", (N_PARENTS - 50,))
    conn.execute("DELETE FROM parent WHERE id % 97 = 0")
    conn.execute("UPDATE parent SET price = price + 1 WHERE id % 101 = 0")


def _rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql, params)]


def _snapshot(conn: sqlite3.Connection, *, migrated: bool) -> dict[str, Any]:
    """Everything that must be equal before and after the migration (old or new names)."""
    cols = list(KEPT_PARENT_COLUMNS.values() if migrated else KEPT_PARENT_COLUMNS)
    parent = _rows(conn, f"SELECT {', '.join(cols)} FROM parent ORDER BY id")
    return {
        # REAL affinity turns '42' into 42.0: compare the numbers, not the storage class.
        "parent": [
            tuple(
                float(v) if c == cols[5] and v is not None else v
                for c, v in zip(cols, row, strict=True)
            )
            for row in parent
        ],
        "child": _rows(conn, "SELECT id, parent_id, note FROM child ORDER BY id"),
        "tag": _rows(conn, "SELECT id, parent_id, label FROM tag ORDER BY id"),
        "audit": _rows(conn, "SELECT * FROM parent_audit ORDER BY id"),
        "view": _rows(conn, "SELECT * FROM parent_summary ORDER BY id"),
        "fts": {q: _fts_rowids(conn, "parent_fts", q) for q in FTS_QUERIES},
        "seq": conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'parent'").fetchone()[0],
        "nocase": _rows(conn, "SELECT id FROM parent WHERE name = 'NAME42'"),
    }


def _fts_rowids(conn: sqlite3.Connection, table: str, query: str) -> list[int]:
    sql = f"SELECT rowid FROM {q(table)} WHERE {q(table)} MATCH ? ORDER BY rowid"
    return [r[0] for r in conn.execute(sql, (query,))]


def _target_schema() -> sqlkeel.Schema:
    return schema_from_sql(TARGET_SQL)


@pytest.fixture
def source_db(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A populated database at the source schema, and its snapshot."""
    path = tmp_path / "app.db"
    conn = _connect(path)
    try:
        _populate(conn)
        snap = _snapshot(conn, migrated=False)
    finally:
        conn.close()
    assert snap["seq"] == N_PARENTS
    assert max(r[0] for r in snap["parent"]) < snap["seq"]
    assert all(snap["fts"].values()), "every sample query must find rows before the migration"
    yield path, snap


def _plan_for(path: Path) -> sqlkeel.Plan:
    conn = _connect(path)
    try:
        plan = sqlkeel.plan(conn, _target_schema())
    finally:
        conn.close()
    return plan


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def _assert_migrated(conn: sqlite3.Connection, before: dict[str, Any]) -> None:
    """The database behind ``conn`` is at the target, with every row, and still works."""
    assert read_schema(conn) == _target_schema()
    assert sqlkeel.plan(conn, _target_schema()).is_empty
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _rows(conn, "PRAGMA foreign_key_check") == []
    conn.execute("INSERT INTO parent_fts (parent_fts) VALUES ('integrity-check')")

    after = _snapshot(conn, migrated=True)
    assert len(after["parent"]) == len(before["parent"])
    assert len(after["child"]) == len(before["child"]), "children were deleted (cascade?)"
    assert len(after["tag"]) == len(before["tag"]), "tags were deleted"
    for key in ("parent", "child", "tag", "audit", "view", "fts", "seq", "nocase"):
        assert after[key] == before[key], key
    assert before["nocase"], "COLLATE NOCASE lookup must find Name42"

    # The application keeps working, with foreign keys on.
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    old_seq = before["seq"]
    cur = conn.execute(
        "INSERT INTO parent (name, title, body, price, score) "
        "VALUES ('Newcomer', 'zebra crossing', 'quokka text', 5, 1.5)"
    )
    new_id = cur.lastrowid
    assert new_id == old_seq + 1, "AUTOINCREMENT counter was reset by the rebuild"
    assert _fts_rowids(conn, "parent_fts", "zebra") == [new_id], "FTS insert trigger lost"
    assert conn.execute(
        "SELECT name_len, price_cents FROM parent WHERE id = ?", (new_id,)
    ).fetchone() == (8, 500)

    some_id = before["parent"][10][0]
    conn.execute("UPDATE parent SET price = 777, title = 'yak shaving' WHERE id = ?", (some_id,))
    assert (
        conn.execute("SELECT updated_at FROM parent WHERE id = ?", (some_id,)).fetchone()[0]
        == "2099-01-01 00:00:00"
    )
    audit = conn.execute(
        "SELECT parent_id, new_price FROM parent_audit ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert audit == (some_id, 777), "UPDATE trigger did not fire after the migration"
    assert _fts_rowids(conn, "parent_fts", "yak") == [some_id], "FTS update trigger lost"

    # Constraints of the target hold: new CHECK, old CHECK, renamed column's CHECK, NOCASE unique.
    for bad in (
        "INSERT INTO parent (name, title) VALUES ('x1', '')",
        "INSERT INTO parent (name, title, price) VALUES ('x2', 't', -1)",
        "INSERT INTO parent (name, title, state) VALUES ('x3', 't', 'bogus')",
        "INSERT INTO parent (name, title) VALUES ('name42', 't')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(bad)

    # Foreign-key actions still work on the new table: cascade and set null.
    victim = conn.execute(
        "SELECT parent_id FROM child WHERE parent_id IN (SELECT parent_id FROM tag) LIMIT 1"
    ).fetchone()[0]
    n_children = conn.execute(
        "SELECT count(*) FROM child WHERE parent_id = ?", (victim,)
    ).fetchone()[0]
    n_tags = conn.execute("SELECT count(*) FROM tag WHERE parent_id = ?", (victim,)).fetchone()[0]
    assert n_children > 0 and n_tags > 0
    total_children = conn.execute("SELECT count(*) FROM child").fetchone()[0]
    null_tags = conn.execute("SELECT count(*) FROM tag WHERE parent_id IS NULL").fetchone()[0]
    conn.execute("DELETE FROM parent WHERE id = ?", (victim,))
    assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == total_children - n_children
    assert (
        conn.execute("SELECT count(*) FROM tag WHERE parent_id IS NULL").fetchone()[0]
        == null_tags + n_tags
    )
    assert _fts_rowids(conn, "parent_fts", "yak") == [] or victim != some_id
    conn.execute("INSERT INTO parent_fts (parent_fts) VALUES ('integrity-check')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO child (parent_id, note) VALUES (?, 'orphan')", (victim,))


def _database_state(path: Path) -> tuple[Any, ...]:
    """Schema and contents of a database, to compare the three ways of applying a plan."""
    conn = sqlite3.connect(path)
    try:
        schema = read_schema(conn)
        contents = tuple(
            (table, _rows(conn, f"SELECT * FROM {q(table)} ORDER BY rowid"))
            for table in ("parent", "child", "tag", "parent_audit")
        )
        seq = _rows(conn, "SELECT name, seq FROM sqlite_sequence ORDER BY name")
        fts = tuple(_fts_rowids(conn, "parent_fts", q) for q in FTS_QUERIES)
        sql = _rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")
    finally:
        conn.close()
    return schema, contents, seq, fts, sql


# --- the tests --------------------------------------------------------------------------


def test_plan_rebuilds_the_parent_and_only_the_parent(
    source_db: tuple[Path, dict[str, Any]],
) -> None:
    path, _ = source_db
    plan = _plan_for(path)
    rebuilt = [op.subject for op in plan.ops if op.kind is OpKind.REBUILD_TABLE]
    assert rebuilt == ["parent"], [op.describe() for op in plan.ops]
    assert plan.needs_foreign_keys_off
    # Children, the audit table and the FTS index are not copied.
    kinds = {op.kind for op in plan.ops}
    assert OpKind.DROP_TABLE not in kinds and OpKind.REBUILD_VIRTUAL_TABLE not in kinds
    # Dropping `legacy` is data loss and is said so; the rename is not.
    lossy = [op.describe() for op in plan.lossy]
    assert len(lossy) == 1 and "parent" in lossy[0]
    assert any("legacy" in h.message for h in plan.hazards)
    assert not any("status" in h.message for h in plan.hazards)


def test_apply_keeps_every_row_object_and_behaviour(source_db: tuple[Path, dict[str, Any]]) -> None:
    path, before = source_db
    plan = _plan_for(path)
    conn = _connect(path)
    try:
        plan.apply(conn)
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1, "FK enforcement not restored"
        assert not conn.in_transaction
        _assert_migrated(conn, before)
    finally:
        conn.close()


def test_script_executescript_and_shell_give_the_same_database(
    source_db: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, before = source_db
    plan = _plan_for(path)
    script = plan.sql()
    # The script turns enforcement off itself, before its transaction starts.
    off = re.search(r"^PRAGMA\s+foreign_keys\s*=\s*(OFF|0|FALSE|NO)\s*;", script, re.I | re.M)
    begin = re.search(r"^BEGIN\b", script, re.I | re.M)
    assert off and begin and off.start() < begin.start(), script[:500]

    via_apply = _copy(path, tmp_path / "via_apply.db")
    via_script = _copy(path, tmp_path / "via_script.db")

    conn = _connect(via_apply)
    try:
        plan.apply(conn)
    finally:
        conn.close()

    conn = _connect(via_script)
    try:
        conn.executescript(script)
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        _assert_migrated(conn, before)
    finally:
        conn.close()
    # _assert_migrated exercised the application afterwards; do the same on the apply copy
    # so the two files are comparable.
    conn = _connect(via_apply)
    try:
        _assert_migrated(conn, before)
    finally:
        conn.close()
    assert _database_state(via_apply) == _database_state(via_script)

    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 command-line shell is not installed")
    via_shell = _copy(path, tmp_path / "via_shell.db")
    # An application-like session: enforcement on before the script runs.
    proc = subprocess.run(
        [shell, "-bail", str(via_shell)],
        input="PRAGMA foreign_keys = ON;\n" + script,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    conn = _connect(via_shell)
    try:
        _assert_migrated(conn, before)
    finally:
        conn.close()
    assert _database_state(via_shell) == _database_state(via_script)


def test_guard_refuses_when_foreign_keys_stay_on_inside_a_transaction(
    source_db: tuple[Path, dict[str, Any]],
) -> None:
    """A runner that wraps the script in its own transaction makes the PRAGMA a no-op."""
    path, before = source_db
    plan = _plan_for(path)
    conn = _connect(path)
    try:
        conn.execute("BEGIN")
        conn.execute("PRAGMA foreign_keys = OFF")  # what the script says: ignored in a transaction
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        ran: list[str] = []
        with pytest.raises(sqlite3.IntegrityError, match="foreign_keys_must_be_off"):
            for st in plan.statements():
                conn.execute(st)
                ran.append(st)
        # The guard stops the plan before it touches anything.
        assert not [s for s in ran if s.lstrip().upper().startswith(("DROP", "ALTER"))]
        assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == len(before["child"])
        assert conn.execute("SELECT count(*) FROM tag WHERE parent_id IS NULL").fetchone()[
            0
        ] == sum(1 for r in before["tag"] if r[1] is None)
        conn.execute("ROLLBACK")
        assert _snapshot(conn, migrated=False) == before
        assert read_schema(conn) == schema_from_sql(SOURCE_SQL)
    finally:
        conn.close()


def test_apply_refuses_an_open_transaction(source_db: tuple[Path, dict[str, Any]]) -> None:
    path, before = source_db
    plan = _plan_for(path)
    conn = _connect(path)
    try:
        conn.execute("BEGIN")
        with pytest.raises(sqlkeel.ApplyError):
            plan.apply(conn)
        conn.execute("ROLLBACK")
        assert _snapshot(conn, migrated=False) == before
    finally:
        conn.close()


def test_rebuild_with_orphans_is_refused_and_changes_nothing(
    source_db: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """``foreign_key_check`` before COMMIT: a violation rolls the whole plan back."""
    path, _ = source_db
    conn = sqlite3.connect(path, isolation_level=None)  # enforcement off: the orphan gets in
    orphan = conn.execute("INSERT INTO child (parent_id, note) VALUES (999999, 'orphan')").lastrowid
    conn.close()
    plan = _plan_for(path)
    via_script = _copy(path, tmp_path / "via_script.db")
    via_shell = _copy(path, tmp_path / "via_shell.db")

    conn = _connect(path)
    try:
        before = _snapshot(conn, migrated=False)
        with pytest.raises(sqlkeel.ForeignKeyViolationError) as info:
            plan.apply(conn)
        assert ("child", orphan, "parent") in info.value.violations
        assert not conn.in_transaction
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert read_schema(conn) == schema_from_sql(SOURCE_SQL)
        assert _snapshot(conn, migrated=False) == before
    finally:
        conn.close()

    conn = _connect(via_script)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="foreign_key_check"):
            conn.executescript(plan.sql())
        conn.execute("ROLLBACK")
        assert read_schema(conn) == schema_from_sql(SOURCE_SQL)
        assert _snapshot(conn, migrated=False) == before
    finally:
        conn.close()

    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 command-line shell is not installed")
    proc = subprocess.run(
        [shell, "-bail", str(via_shell)],
        input=plan.sql(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "foreign_key_check" in proc.stderr, proc.stderr
    conn = _connect(via_shell)
    try:
        assert read_schema(conn) == schema_from_sql(SOURCE_SQL)
        assert _snapshot(conn, migrated=False) == before
    finally:
        conn.close()


def test_type_change_that_rewrites_values_is_reported_as_data_loss() -> None:
    """Invariant 2: every value of every kept column survives, or the plan says it does not.

    A rebuild into a column of INTEGER/REAL/NUMERIC affinity converts text that looks like a
    number: '007' becomes 7 and '1.50' becomes 1.5. The plan must flag that as data loss
    (so ``require_safe`` refuses it) instead of applying it silently.
    """
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT, amount TEXT);"
            "INSERT INTO t VALUES (1, '007', '1.50');"
        )
        plan = sqlkeel.plan(
            conn,
            schema_from_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER, amount REAL);"),
        )
        if not plan.lossy:
            plan.apply(conn)
            after = conn.execute("SELECT code, amount FROM t").fetchone()
            assert after == ("007", "1.50"), f"values rewritten silently: {after!r}"
        with pytest.raises(sqlkeel.DestructiveChangeError):
            plan.require_safe()
    finally:
        conn.close()


# --- FTS5 tokenizer change ------------------------------------------------------------------

FTS_SOURCE = """
CREATE VIRTUAL TABLE docs USING fts5 (title, body);
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE VIRTUAL TABLE notes_fts USING fts5 (body, content='notes', content_rowid='id');
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER notes_au AFTER UPDATE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, new.body);
END;
"""
FTS_TARGET = FTS_SOURCE.replace(
    "fts5 (title, body);", "fts5 (title, body, tokenize='porter unicode61');"
).replace("content_rowid='id');", "content_rowid='id', tokenize='porter unicode61');")
STEMS = ("running", "jumps", "connected", "flies")


def test_fts5_tokenizer_change_keeps_every_row_findable(tmp_path: Path) -> None:
    assert FTS_TARGET.count("porter") == 2
    path = tmp_path / "fts.db"
    conn = _connect(path)
    try:
        conn.executescript(FTS_SOURCE)
        n = 1200
        conn.execute("BEGIN")
        # Sparse rowids: the internal-content table must keep them, not renumber.
        conn.executemany(
            "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
            [(i * 3 + 7, f"doc{i} {STEMS[i % 4]}", f"words{i} body") for i in range(n)],
        )
        conn.executemany(
            "INSERT INTO notes (id, body) VALUES (?, ?)",
            [(i * 5 + 2, f"note{i} {STEMS[(i + 1) % 4]}") for i in range(n)],
        )
        conn.execute("COMMIT")
        conn.execute("DELETE FROM notes WHERE id % 4 = 0")
        conn.execute("DELETE FROM docs WHERE rowid % 4 = 0")
        docs = _rows(conn, "SELECT rowid, title, body FROM docs ORDER BY rowid")
        notes = _rows(conn, "SELECT id, body FROM notes ORDER BY id")
        # Before: no stemming.
        assert _fts_rowids(conn, "docs", "run") == []
        assert _fts_rowids(conn, "notes_fts", "run") == []

        plan = sqlkeel.plan(conn, schema_from_sql(FTS_TARGET))
        kinds = sorted(op.kind.value for op in plan.ops)
        assert kinds.count(OpKind.REBUILD_VIRTUAL_TABLE.value) == 2, [
            op.describe() for op in plan.ops
        ]
        assert not plan.lossy, [op.describe() for op in plan.lossy]
        plan.apply(conn)

        assert read_schema(conn) == schema_from_sql(FTS_TARGET)
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert _rows(conn, "SELECT rowid, title, body FROM docs ORDER BY rowid") == docs
        assert _rows(conn, "SELECT id, body FROM notes ORDER BY id") == notes
        conn.execute("INSERT INTO docs (docs) VALUES ('integrity-check')")
        conn.execute("INSERT INTO notes_fts (notes_fts) VALUES ('integrity-check')")
        for rowid, title, _ in docs:
            assert _fts_rowids(conn, "docs", title.split()[0]) == [rowid]
        for rowid, body in notes:
            assert _fts_rowids(conn, "notes_fts", body.split()[0]) == [rowid]
        # Porter stemming now applies to the copied rows.
        assert _fts_rowids(conn, "docs", "run") == [r for r, t, _ in docs if "running" in t]
        assert _fts_rowids(conn, "notes_fts", "run") == [r for r, b in notes if "running" in b]
        assert _fts_rowids(conn, "docs", "fly") == [r for r, t, _ in docs if "flies" in t]
        # The sync triggers of the external-content index still work.
        new_id = conn.execute("INSERT INTO notes (body) VALUES ('the cat was swimming')").lastrowid
        assert _fts_rowids(conn, "notes_fts", "swim") == [new_id]
        conn.execute("UPDATE notes SET body = 'now sleeping' WHERE id = ?", (new_id,))
        assert _fts_rowids(conn, "notes_fts", "swim") == []
        assert _fts_rowids(conn, "notes_fts", "sleep") == [new_id]
        conn.execute("DELETE FROM notes WHERE id = ?", (new_id,))
        assert _fts_rowids(conn, "notes_fts", "sleep") == []
        conn.execute("INSERT INTO notes_fts (notes_fts) VALUES ('integrity-check')")
        assert sqlkeel.plan(conn, schema_from_sql(FTS_TARGET)).is_empty
    finally:
        conn.close()
