"""The pre-commit hook (.pre-commit-hooks.yaml) against a temporary git repository.

pre-commit itself validates the manifest; then a real repository with the hook installed as
its git pre-commit hook refuses a commit that changes the schema without a migration, and
one that edits a committed migration, and accepts them once ``sqlkeel generate`` /
``sqlkeel hash`` has been run. The hook runs as ``language: system`` here (the venv's
``sqlkeel`` on PATH) with the manifest's own entry, files and pass_filenames, so the test
needs no network to build the hook's environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (BIN / "pre-commit").exists(),
    reason="needs git and pre-commit (the test extra installs pre-commit)",
)


def manifest_hook() -> dict[str, object]:
    import yaml  # pre-commit's own dependency

    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "sqlkeel-check"]
    return dict(hook)


def run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "HOME": str(tmp_path),
    }
    env.pop("SQLKEEL_DATABASE", None)
    project = tmp_path / "project"
    project.mkdir()
    assert run(project, "git", "init", "-q", "-b", "main", env=env).returncode == 0
    assert run(project, "sqlkeel", "init", env=env).returncode == 0
    (project / "schema" / "app.sql").write_text(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n", encoding="utf-8"
    )
    assert run(project, "sqlkeel", "generate", "--name", "init", env=env).returncode == 0
    hook = manifest_hook()
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n"
        f"      - id: {hook['id']}\n"
        f"        name: {hook['name']}\n"
        f"        entry: {hook['entry']}\n"
        "        language: system\n"
        f"        pass_filenames: {str(hook['pass_filenames']).lower()}\n"
        f"        files: '{hook['files']}'\n",
        encoding="utf-8",
    )
    installed = run(project, "pre-commit", "install", env=env)
    assert installed.returncode == 0, installed.stderr
    return project, env


def commit(project: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    assert run(project, "git", "add", "-A", env=env).returncode == 0
    return run(project, "git", "commit", "-q", "-m", message, env=env)


def test_the_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hook = manifest_hook()
    assert hook["entry"] == "sqlkeel check" and hook["pass_filenames"] is False


def test_a_schema_change_without_a_migration_cannot_be_committed(
    repo: tuple[Path, dict[str, str]],
) -> None:
    project, env = repo
    first = commit(project, env, "init")
    assert first.returncode == 0, first.stdout + first.stderr

    schema = project / "schema" / "app.sql"
    schema.write_text(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n",
        encoding="utf-8",
    )
    refused = commit(project, env, "add a column, forget the migration")
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "sqlkeel check" in out and "Failed" in out
    assert "sqlkeel generate" in out and "ADD COLUMN" in out  # what is missing, and the fix
    assert run(project, "git", "log", "--oneline", env=env).stdout.count("\n") == 1

    assert run(project, "sqlkeel", "generate", "--name", "user_name", env=env).returncode == 0
    accepted = commit(project, env, "add a column with its migration")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_an_edited_migration_cannot_be_committed(repo: tuple[Path, dict[str, str]]) -> None:
    project, env = repo
    assert commit(project, env, "init").returncode == 0
    (migration,) = (project / "migrations").glob("0001_*.sql")
    migration.write_text(
        migration.read_text(encoding="utf-8") + "-- an afterthought\nSELECT 1;\n", encoding="utf-8"
    )
    refused = commit(project, env, "edit an applied migration")
    assert refused.returncode != 0
    assert migration.name in refused.stdout + refused.stderr


def test_unrelated_files_do_not_run_the_hook(repo: tuple[Path, dict[str, str]]) -> None:
    project, env = repo
    assert commit(project, env, "init").returncode == 0
    (project / "NOTES.md").write_text("notes\n", encoding="utf-8")
    done = commit(project, env, "notes only")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no files to check)Skipped" in (done.stdout + done.stderr).replace(".", "")
