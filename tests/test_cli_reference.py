"""docs/cli.md must match the current ``--help`` of every command (scripts/cli_reference.py).

When this fails, a command's help changed: run ``python scripts/cli_reference.py`` and commit
docs/cli.md.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sqlkeel.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cli_reference.py"
REFERENCE = ROOT / "docs" / "cli.md"


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_current(reference: ModuleType) -> None:
    current = REFERENCE.read_text(encoding="utf-8")
    assert current == reference.render(), (
        "docs/cli.md is stale: run `python scripts/cli_reference.py` and commit docs/cli.md"
    )


def test_every_command_is_documented_with_its_exit_codes(reference: ModuleType) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## `sqlkeel {name}`" in text
        assert name in reference.EXIT_CODES, f"add the exit codes of `{name}` to EXIT_CODES"
        assert f"Usage: sqlkeel {name} " in text


def test_the_output_does_not_depend_on_the_terminal(
    reference: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = set()
    for columns in (40, 80, 300):
        monkeypatch.setenv("COLUMNS", str(columns))
        monkeypatch.setattr(
            shutil, "get_terminal_size", lambda *a, c=columns: os.terminal_size((c, 24))
        )
        outputs.add(reference.render())
    assert len(outputs) == 1


def test_check_exits_1_when_stale_and_0_when_current(tmp_path: Path) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("# an old reference\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "stale" in done.stderr
    assert stale.read_text(encoding="utf-8") == "# an old reference\n"  # --check writes nothing
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(stale)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert stale.read_text(encoding="utf-8") == REFERENCE.read_text(encoding="utf-8")
