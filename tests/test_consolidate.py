"""Consolidation: three applications' SQLite files brought into one managed database.

The seeds' situation: ``pulse.db``, ``relay/index.db`` and ``mesh.db`` each hold a few hundred
rows that belong in the application's single database, whose tables were created by sqlkeel
migrations. A TOML plan renames tables and columns, transforms values (a status vocabulary,
unix-millisecond integers to ISO-8601 text) and filters rows. The copy must be exact, the
sources must never be written (same bytes, same mtime, still in rollback-journal mode), and
any failure — a constraint in the target, a transform that errors, an orphan row — must
leave the target exactly as it was. A plan runs once.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sqlkeel
from sqlkeel.cli.main import main
from sqlkeel.consolidation import ConsolidationError, consolidate, load_plan

TARGET_SCHEMA = """\
CREATE TABLE pulse_schedules (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done')),
  created_at TEXT NOT NULL
);
CREATE TABLE pulse_runs (
  id INTEGER PRIMARY KEY,
  schedule_id INTEGER NOT NULL REFERENCES pulse_schedules(id),
  ok INTEGER NOT NULL,
  started_at TEXT NOT NULL
);
CREATE TABLE mesh_peers (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  last_seen INTEGER,
  region TEXT
);
CREATE TABLE relay_channels (name TEXT PRIMARY KEY, topic TEXT);
CREATE TABLE relay_messages (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL REFERENCES relay_channels(name),
  body TEXT NOT NULL,
  sent_at TEXT NOT NULL
);
CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

ISO = "strftime('%Y-%m-%dT%H:%M:%fZ', {col} / 1000.0, 'unixepoch')"

PLAN = f"""\
[[source]]
file = "pulse.db"

  [[source.table]]
  from = "schedules"
  to = "pulse_schedules"
  where = "deleted = 0"
  [source.table.columns]
  title = "name"
  [source.table.values]
  status = "CASE status WHEN 'new' THEN 'pending' ELSE status END"
  created_at = "{ISO.format(col="created_ms")}"

  [[source.table]]
  from = "runs"
  to = "pulse_runs"
  where = "schedule_id IN (SELECT id FROM sqlkeel_src_1.schedules WHERE deleted = 0)"
  [source.table.values]
  started_at = "{ISO.format(col="started_ms")}"

[[source]]
file = "mesh.db"

  [[source.table]]
  from = "peers"
  to = "mesh_peers"
  [source.table.columns]
  address = "addr"
  [source.table.values]
  region = "json_extract(meta, '$.region')"

[[source]]
file = "relay/index.db"

  [[source.table]]
  from = "channels"
  to = "relay_channels"

  [[source.table]]
  from = "messages"
  to = "relay_messages"
  [source.table.values]
  sent_at = "{ISO.format(col="sent_ms")}"
"""

SOURCE_FILES = ("pulse.db", "mesh.db", "relay/index.db")
COPIED_TABLES = ("pulse_schedules", "pulse_runs", "mesh_peers", "relay_channels", "relay_messages")
STATUSES = ("new", "running", "done")


def iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def make_sources(root: Path) -> None:
    """The three legacy files, in rollback-journal mode, with a few hundred rows each."""
    rnd = random.Random(20240601)
    (root / "relay").mkdir(parents=True, exist_ok=True)
    pulse = sqlite3.connect(root / "pulse.db")
    pulse.executescript(
        "CREATE TABLE schedules (id INTEGER PRIMARY KEY, name TEXT, status TEXT, "
        "created_ms INTEGER, deleted INTEGER NOT NULL DEFAULT 0);\n"
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, schedule_id INTEGER, ok INTEGER, "
        "started_ms INTEGER);\n"
    )
    pulse.executemany(
        "INSERT INTO schedules VALUES (?, ?, ?, ?, ?)",
        [
            (
                i,
                f"job {i} — nightly ‘{rnd.choice(['backup', 'sync', 'report'])}’",
                STATUSES[i % 3],
                rnd.randrange(1_600_000_000_000, 1_750_000_000_000),
                1 if i % 10 == 0 else 0,
            )
            for i in range(1, 301)
        ],
    )
    pulse.executemany(
        "INSERT INTO runs VALUES (?, ?, ?, ?)",
        [
            (
                i,
                rnd.randrange(1, 301),
                rnd.randrange(2),
                rnd.randrange(1_600_000_000_000, 1_750_000_000_000),
            )
            for i in range(1, 401)
        ],
    )
    pulse.commit()
    pulse.close()
    mesh = sqlite3.connect(root / "mesh.db")
    mesh.execute(
        "CREATE TABLE peers (id INTEGER PRIMARY KEY, addr TEXT, last_seen INTEGER, meta TEXT)"
    )
    mesh.executemany(
        "INSERT INTO peers VALUES (?, ?, ?, ?)",
        [
            (
                i,
                f"10.0.{i // 256}.{i % 256}:7946",
                rnd.randrange(1_700_000_000, 1_750_000_000) if i % 7 else None,
                json.dumps({"region": rnd.choice(["eu", "us", "ap"]), "v": i}),
            )
            for i in range(1, 251)
        ],
    )
    mesh.commit()
    mesh.close()
    relay = sqlite3.connect(root / "relay" / "index.db")
    relay.executescript(
        "CREATE TABLE channels (name TEXT PRIMARY KEY, topic TEXT);\n"
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, channel TEXT, body TEXT, sent_ms INTEGER);\n"
    )
    channels = [f"chan-{n}" for n in range(12)]
    relay.executemany(
        "INSERT INTO channels VALUES (?, ?)",
        [(c, None if n % 4 == 0 else f"topic {n}") for n, c in enumerate(channels)],
    )
    relay.executemany(
        "INSERT INTO messages VALUES (?, ?, ?, ?)",
        [
            (
                i,
                rnd.choice(channels),
                f"message {i}: {'x' * rnd.randrange(0, 40)}",
                rnd.randrange(1_700_000_000_000, 1_750_000_000_000),
            )
            for i in range(1, 351)
        ],
    )
    relay.commit()
    relay.close()


@dataclass
class Setup:
    root: Path
    target: Path
    migrations: Path
    plan: Path

    def source(self, name: str) -> Path:
        return self.root / name

    def write_plan(self, text: str, name: str = "plan.toml") -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


