"""Oracle v2's two-connection failure, replayed against sqlkeel: run ``python run.py``.

The original application had two connections to one SQLite file: one that knew about the
migrations, and one whose startup ran ``ALTER TABLE … ADD COLUMN project`` inside a
try/except. This script works in a temporary directory and shows, step by step:

(a) a fresh clone's first start: ``open_db()`` (``sqlkeel.open_database``) creates the
    directory and the file and applies all three migrations; a second start applies nothing;
(b) an ad-hoc ``ALTER TABLE`` on the application's connections is refused
    (``SchemaChangeRefusedError``); one made anyway, on a plain ``sqlite3`` connection, is
    named by ``sqlkeel.drift`` and makes the next start fail with ``DriftError``;
(c) a database made by the old startup code is adopted (``baseline``) and migrated: its
    full-text rows stay findable and the porter stemmer works on them afterwards.

Each check prints ``ok`` or ``FAIL``; the exit status is 0 only if all passed.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # run from anywhere: `python examples/oracle_v2/run.py`

from oracle_app import MIGRATIONS, learn, open_db, search  # noqa: E402
from oracle_app.legacy import init_logging_tables, old_learn  # noqa: E402

import sqlkeel  # noqa: E402

ROGUE_ALTER = "ALTER TABLE search_log ADD COLUMN client TEXT"


class Report:
    """Prints each check and remembers whether one failed."""

    def __init__(self) -> None:
        self.failed = 0

    def check(self, label: str, condition: bool) -> None:
        print(f"  {'ok' if condition else 'FAIL'} {label}")
        self.failed += not condition


def say(text: str, indent: str = "    ") -> None:
    """Print a (possibly multi-line) message indented under the current step."""
    print(textwrap.indent(str(text), indent))


def applied(db: Path) -> list[str]:
    """The migrations the database's journal records as applied."""
    rows = sqlkeel.status(migrations=MIGRATIONS, database=db).rows
    return [row.name for row in rows if row.state == "applied"]


def fresh_clone(db: Path, report: Report) -> None:
    """(a) The first start on a machine that never ran the application."""
    print("== (a) a fresh clone starts the server for the first time")
    print(f"  database: {db} (exists: {db.exists()})")
    conn = open_db(db)
    names = applied(db)
    print(f"  open_db() applied: {', '.join(names)}")
    report.check("the directory and the database file were created", db.is_file())
    report.check(
        "all three migrations were applied, in order",
        names == sorted(p.name for p in MIGRATIONS.glob("*.sql")) and len(names) == 3,
    )
    learn(conn, "run-migrations", "Run the migrations before the server starts", project="oracle")
    learn(conn, "one-connection", "One connection per process, opened in one place")
    hits = search(conn, "running", project="oracle")
    print(f"  search('running') → {[h.id for h in hits]}")
    report.check("porter stemming: 'running' finds the document that says 'Run'", bool(hits))
    logged = conn.execute("SELECT query, project FROM search_log").fetchall()
    report.check("the search was logged with its project", logged == [("running", "oracle")])
    conn.close()
    conn = open_db(db)  # the second start: nothing pending, nothing changes
    report.check("a second start applies nothing", applied(db) == names)
    conn.close()


def rogue_alter(db: Path, report: Report) -> None:
    """(b) DDL outside the migrations: refused where guarded, detected where not."""
    print("== (b) a second connection tries an ad-hoc ALTER TABLE")
    conn = open_db(db)
    print(f"  the HTTP handler's connection (open_db, guarded): {ROGUE_ALTER}")
    try:
        conn.execute(ROGUE_ALTER)
        refused: sqlkeel.SchemaChangeRefusedError | None = None
    except sqlkeel.SchemaChangeRefusedError as exc:
        refused = exc
        say(f"→ {type(exc).__name__}: {exc}")
    report.check("the application's connection refuses the ALTER", refused is not None)

    mcp = sqlkeel.connect(db, guard=True)  # a second process's connection, guarded too
    print("  the old init_logging_tables() on the MCP server's connection (connect(guard=True)):")
    try:
        init_logging_tables(mcp)
        old_code_refused = False
    except sqlkeel.SchemaChangeRefusedError as exc:
        old_code_refused = True
        say(f"→ {type(exc).__name__}: {str(exc).split(':')[0]}: refused")
    mcp.close()
    report.check("the old startup DDL cannot run on a guarded connection", old_code_refused)
    conn.close()

    print(f"  a plain sqlite3 connection (an old build still deployed): {ROGUE_ALTER}")
    rogue = sqlite3.connect(db)
    rogue.execute(ROGUE_ALTER)
    rogue.commit()
    rogue.close()
    print("  → applied: a plain connection has no guard")

    drift = sqlkeel.drift(migrations=MIGRATIONS, database=db)
    print("  sqlkeel.drift():")
    for line in drift.differences:
        say(f"- {line}")
    report.check(
        "drift names the column",
        "column search_log.client exists in the database but in no migration — "
        "added outside migrations?" in drift.differences,
    )

    print("  the next start, open_db():")
    try:
        open_db(db).close()
        drift_error: sqlkeel.DriftError | None = None
    except sqlkeel.DriftError as exc:
        drift_error = exc
        say(f"→ DriftError: {exc}")
    report.check(
        "the next start refuses the drifted database, naming the column",
        drift_error is not None and "column search_log.client" in str(drift_error),
    )

    print("  undo it (the column belongs in schema/ and a migration, if it is wanted):")
    fix = sqlite3.connect(db)
    fix.execute("ALTER TABLE search_log DROP COLUMN client")
    fix.commit()
    fix.close()
    try:
        open_db(db).close()
        restarted = True
    except sqlkeel.SqlkeelError as exc:
        restarted = False
        say(f"→ {type(exc).__name__}: {exc}")
    report.check("after the undo the application starts again", restarted)


