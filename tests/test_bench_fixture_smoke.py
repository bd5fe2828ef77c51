"""Smoke test: ``bench/fixture.py --quick`` runs to the end and prints its figures.

No timing is asserted (CI machines are noisy); the script exits non-zero when a copy of the
template lacks the schema or a pytest run inside it fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fixture.py"


@pytest.mark.slow
def test_bench_fixture_quick_runs_and_prints_figures() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "schema: 50 tables" in out, out
    for label in ("(a) copy() + close()", "(b) copy_to(file)", "the fixture's cost per test"):
        assert label in out, f"{label!r} missing from the output:\n{out}"
    assert re.search(r"cost per test\s+-?\d+\.\d{3} ms", out), out