@pytest.fixture
def sk(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    monkeypatch.delenv("SQLKEEL_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "legacy"
    make_sources(root)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text(TARGET_SCHEMA, encoding="utf-8")
    target = tmp_path / "data" / "app.db"
    sqlkeel.migrate(target, migrations)
    conn = sqlite3.connect(target)
    conn.execute("INSERT INTO app_settings VALUES ('theme', 'dark'), ('lang', 'en')")
    conn.commit()
    conn.close()
    plan = root / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    return Setup(root, target, migrations, plan)


def fingerprint(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size


def sources_state(setup: Setup) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for name in SOURCE_FILES:
        path = setup.source(name)
        state[name] = fingerprint(path)
        state[name + " siblings"] = sorted(p.name for p in path.parent.iterdir())
    return state


def assert_sources_untouched(setup: Setup, before: dict[str, Any]) -> None:
    assert sources_state(setup) == before, "a source file was written"
    for name in SOURCE_FILES:
        path = setup.source(name)
        header = path.read_bytes()[:20]
        assert header[18:20] == b"\x01\x01", f"{name} was switched to WAL mode"
        for suffix in ("-wal", "-shm", "-journal"):
            assert not Path(str(path) + suffix).exists(), f"{name}{suffix} was created"


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (sorted) and sqlite_schema: the target's whole logical content."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {
            "sqlite_schema": sorted(
                conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema"), key=repr
            )
        }
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        ):
            out[name] = sorted(conn.execute(f'SELECT * FROM "{name}"'), key=repr)
        out["user_version"] = [conn.execute("PRAGMA user_version").fetchone()]
        return out
    finally:
        conn.close()


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


# --- the copy ------------------------------------------------------------------------------------


def test_consolidate_copies_renames_transforms_and_filters(setup: Setup) -> None:
    before = sources_state(setup)
    result = consolidate(setup.plan, setup.target)

    assert result.dry_run is False
    assert [(t.target, t.rows) for t in result.tables] == [
        ("pulse_schedules", 270),
        (
            "pulse_runs",
            len(rows(setup.source("pulse.db"), "SELECT 1 FROM runs WHERE schedule_id % 10 != 0")),
        ),
        ("mesh_peers", 250),
        ("relay_channels", 12),
        ("relay_messages", 350),
    ]
    assert [t.source for t in result.tables] == [
        f"{setup.source('pulse.db')}:schedules",
        f"{setup.source('pulse.db')}:runs",
        f"{setup.source('mesh.db')}:peers",
        f"{setup.source('relay/index.db')}:channels",
        f"{setup.source('relay/index.db')}:messages",
    ]
    assert result.rows == sum(t.rows for t in result.tables)

    # schedules: renamed column, status vocabulary, ms → ISO-8601, deleted rows filtered out
    src = rows(
        setup.source("pulse.db"), "SELECT id, name, status, created_ms, deleted FROM schedules"
    )
    expected = [
        (i, name, "pending" if status == "new" else status, iso(ms))
        for i, name, status, ms, deleted in src
        if not deleted
    ]
    assert rows(setup.target, "SELECT * FROM pulse_schedules ORDER BY id") == expected
    assert rows(setup.target, "SELECT count(*) FROM pulse_schedules WHERE status = 'new'") == [(0,)]

    src_runs = rows(
        setup.source("pulse.db"),
        "SELECT r.id, r.schedule_id, r.ok, r.started_ms FROM runs r JOIN schedules s "
        "ON s.id = r.schedule_id WHERE s.deleted = 0 ORDER BY r.id",
    )
    assert rows(setup.target, "SELECT * FROM pulse_runs ORDER BY id") == [
        (i, s, ok, iso(ms)) for i, s, ok, ms in src_runs
    ]

    src_peers = rows(
        setup.source("mesh.db"), "SELECT id, addr, last_seen, meta FROM peers ORDER BY id"
    )
    assert rows(setup.target, "SELECT * FROM mesh_peers ORDER BY id") == [
        (i, addr, seen, json.loads(meta)["region"]) for i, addr, seen, meta in src_peers
    ]

    relay = setup.source("relay/index.db")
    assert rows(setup.target, "SELECT * FROM relay_channels ORDER BY name") == rows(
        relay, "SELECT * FROM channels ORDER BY name"
    )
    assert rows(setup.target, "SELECT * FROM relay_messages ORDER BY id") == [
        (i, c, body, iso(ms))
        for i, c, body, ms in rows(relay, "SELECT * FROM messages ORDER BY id")
    ]
    # the target's own rows are untouched, its schema too
    assert rows(setup.target, "SELECT * FROM app_settings ORDER BY key") == [
        ("lang", "en"),
        ("theme", "dark"),
    ]
    assert sqlkeel.drift(migrations=setup.migrations, database=setup.target).ok
    assert rows(setup.target, "PRAGMA foreign_key_check") == []
    assert_sources_untouched(setup, before)


def test_cli_consolidate(setup: Setup, sk: Callable[..., Run]) -> None:
    before = sources_state(setup)
    run = sk("consolidate", str(setup.plan), "-d", str(setup.target))
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    assert lines[0] == f"copied 270 rows: {setup.source('pulse.db')}:schedules → pulse_schedules"
    assert lines[2] == f"copied 250 rows: {setup.source('mesh.db')}:peers → mesh_peers"
    total = sum(rows(setup.target, f"SELECT count(*) FROM {t}")[0][0] for t in COPIED_TABLES)
    assert lines[-1] == f"copied {total} rows in all"
    assert_sources_untouched(setup, before)


def test_cli_consolidate_json(setup: Setup, sk: Callable[..., Run]) -> None:
    run = sk("consolidate", str(setup.plan), "-d", str(setup.target), "--format", "json")
    assert run.code == 0, run.out + run.err
    data = run.json()
    assert set(data) == {"version", "dry_run", "rows", "tables", "statements"}
    assert data["version"] == 1 and data["dry_run"] is False
    assert (data["tables"][0]["target"], data["tables"][0]["rows"]) == ("pulse_schedules", 270)
    assert data["rows"] == sum(t["rows"] for t in data["tables"])
    assert len(data["statements"]) == 5


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_shows_statements_and_counts_and_changes_nothing(setup: Setup) -> None:
    sources = sources_state(setup)
    target = dump(setup.target)
    target_file = fingerprint(setup.target)
    result = consolidate(setup.plan, setup.target, dry_run=True)
    assert result.dry_run is True
    assert (result.tables[0].target, result.tables[0].rows) == ("pulse_schedules", 270)
    assert [t.rows for t in result.tables][2:] == [250, 12, 350]
    assert len(result.statements) == 5
    first = result.statements[0]
    assert first.startswith('INSERT INTO main."pulse_schedules" (')
    assert "CASE status WHEN 'new' THEN 'pending' ELSE status END" in first
    assert '"name"' in first and "WHERE deleted = 0" in first
    assert dump(setup.target) == target
    assert fingerprint(setup.target)[0] == target_file[0]
    assert_sources_untouched(setup, sources)
    # and the real run afterwards copies what the dry run counted
    real = consolidate(setup.plan, setup.target)
    assert [(t.target, t.rows) for t in real.tables] == [(t.target, t.rows) for t in result.tables]
    assert real.statements == result.statements


def test_cli_dry_run(setup: Setup, sk: Callable[..., Run]) -> None:
    sources = sources_state(setup)
    target = dump(setup.target)
    run = sk("consolidate", str(setup.plan), "-d", str(setup.target), "--dry-run")
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    assert lines[0] == "dry run: nothing is changed"
    assert lines[1].startswith('INSERT INTO main."pulse_schedules"') and lines[1].endswith(";")
    assert f"would copy 270 rows: {setup.source('pulse.db')}:schedules → pulse_schedules" in lines
    assert lines[-1].startswith("would copy ") and lines[-1].endswith(" rows in all")
    run = sk(
        "consolidate", str(setup.plan), "-d", str(setup.target), "--dry-run", "--format", "json"
    )
    assert run.code == 0
    assert run.json()["dry_run"] is True and len(run.json()["statements"]) == 5
    assert dump(setup.target) == target
    assert_sources_untouched(setup, sources)


def test_dry_run_finds_a_transform_that_cannot_run(setup: Setup) -> None:
    """A dry run that passes must mean the real run can run its statements."""
    plan = setup.write_plan(
        PLAN.replace("json_extract(meta, '$.region')", "upper(regoin)"), "typo.toml"
    )
    with pytest.raises(ConsolidationError, match="regoin"):
        consolidate(plan, setup.target, dry_run=True)


def test_dry_run_does_not_create_a_missing_target(setup: Setup) -> None:
    missing = setup.root.parent / "elsewhere" / "new.db"
    with pytest.raises(ConsolidationError):
        consolidate(setup.plan, missing, dry_run=True)
    assert not missing.exists(), "a dry run created the target database"
    assert not missing.parent.exists(), "a dry run created the target's directory"


def test_dry_run_does_not_change_the_targets_journal_mode(setup: Setup) -> None:
    legacy_target = setup.root.parent / "rollback.db"
    conn = sqlite3.connect(legacy_target)
    conn.executescript(TARGET_SCHEMA)
    conn.close()
    before = fingerprint(legacy_target)
    consolidate(setup.plan, legacy_target, dry_run=True)
    assert rows(legacy_target, "PRAGMA journal_mode") == [("delete",)]
    assert fingerprint(legacy_target)[0] == before[0]


# --- failures leave everything as it was --------------------------------------------------------


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        pytest.param(
            "INSERT INTO peers VALUES (9001, NULL, 1, '{}')",
            "NOT NULL constraint failed: mesh_peers.address",
            id="not-null",
        ),
        pytest.param(
            "INSERT INTO peers VALUES (9001, '10.0.0.1:7946', 1, '{}')",
            "UNIQUE constraint failed: mesh_peers.address",
            id="unique",
        ),
        pytest.param(
            "INSERT INTO peers VALUES (9001, '10.9.9.9:1', 1, 'not json')",
            "malformed JSON",
            id="transform-error",
        ),
    ],
)
def test_a_failure_in_the_third_table_changes_nothing(
    setup: Setup, sk: Callable[..., Run], breakage: str, error: str
) -> None:
    conn = sqlite3.connect(setup.source("mesh.db"))
    conn.execute(breakage)
    conn.commit()
    conn.close()
    sources = sources_state(setup)
    target = dump(setup.target)
    with pytest.raises(ConsolidationError) as info:
        consolidate(setup.plan, setup.target)
    message = str(info.value)
    assert error in message
    assert f"{setup.source('mesh.db')}:peers into mesh_peers" in message
    assert "nothing was changed" in message
    assert dump(setup.target) == target, "a failed consolidation left rows behind"
    assert_sources_untouched(setup, sources)
    run = sk("consolidate", str(setup.plan), "-d", str(setup.target))
    assert run.code == 1 and error in run.err
    assert dump(setup.target) == target
    # fixed at the source, the same plan runs: the failure recorded nothing
    conn = sqlite3.connect(setup.source("mesh.db"))
    conn.execute("DELETE FROM peers WHERE id = 9001")
    conn.commit()
    conn.close()
    assert consolidate(setup.plan, setup.target).tables[2].rows == 250