def adopt_old_database(db: Path, report: Report) -> None:
    """(c) A database the pre-sqlkeel startup code made: adopt it, then migrate it."""
    print("== (c) a database from before sqlkeel: adopt it, then migrate it")
    old = sqlite3.connect(db)
    init_logging_tables(old)  # the first start of the old build: the ALTERs succeed
    swallowed = init_logging_tables(old)  # every later start: the ALTERs fail, silently
    print("  the old startup ran twice; the second time it swallowed:")
    for line in swallowed:
        say(line)
    old_learn(old, 1, "run-migrations", "Run the migrations before the server starts")
    old_learn(old, 2, "fts-tokenizer", "FTS5 tables need their tokenizer chosen up front")
    old_learn(old, 3, "one-connection", "One connection per process, opened in one place")
    before = old.execute("SELECT id FROM oracle_fts WHERE oracle_fts MATCH 'running'").fetchall()
    print(f"  old database: 3 documents; MATCH 'running' → {before} (no stemmer yet)")
    old.close()

    print("  open_db() on it, before adoption:")
    try:
        open_db(db).close()
        unmanaged: Exception | None = None
    except sqlkeel.UnmanagedDatabaseError as exc:
        unmanaged = exc
        say(f"→ UnmanagedDatabaseError: {exc}")
    print(
        "  (it has no sqlkeel journal: it is older than the migrations, so it is adopted,"
        " not migrated from scratch)"
    )
    report.check(
        "an unmanaged database is refused before anything is applied",
        unmanaged is not None and applied(db) == [],
    )

    result = sqlkeel.baseline(migrations=MIGRATIONS, database=db)
    print(
        f"  sqlkeel.baseline(): its schema equals {result.matched};"
        f" recorded {', '.join(result.recorded)}"
    )
    report.check(
        "the old schema (project added by the try/except ALTER) is migration 0002",
        result.matched == "0002_add_project_to_logs.sql",
    )

    conn = open_db(db)
    names = applied(db)
    print(f"  open_db() now: applied {names[-1]}")
    report.check("the tokenizer migration was applied", names[-1] == "0003_fts_porter_stemming.sql")
    ids = conn.execute("SELECT id FROM oracle_fts ORDER BY rowid").fetchall()
    report.check(
        "every full-text row is still there, with its rowid",
        ids == [("run-migrations",), ("fts-tokenizer",), ("one-connection",)],
    )
    hits = [h.id for h in search(conn, "tokenizer", project="oracle")]
    report.check("an old row is found by its words", hits == ["fts-tokenizer"])
    hits = [h.id for h in search(conn, "running", project="oracle")]
    print(f"  search('running') → {hits}")
    report.check("porter stemming works on the old rows", hits == ["run-migrations"])
    conn.close()
    report.check("no drift after adoption", sqlkeel.drift(migrations=MIGRATIONS, database=db).ok)


def main() -> int:
    """Run the three scenarios in a temporary directory; 0 when every check passed."""
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        db = home / ".oracle-v2" / "oracle.db"
        fresh_clone(db, report)
        rogue_alter(db, report)
        adopt_old_database(Path(tmp) / "old-oracle.db", report)
    print(f"== {'all checks passed' if not report.failed else f'{report.failed} check(s) FAILED'}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
