"""Run the corpus convergence runner outside pytest and print its figures.

The same runner as ``tests/test_corpus_convergence.py`` (``tests/corpus_runner.py``, one
implementation): every pair of ``../shared/corpus``, populated, forward and reverse. Prints
pairs and runs, how many converged, the runs that SQLite cannot do on rows (converged from an
empty FROM instead), the listed exceptions with their reasons, failures, rows checked and the
share of tables the filler put rows in.

Usage::

    .venv/bin/python bench/corpus.py [--corpus DIR] [--json]
    SQLKEEL_TEST_SQLITE=pysqlite3 .venv/bin/python bench/corpus.py   # on pysqlite3's SQLite

Exit status: 0 when every run converged or is a listed exception that still fails, else 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_TESTS = _HERE.parent / "tests"


def _choose_sqlite() -> None:
    """The same switch as tests/conftest.py: put another sqlite3 module in place first."""
    driver = os.environ.get("SQLKEEL_TEST_SQLITE", "").strip()
    if driver and driver != "sqlite3":
        module = importlib.import_module("pysqlite3.dbapi2" if driver == "pysqlite3" else driver)
        sys.modules["sqlite3"] = module


def main(argv: list[str] | None = None) -> int:
    """Run the whole corpus once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=None, help="corpus directory (default: ../shared/corpus)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    _choose_sqlite()
    sys.path.insert(0, str(_TESTS))
    import sqlite3

    import corpus_runner

    corpus = args.corpus or corpus_runner.default_corpus_dir()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 1
    pairs = len(corpus_runner.pairs_by_id(corpus))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sqlkeel-corpus-") as work:
        summary = corpus_runner.run_corpus(corpus, Path(work))
    seconds = time.perf_counter() - started

    figures = {
        "sqlite": sqlite3.sqlite_version,
        "pairs": pairs,
        "runs": summary.runs,
        "converged_with_rows": summary.converged,
        "impossible_with_rows_converged_from_empty": summary.impossible_with_rows,
        "exceptions": summary.exceptions,
        "stale_exceptions": summary.stale_exceptions,
        "failures": summary.failures,
        "rows_checked": summary.rows_checked,
        "tables": summary.tables,
        "tables_filled": summary.tables_filled,
        "seconds": round(seconds, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print(f"SQLite {sqlite3.sqlite_version} ({sqlite3.__name__}), corpus {corpus.name}/")
        print(f"pairs: {pairs} ({summary.runs} runs: forward and reverse)")
        print(f"converged with rows: {summary.converged}")
        print(
            f"refused on rows as SQLite requires (ImpossibleChangeError), converged from an empty "
            f"FROM: {len(summary.impossible_with_rows)}"
        )
        for item in summary.impossible_with_rows:
            print(f"  - {item}")
        print(f"listed exceptions (still failing): {len(summary.exceptions)}")
        for run_id, reason in summary.exceptions.items():
            print(f"  - {run_id}: {reason}")
        if summary.stale_exceptions:
            print(
                f"STALE exceptions (converge now, remove them): {', '.join(summary.stale_exceptions)}"
            )
        print(f"failures: {len(summary.failures)}")
        for run_id, problems in summary.failures.items():
            print(f"  - {run_id}")
            for problem in problems[:5]:
                print(f"      {problem}")
        print(f"rows checked: {summary.rows_checked}")
        print(f"tables filled: {summary.tables_filled}/{summary.tables} ({summary.fill_share:.1%})")
        print(f"time: {seconds:.1f} s")
    return 1 if summary.failures or summary.stale_exceptions else 0


if __name__ == "__main__":
    sys.exit(main())
