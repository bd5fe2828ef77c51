"""Migrations shipped inside a wheel (DESIGN §4: ``migrate(db, "package:resource")``).

A sample application is built into a wheel and installed, with sqlkeel from this repository,
into a fresh virtual environment; its ``open()`` calls
``sqlkeel.open_database(path, "sampleapp:migrations")`` from another directory after the
sample's source tree is deleted, so the files can only come from site-packages. The same
wheel is then imported as a zip file (zipimport), where ``importlib.resources`` hands the
runner a ``Traversable`` instead of a path.

Slow (a venv and two builds, about 15 s) but part of the default run. It skips only when the
environment cannot be built offline: no ``ensurepip``, or no index to fetch the build backend
from; any other failure fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SAMPLE_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "sampleapp"
version = "1.0"
requires-python = ">=3.10"
dependencies = ["sqlkeel"]

[tool.hatch.build.targets.wheel]
packages = ["sampleapp"]
"""

SAMPLE_INIT = '''\
"""A sample application that ships its migrations as package data."""

from __future__ import annotations

import sqlite3

import sqlkeel


def open(path: str) -> sqlite3.Connection:
    return sqlkeel.open_database(path, "sampleapp:migrations")
'''

SAMPLE_MIGRATIONS = {
    "0001_init.sql": (
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
        "INSERT INTO notes(body) VALUES ('shipped in a wheel');\n"
    ),
    "0002_tags.sql": (
        "CREATE TABLE tags(id INTEGER PRIMARY KEY,"
        " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE, tag TEXT NOT NULL);\n"
        "CREATE INDEX tags_note ON tags(note_id);\n"
    ),
}

# Runs inside the new venv: open the database twice, print what the journal and schema hold.
PROBE = r"""
import json, sys
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])  # the wheel itself, imported as a zip file
import sqlkeel, sampleapp
conn = sampleapp.open(sys.argv[1])
conn.close()
conn = sampleapp.open(sys.argv[1])  # the second start: nothing pending
print(json.dumps({
    "sampleapp": sampleapp.__file__,
    "sqlkeel": sqlkeel.__file__,
    "journal": [r[0] for r in conn.execute("SELECT name FROM _sqlkeel_migrations ORDER BY id")],
    "tables": sorted(r[0] for r in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
    )),
    "notes": conn.execute("SELECT body FROM notes").fetchall(),
}))
"""

# What pip says when it cannot reach an index (not: any failure at all).
OFFLINE_SIGNS = (
    "No matching distribution found for hatchling",
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Failed to establish a new connection",
)


def _run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _pip(python: Path, *args: str, cwd: Path, env: dict[str, str]) -> None:
    result = _run([str(python), "-m", "pip", *args], cwd=cwd, env=env)
    if result.returncode != 0:
        output = result.stdout + result.stderr
        if any(sign in output for sign in OFFLINE_SIGNS):
            pytest.skip(f"pip cannot reach a package index for the build backend: {output[-500:]}")
        raise AssertionError(f"pip {' '.join(args)} failed:\n{output}")


def _write_sample(src: Path) -> None:
    (src / "sampleapp" / "migrations").mkdir(parents=True)
    (src / "pyproject.toml").write_text(SAMPLE_PYPROJECT)
    (src / "sampleapp" / "__init__.py").write_text(SAMPLE_INIT)
    for name, text in SAMPLE_MIGRATIONS.items():
        (src / "sampleapp" / "migrations" / name).write_text(text)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(venv python, sampleapp wheel, env): sqlkeel and sampleapp installed from wheels."""
    base = tmp_path_factory.mktemp("package")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "SQLKEEL_TEST_SQLITE"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    if made.returncode != 0 and "ensurepip" in made.stdout + made.stderr:
        pytest.skip(f"python -m venv cannot install pip here: {made.stderr[-300:]}")
    assert made.returncode == 0, made.stdout + made.stderr
    python = venv / "bin" / "python"

    _pip(python, "install", "--quiet", str(ROOT), cwd=base, env=env)
    src = base / "sampleapp-src"
    _write_sample(src)
    dist = base / "dist"
    _pip(python, "wheel", "--quiet", "--no-deps", "-w", str(dist), str(src), cwd=base, env=env)
    wheels = list(dist.glob("sampleapp-*.whl"))
    assert len(wheels) == 1, wheels
    _pip(python, "install", "--quiet", "--no-deps", str(wheels[0]), cwd=base, env=env)
    shutil.rmtree(src)  # from now on the migrations exist only inside the wheel and the venv
    return python, wheels[0], env


@pytest.mark.slow
def test_open_database_reads_migrations_from_the_installed_wheel(
    installed: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    python, _, env = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db = tmp_path / "data" / "sample.db"
    result = _run([str(python), "-I", "-c", PROBE, str(db)], cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    venv = python.parent.parent.resolve()
    assert Path(report["sampleapp"]).resolve().is_relative_to(venv), report["sampleapp"]
    assert "site-packages" in Path(report["sampleapp"]).parts
    assert Path(report["sqlkeel"]).resolve().is_relative_to(venv), report["sqlkeel"]
    assert report["journal"] == sorted(SAMPLE_MIGRATIONS)
    assert report["tables"] == ["notes", "tags"]
    assert report["notes"] == [["shipped in a wheel"]]

    # The installed console script takes the same package:resource.
    cli = _run(
        [
            str(python.parent / "sqlkeel"),
            "migrate",
            "-d",
            str(tmp_path / "cli.db"),
            "--migrations",
            "sampleapp:migrations",
            "--format",
            "json",
        ],
        cwd=elsewhere,
        env=env,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert [m["name"] for m in json.loads(cli.stdout)["applied"]] == sorted(SAMPLE_MIGRATIONS)


@pytest.mark.slow
def test_open_database_reads_migrations_from_a_zipped_package(
    installed: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    python, wheel, env = installed
    db = tmp_path / "zipped.db"
    result = _run([str(python), "-I", "-c", PROBE, str(db), str(wheel)], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["sampleapp"].startswith(str(wheel)), report["sampleapp"]  # from the zip
    assert report["journal"] == sorted(SAMPLE_MIGRATIONS)
    assert report["tables"] == ["notes", "tags"]
