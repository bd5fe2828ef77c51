"""Smoke test: ``bench/diff.py --quick`` runs to the end and prints its figures.

No timing is asserted here (CI machines are noisy); the script itself exits non-zero when a
result is wrong (a plan of the wrong shape, rows lost, a schema unlike the target), so a
zero exit status means every correctness check inside the benchmark passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "diff.py"


@pytest.mark.slow
def test_bench_quick_runs_and_prints_figures(tmp_path: Path) -> None:
    # The subprocess inherits SQLKEEL_TEST_SQLITE, so it runs on the same SQLite as the suite.
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--tmpdir", str(tmp_path)],
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
        "load from.sql",
        "plan_schemas(verify=False)",
        "plan_schemas(verify=True)",
        "sqlkeel.plan(from.sql, to.sql)",
        "sqlkeel Plan.apply",
        "hand-written 12-step script",
        "sqlkeel Plan.apply (DROP COLUMN)",
        "12-step rebuild dropping the column",
        "ratio, median of the per-round ratios",
        "ratio of the CPU times",
    ):
        assert label in out, f"{label!r} missing from the output:\n{out}"
    assert re.search(r"plan\s+drop_column\s*$", out, re.M), out
    assert len(re.findall(r"\d+\.\d{3} s", out)) >= 8, out
    assert len(re.findall(r"\d+\.\d+×", out)) >= 4, out
    # Nothing is left behind in the temporary directory it was given.
    assert list(tmp_path.iterdir()) == []
