"""docs/api.md is generated from the public names' docstrings and must be current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "api_reference.py"


def test_api_reference_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, (
        proc.stdout + proc.stderr + "\nrun: python scripts/api_reference.py"
    )


def test_the_check_fails_when_a_docstring_changes(tmp_path: Path) -> None:
    stale = tmp_path / "api.md"
    stale.write_text(
        (ROOT / "docs" / "api.md").read_text(encoding="utf-8").replace("startup call", "x"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "stale" in proc.stderr


def test_every_public_name_is_documented() -> None:
    import sqlkeel

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in sqlkeel.__all__:
        if name == "__version__":
            continue
        assert re.search(rf"(`|`class |\b){re.escape(name)}(\(|`|\s)", text), name
