"""The README's quickstart runs and checks itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_runs_clean() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart" / "run.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert result.stdout.count("  ok ") == 7
    assert "ALTER TABLE \"authors\" RENAME COLUMN \"name\" TO \"handle\"" in result.stdout
