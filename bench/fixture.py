"""What the pytest plugin's fixture costs per test, for a 50-table schema.

Three measurements, in a temporary directory:

(a) ``MigratedTemplate.copy()`` + ``close()``, the work behind ``sqlkeel_db``: median of many
    calls in one process (target: under 1 ms).
(b) ``MigratedTemplate.copy_to(file)``, the work behind ``sqlkeel_db_path`` (a file: slower,
    reported, no target).
(c) A real pytest run of N tests that each take ``sqlkeel_db``, against the same N tests
    taking nothing: the difference divided by N is the fixture's whole cost per test, as a
    user's suite sees it (pytest's own fixture machinery included). Target: under 1 ms.

Usage::

    python bench/fixture.py            # N = 2000
    python bench/fixture.py --quick    # N = 200, a smoke run

The exit status is 1 when a result is wrong (a copy without the schema); a missed timing
target is reported, not failed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = 50


def write_migrations(directory: Path) -> None:
    """50 tables with keys, foreign keys, indexes and a trigger each, in 5 migrations."""
    directory.mkdir(parents=True)
    per_file = TABLES // 5
    for f in range(5):
        parts = []
        for i in range(f * per_file, (f + 1) * per_file):
            parent = f"REFERENCES t{i - 1}(id) ON DELETE CASCADE" if i else ""
            parts.append(
                f"CREATE TABLE t{i} (\n  id INTEGER PRIMARY KEY,\n"
                f"  parent_id INTEGER {parent},\n  name TEXT NOT NULL COLLATE NOCASE,\n"
                f"  qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0),\n"
                f"  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n"
                f"CREATE INDEX t{i}_name ON t{i}(name);\n"
                f"CREATE INDEX t{i}_parent ON t{i}(parent_id);\n"
                f"CREATE TRIGGER t{i}_touch AFTER UPDATE ON t{i} BEGIN\n"
                f"  UPDATE t{i} SET created = CURRENT_TIMESTAMP WHERE id = new.id;\nEND;\n"
            )
        (directory / f"{f + 1:04d}_part{f + 1}.sql").write_text("".join(parts), encoding="utf-8")


def median_ms(func: object, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def pytest_seconds(project: Path, test_file: str, n: int) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0 or f"{n} passed" not in run.stdout:
        sys.exit(f"pytest run failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (N = 200)")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    from sqlkeel.testing import MigratedTemplate

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_migrations(root / "migrations")
        (root / "sqlkeel.toml").write_text(
            '[tool.sqlkeel]\nmigrations = "migrations"\n', encoding="utf-8"
        )
        started = time.perf_counter()
        template = MigratedTemplate(root / "migrations")
        migrate_s = time.perf_counter() - started
        copy = template.copy()
        tables = copy.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()
        copy.close()
        if tables[0] < TABLES:
            print(f"wrong: the copy has {tables[0]} tables", file=sys.stderr)
            return 1
        pages = template.connection.execute("PRAGMA page_count").fetchone()[0]
        print(f"sqlkeel fixture benchmark · Python {sys.version.split()[0]} · {os.cpu_count()} CPUs")
        print(f"schema: {TABLES} tables, {TABLES * 2} indexes, {TABLES} triggers; {pages} pages")
        print(f"  migrating the template once (session)            {migrate_s * 1000:8.2f} ms")

        def in_memory() -> None:
            template.copy().close()

        counter = iter(range(10**9))

        def to_file() -> None:
            template.copy_to(root / f"copy{next(counter)}.db")

        med, p95 = median_ms(in_memory, 5000 if not args.quick else 500)
        print(f"(a) copy() + close(), median / p95                 {med:8.3f} / {p95:.3f} ms"
              f"  target < 1 ms: {'ok' if med < 1 else 'MISSED'}")
        med_f, p95_f = median_ms(to_file, 300 if not args.quick else 50)
        print(f"(b) copy_to(file), median / p95                    {med_f:8.3f} / {p95_f:.3f} ms")
        template.close()

        (root / "test_with.py").write_text(
            f"import pytest\n\n@pytest.mark.parametrize('i', range({n}))\n"
            "def test_it(sqlkeel_db, i):\n    pass\n",
            encoding="utf-8",
        )
        (root / "test_without.py").write_text(
            f"import pytest\n\n@pytest.mark.parametrize('i', range({n}))\n"
            "def test_it(i):\n    pass\n",
            encoding="utf-8",
        )
        with_s, without_s = [], []
        for _ in range(3):
            without_s.append(pytest_seconds(root, "test_without.py", n))
            with_s.append(pytest_seconds(root, "test_with.py", n))
        per_test = (statistics.median(with_s) - statistics.median(without_s)) / n * 1000
        print(f"(c) pytest, {n} tests: with sqlkeel_db {statistics.median(with_s):.2f} s, "
              f"without {statistics.median(without_s):.2f} s (medians of 3)")
        print(f"    the fixture's cost per test                    {per_test:8.3f} ms"
              f"  target < 1 ms: {'ok' if per_test < 1 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