def test_a_check_constraint_failure_changes_nothing(setup: Setup) -> None:
    plan = setup.write_plan(
        PLAN.replace("CASE status WHEN 'new' THEN 'pending' ELSE status END", "status"),
        "no_status_map.toml",
    )
    target = dump(setup.target)
    with pytest.raises(ConsolidationError, match="CHECK constraint failed"):
        consolidate(plan, setup.target)
    assert dump(setup.target) == target


def test_foreign_key_violations_made_by_the_copy_are_refused(setup: Setup) -> None:
    conn = sqlite3.connect(setup.source("relay/index.db"))
    conn.execute("INSERT INTO messages VALUES (9001, 'no-such-channel', 'orphan', 1700000000000)")
    conn.commit()
    conn.close()
    sources = sources_state(setup)
    target = dump(setup.target)
    with pytest.raises(ConsolidationError) as info:
        consolidate(setup.plan, setup.target)
    message = str(info.value)
    assert "break foreign keys" in message
    assert "relay_messages rowid 9001 → relay_channels" in message
    assert "nothing was changed" in message
    assert dump(setup.target) == target
    assert_sources_untouched(setup, sources)


def test_orphans_already_in_a_source_that_the_filter_drops_are_fine(setup: Setup) -> None:
    """pulse's runs point at deleted schedules; the plan's filter leaves them out."""
    deleted_refs = rows(
        setup.source("pulse.db"),
        "SELECT count(*) FROM runs WHERE schedule_id IN (SELECT id FROM schedules WHERE deleted)",
    )
    assert deleted_refs[0][0] > 0
    consolidate(setup.plan, setup.target)
    assert rows(setup.target, "PRAGMA foreign_key_check") == []


