"""Convergence on the shared corpus: every schema pair, on a populated database, both ways.

DESIGN §2 invariants 1 and 2, checked the way sqldef and migra check theirs, but with rows:
for every peer case (``cases/*/*``: from.sql → to.sql) and every consecutive pair of an
application's versions (``apps/*/versions/vNNN.sql``), forward and reverse, the runner in
``corpus_runner.py`` builds FROM in a database file, fills it with rows, plans FROM → TO with
the rename hints, applies the plan and checks that the catalog equals TO, that a second plan
is empty, that every kept row and value survived (renames followed), that foreign keys and
the database are intact, and that the plan says DATA_LOSS exactly when something is dropped.

A NOT NULL column without DEFAULT added to a table with rows must be refused with
``ImpossibleChangeError``; the pair must then converge from an empty FROM instead. Anything
else that cannot converge because of SQLite itself is listed in ``corpus_runner.EXCEPTIONS``
with its reason, and must still fail (the list cannot go stale).

Each case and direction is its own test id, e.g. ``[drizzle-rename-1:reverse]`` or
``[dorkos/v036-v037:forward]``. The whole module skips when ``../shared/corpus`` is absent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import corpus_rows
import corpus_runner as runner

# Over the FROM side of every run, the filler must put rows in at least this share of the
# tables (bench/corpus.py prints the figure: 4,082 of 4,082 when this test was written).
MIN_FILL_SHARE = 0.9


def _run_params() -> list[object]:
    corpus = runner.default_corpus_dir()
    if not corpus.is_dir():
        return [pytest.param("", "", id="corpus-absent")]
    return [
        pytest.param(pair_id, direction, id=f"{pair_id}:{direction}")
        for pair_id in runner.pairs_by_id(corpus)
        for direction in runner.DIRECTIONS
    ]


@pytest.mark.parametrize(("pair_id", "direction"), _run_params())
def test_pair_converges_with_rows(
    corpus_dir: Path,
    tmp_path: Path,
    pair_id: str,
    direction: str,
    record_property: pytest.RecordProperty,
) -> None:
    pair = runner.pairs_by_id(corpus_dir)[pair_id]
    reason = runner.exception_reason(pair_id, direction)
    if reason is None:
        failure = None
        try:
            result = runner.run_pair(pair, direction, tmp_path)
        except runner.ConvergenceFailure as exc:
            failure = str(exc)
        if failure is not None:
            pytest.fail(failure, pytrace=False)
        record_property("outcome", result.outcome)
        record_property("tables_filled", f"{result.tables_filled}/{result.tables}")
        record_property("rows_checked", result.rows_checked)
        return
    try:
        runner.run_pair(pair, direction, tmp_path)
    except runner.ConvergenceFailure as exc:
        pytest.xfail(f"listed exception: {reason} (fails with: {exc.problems[0]})")
    pytest.fail(
        f"{pair_id} ({direction}) is listed in corpus_runner.EXCEPTIONS ({reason!r}) "
        "but converges now: remove the entry"
    )


def test_exceptions_name_real_pairs_and_give_reasons(corpus_dir: Path) -> None:
    pairs = runner.pairs_by_id(corpus_dir)
    for key, reason in runner.EXCEPTIONS.items():
        pair_id, _, direction = key.partition(":")
        assert pair_id in pairs, f"EXCEPTIONS names {pair_id!r}, which is not a corpus pair"
        assert direction in ("", *runner.DIRECTIONS), f"EXCEPTIONS key {key!r}: unknown direction"
        assert reason.strip(), f"EXCEPTIONS[{key!r}] gives no reason"


def test_rows_fill_most_tables(corpus_dir: Path) -> None:
    """The filler puts rows in a substantial share of the tables of every FROM side."""
    tables = filled = 0
    empty: list[str] = []
    for pair in runner.pairs_by_id(corpus_dir).values():
        for direction in runner.DIRECTIONS:
            src_sql = pair.from_sql if direction == "forward" else pair.to_sql
            seed = pair.seed if direction == "forward" else ()
            report = runner.build_database(":memory:", src_sql, seed)
            tables += len(report.tables)
            filled += report.filled
            empty.extend(
                f"{pair.id}:{direction}:{t} ({report.errors.get(t)})" for t in report.empty
            )
    assert tables > 0
    share = filled / tables
    print(f"\ncorpus fill: {filled}/{tables} tables got rows ({share:.1%})")
    assert share >= MIN_FILL_SHARE, f"only {share:.1%} of tables got rows; empty: {empty[:20]}"


def test_filler_respects_constraints(tmp_path: Path) -> None:
    """The filler's rows satisfy CHECK, UNIQUE, NOT NULL, STRICT and foreign keys."""
    conn = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    conn.executescript(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
                             kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));
        CREATE TABLE child (id TEXT PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id),
                            n INTEGER CHECK (n > 0), twice INTEGER GENERATED ALWAYS AS (n * 2));
        CREATE TABLE s (a INTEGER, b TEXT, c ANY) STRICT;
        CREATE VIRTUAL TABLE docs USING fts5(title, body);
        """
    )
    report = corpus_rows.fill_database(conn)
    assert report.empty == [], report.errors
    assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == corpus_rows.ROWS_PER_TABLE
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    kinds = {r[0] for r in conn.execute("SELECT kind FROM parent")}
    assert kinds <= {"a", "b"}
    conn.close()


def test_rename_hints_are_read_and_turned_around() -> None:
    """The runner's own reading of rename hints, which its row mapping depends on."""
    to_sql = (
        "CREATE TABLE users ( -- @renamed from=accounts\n"
        "  user_name text, -- @renamed from=username\n"
        "  age integer\n);\n"
        "CREATE INDEX by_age /* @renamed from=old_by_age */ ON users (age);\n"
    )
    hints = runner.sql_hints(to_sql)
    assert [h.spec() for h in hints] == ["accounts=users", "accounts.username=user_name"]
    assert [h.spec() for h in runner.reverse_hints(tuple(hints))] == [
        "users=accounts",
        "users.user_name=username",
    ]
    drizzle = runner.case_json_hints(["users.name->users.name1", "old->new"])
    assert [h.spec() for h in drizzle] == ["users.name=name1", "old=new"]
