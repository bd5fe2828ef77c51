"""Smoke test: ``bench/migrate.py --quick --no-alembic`` runs to the end and prints its figures.

No timing is asserted (CI machines are noisy), and Alembic is not installed (no network).
The script exits non-zero when a result is wrong (a migration not applied, a ``sqlkeel
migrate`` process that fails, ``import sqlkeel`` loading click, rich or SQLAlchemy), so a zero
exit status means every correctness check inside the benchmark passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "migrate.py"


@pytest.mark.slow
def test_bench_migrate_quick_runs_and_prints_figures(tmp_path: Path) -> None:
    # The subprocess inherits SQLKEEL_TEST_SQLITE, so it runs on the same SQLite as the suite.
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--no-alembic", "--tmpdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"SQLite \d+\.\d+\.\d+", out)
    for label in (
        "(1) in-process no-op migrate, 200 applied migrations",
        "first migrate(path, dir): apply all 200",
        "migrate(conn, dir): connection already open",
        "migrate(path, dir): opens and closes its connection",
        "open_database(path, dir): returns the connection open",
        "of which connect(path)",
        "floor: sqlite3.connect + SELECT journal names + close",
        "migrate(conn, dir, verify_checksums=True): the CLI's call",
        "(2) whole processes with nothing to do",
        "--no-alembic: Alembic is not installed",
        "python -c pass (interpreter floor)",
        "sqlkeel migrate -d DB --migrations DIR (200 applied)",
        "the migrate command's body in-process",
        "(3) imports",
        "importtime: import sqlkeel ",
        "importtime: import sqlkeel.cli.main",
        "importtime: sqlkeel migrate, whole no-op run",
        "top 10 imports of the CLI path",
        "self time by top-level package",
        "targets:",
    ):
        assert label in out, f"{label!r} missing from the output:\n{out}"
    # The import checks passed, and the CLI's module is reported (it does load click).
    assert re.search(r"import sqlkeel: loads click/rich/SQLAlchemy\?\s+none\s+ok", out), out
    assert re.search(r"sqlkeel\.connect/\.migrate/\.open_database: load them\?\s+none\s+ok", out)
    assert re.search(r"import sqlkeel\.cli\.main: loads click/rich/SQLAlchemy\?\s+click", out)
    assert "target: median < 2 ms" in out
    assert len(re.findall(r"\d+\.\d{3} / \d+\.\d{3} ms", out)) >= 8, out
    assert len(re.findall(r"^\s+\d+ self\s+\d+ cumulative", out, re.M)) == 10, out
    assert "alembic upgrade head" not in out
    # Nothing is left behind in the temporary directory it was given.
    assert list(tmp_path.iterdir()) == []