# --- once only ------------------------------------------------------------------------------------


def test_the_same_plan_twice_is_refused(setup: Setup, sk: Callable[..., Run]) -> None:
    consolidate(setup.plan, setup.target)
    after_first = dump(setup.target)
    with pytest.raises(ConsolidationError, match="already applied") as info:
        consolidate(setup.plan, setup.target)
    assert str(setup.plan) in str(info.value)
    assert "its rows are there" in str(info.value)
    # the same content under another name is the same plan
    copy = setup.write_plan(setup.plan.read_text(encoding="utf-8"), "copy-of-plan.toml")
    with pytest.raises(ConsolidationError, match="already applied"):
        consolidate(copy, setup.target)
    with pytest.raises(ConsolidationError, match="already applied"):
        consolidate(setup.plan, setup.target, dry_run=True)
    run = sk("consolidate", str(setup.plan), "-d", str(setup.target))
    assert run.code == 1 and "already applied" in run.err
    assert dump(setup.target) == after_first


# --- plans that name what is not there ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            'title = "name"', 'title = "nmae"', "schedules has no column nmae", id="source-column"
        ),
        pytest.param(
            'from = "schedules"', 'from = "schedulez"', "has no table schedulez", id="source-table"
        ),
        pytest.param(
            'to = "pulse_schedules"',
            'to = "pulse_schedulez"',
            "target table pulse_schedulez does not exist in the database",
            id="target-table",
        ),
        pytest.param(
            'title = "name"',
            'titel = "name"',
            "pulse_schedules has no column titel",
            id="target-column",
        ),
        pytest.param(
            'file = "mesh.db"',
            'file = "mesh-old.db"',
            "mesh-old.db: no such source database",
            id="source-file",
        ),
    ],
)
def test_a_plan_naming_what_does_not_exist(
    setup: Setup, sk: Callable[..., Run], old: str, new: str, message: str
) -> None:
    assert old in PLAN
    plan = setup.write_plan(PLAN.replace(old, new, 1), "bad.toml")
    sources = sources_state(setup)
    target = dump(setup.target)
    for dry_run in (False, True):
        with pytest.raises(ConsolidationError) as info:
            consolidate(plan, setup.target, dry_run=dry_run)
        assert message in str(info.value)
    run = sk("consolidate", str(plan), "-d", str(setup.target))
    assert run.code == 1 and message in run.err
    assert dump(setup.target) == target
    assert_sources_untouched(setup, sources)


def test_a_plan_that_is_not_a_plan(setup: Setup) -> None:
    bad = setup.write_plan("[[source]]\ntable = []\n", "nofile.toml")
    with pytest.raises(sqlkeel.ConfigError, match="needs `file`"):
        load_plan(bad)
    with pytest.raises(sqlkeel.ConfigError, match="at least one"):
        load_plan(setup.write_plan("title = 'x'\n", "empty.toml"))
    with pytest.raises(sqlkeel.ConfigError, match="not valid TOML"):
        load_plan(setup.write_plan("[[source]\n", "broken.toml"))
    with pytest.raises(sqlkeel.ConfigError, match="no such consolidation plan"):
        load_plan(setup.root / "absent.toml")


def test_source_paths_with_spaces_and_percent_signs(setup: Setup) -> None:
    """Sources are attached read-only through a file: URI; odd names must still resolve."""
    odd = setup.root / "old data 100%" / "pulse #1.db"
    odd.parent.mkdir()
    odd.write_bytes(setup.source("pulse.db").read_bytes())
    before = fingerprint(odd)
    plan = setup.write_plan(
        PLAN.replace('file = "pulse.db"', 'file = "old data 100%/pulse #1.db"'), "odd.toml"
    )
    result = consolidate(plan, setup.target)
    assert result.tables[0].rows == 270
    assert fingerprint(odd) == before


def test_consolidate_works_while_the_application_has_the_target_open(setup: Setup) -> None:
    app = sqlkeel.open_database(setup.target, setup.migrations)
    try:
        consolidate(setup.plan, setup.target)
        assert app.execute("SELECT count(*) FROM mesh_peers").fetchone() == (250,)
    finally:
        app.close()
    assert os.path.exists(setup.target)
