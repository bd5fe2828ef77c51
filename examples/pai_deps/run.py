"""pai-deps' failure-mode table, run for real against sqlkeel: ``python run.py``.

The original plan listed how opening the registry could fail — the directory cannot be
created, the database is locked, the schema does not match — and answered each with "show a
clear error". This script works in a temporary directory (a temporary ``HOME``) and shows:

1. the first command creates ``~/.pai-deps/registry.db`` and applies the migrations;
2. deleting a tool deletes its dependencies, contracts and verifications (ON DELETE CASCADE,
   enforced because sqlkeel opens every connection with foreign keys on);
3. each failure is a ``RegistryError`` that says what to do: a path under a regular file, a
   read-only directory and a read-only registry (as the ``nobody`` user, when this runs as
   root), a registry locked by another process during a pending migration, registries made
   by older pai-deps versions (one adopted, one refused), and a registry changed by hand.

Each check prints ``ok`` or ``FAIL``; the exit status is 0 only if all passed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # run from anywhere: `python examples/pai_deps/run.py`

from pai_deps import MIGRATIONS, RegistryError, open_registry, registry_path  # noqa: E402
from pai_deps.db import BUSY_TIMEOUT_MS, LOCK_TIMEOUT  # noqa: E402
from pai_deps.legacy import create_registry  # noqa: E402
from pai_deps.registry import (  # noqa: E402
    add_contract,
    add_dependency,
    counts,
    record_cycle,
    record_verification,
    register_tool,
    remove_tool,
    rows_of,
)

import sqlkeel  # noqa: E402

# Holds the write lock on a registry until its stdin is closed: another pai-deps process in
# the middle of a long write.
LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


class Report:
    """Prints each check and remembers whether one failed."""

    def __init__(self) -> None:
        self.failed = 0

    def check(self, label: str, condition: bool) -> None:
        print(f"  {'ok' if condition else 'FAIL'} {label}")
        self.failed += not condition


def say(text: str, indent: str = "    ") -> None:
    """Print a (possibly multi-line) message indented under the current step."""
    print(textwrap.indent(str(text), indent))


def open_error(
    path: str | os.PathLike[str] | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> str | None:
    """The RegistryError message of opening ``path`` (None if it opened)."""
    try:
        open_registry(path, lock_timeout=lock_timeout, busy_timeout_ms=busy_timeout_ms).close()
    except RegistryError as exc:
        return str(exc)
    return None


def applied(db: Path) -> list[str]:
    """The migrations the registry's journal records as applied."""
    rows = sqlkeel.status(migrations=MIGRATIONS, database=db).rows
    return [row.name for row in rows if row.state == "applied"]


def run_as_nobody(func: Callable[[], str]) -> tuple[int, str] | None:
    """Run ``func`` in a forked child that switched to the ``nobody`` user.

    Returns ``(0, what func returned)``, or ``(1, the exception)`` if it raised; None when
    switching user is impossible here (not root, no ``nobody``, no fork). A fork rather than
    a new interpreter: the interpreter may live where ``nobody`` cannot read it, and the
    child inherits the modules already imported.
    """
    if not hasattr(os, "fork") or os.geteuid() != 0:
        return None
    try:
        import pwd

        user = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_end)
            try:
                os.setgroups([])
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
            except OSError as exc:
                status, out = 3, f"cannot switch to nobody: {exc}"
            else:
                try:
                    out = func()
                except BaseException as exc:
                    status, out = 1, f"{type(exc).__name__}: {exc}"
            os.write(write_end, out.encode())
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    return None if code == 3 else (code, b"".join(chunks).decode())


def first_use(report: Report) -> Path:
    """1. The first command on a machine creates the directory and the registry."""
    print("== 1. the first command creates ~/.pai-deps/registry.db")
    db = registry_path()
    print(f"  registry: {db} (directory exists: {db.parent.exists()})")
    conn = open_registry()
    print(f"  open_registry() applied: {', '.join(applied(db))}")
    report.check("the directory and the registry were created", db.is_file())
    report.check("both migrations were applied", len(applied(db)) == 2)
    report.check("foreign keys are on", conn.execute("PRAGMA foreign_keys").fetchone() == (1,))
    conn.close()
    return db


def cascade(report: Report) -> None:
    """2. Deleting a tool deletes what hangs off it."""
    print("== 2. deleting a tool deletes its dependencies, contracts and verifications")
    conn = open_registry()
    register_tool(conn, "email-cli", path="/opt/tools/email")
    register_tool(conn, "calendar-mcp", path="/opt/tools/calendar", type="mcp")
    register_tool(conn, "daily-brief", path="/opt/tools/brief", type="workflow")
    add_dependency(conn, "daily-brief", "email-cli")
    add_dependency(conn, "daily-brief", "calendar-mcp", type="mcp")
    add_dependency(conn, "email-cli", "calendar-mcp", type="mcp", optional=True)
    contract = add_contract(conn, "email-cli", "email-cli search --json")
    record_verification(conn, contract, "pass", duration_ms=120)
    record_verification(conn, contract, "drift", details={"field": "subject"}, duration_ms=95)
    add_contract(conn, "calendar-mcp", "calendar.list_events", contract_type="mcp_tool")
    record_cycle(conn, ["daily-brief", "email-cli", "daily-brief"])
    before = counts(conn)
    print(f"  before: {before}")
    print(f"  rows that refer to email-cli: {rows_of(conn, 'email-cli')}")
    try:
        add_dependency(conn, "daily-brief", "not-registered")
        refused = False
    except sqlite3.IntegrityError as exc:
        refused = True
        print(f"  a dependency on an unregistered tool → IntegrityError: {exc}")
    report.check("a dependency on an unregistered tool is refused", refused)
    remove_tool(conn, "email-cli")
    after = counts(conn)
    print(f"  after remove_tool('email-cli'): {after}")
    report.check(
        "its dependencies, contracts and verifications are gone",
        rows_of(conn, "email-cli") == {"dependencies": 0, "contracts": 0, "verifications": 0},
    )
    report.check(
        "everything else is kept",
        after
        == {"tools": 2, "dependencies": 1, "contracts": 1, "verifications": 0, "circular_deps": 1},
    )
    report.check("no orphans", conn.execute("PRAGMA foreign_key_check").fetchall() == [])
    conn.close()


def not_a_directory(tmp: Path, report: Report) -> None:
    """3a. Something on the path is a regular file."""
    print("== 3a. the registry's directory would be under a regular file")
    blocker = tmp / "home-is-a-file"
    blocker.write_text("")
    message = open_error(blocker / ".pai-deps" / "registry.db")
    say(f"→ RegistryError: {message}")
    report.check(
        "the error names the file in the way and says what to do",
        message is not None
        and f"{blocker} is a file, not a directory" in message
        and "move that file away, or set PAI_DEPS_DB" in message,
    )


def read_only(tmp: Path, report: Report) -> None:
    """3b. A directory or registry this user cannot write (as ``nobody``, when root)."""
    print("== 3b. a read-only home, and a read-only registry (run as the nobody user)")
    os.chmod(tmp, 0o755)  # nobody must reach the directories below
    home = tmp / "root-owned-home"
    home.mkdir(mode=0o755)
    target = home / ".pai-deps" / "registry.db"
    result = run_as_nobody(lambda: open_error(target) or "opened")
    if result is None:
        print("  skipped: switching to the nobody user is impossible here (not root?)")
        return
    say(f"→ as nobody, no ~/.pai-deps yet: {result[1]}")
    report.check(
        "a home nobody cannot write: the directory cannot be created, and what to do",
        result[0] == 0
        and "cannot create the database directory (permission denied)" in result[1]
        and f"make {home} writable for this user, or set PAI_DEPS_DB" in result[1],
    )
    open_registry(target).close()  # root creates it; nobody may read it but not write it
    result = run_as_nobody(lambda: open_error(target) or "opened")
    assert result is not None
    say(f"→ as nobody, a registry owned by root: {result[1]}")
    report.check(
        "a registry nobody cannot write: named, and what to do",
        result[0] == 0
        and "the registry is read-only for this user" in result[1]
        and "Make it writable for the user who runs pai-deps" in result[1],
    )


def locked(tmp: Path, report: Report) -> None:
    """3c. Another process holds the write lock while a migration is pending."""
    print("== 3c. another pai-deps holds the registry while this one has a migration to apply")
    db = tmp / "locked" / "registry.db"
    sqlkeel.migrate(db, MIGRATIONS, to=1)  # the registry an older pai-deps (0001 only) made
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        print("  the other process: BEGIN IMMEDIATE (and it keeps the lock)")
        message = open_error(db, lock_timeout=0.5, busy_timeout_ms=100)
        say(f"→ RegistryError after 0.5 s: {message}")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    report.check(
        "the error says the registry is locked and what to do",
        message is not None
        and "stayed locked for 0.5 s; nothing was applied" in message
        and "wait for it to finish (or stop it), then run this command again" in message,
    )
    report.check("nothing was applied", applied(db) == ["0001_initial.sql"])
    message = open_error(db)
    report.check(
        "once the other process is done, the migration is applied",
        message is None and len(applied(db)) == 2,
    )


def older_versions(tmp: Path, report: Report) -> None:
    """3d. Registries created by pai-deps versions that did not track their schema."""
    print("== 3d. registries from older pai-deps versions, which did not track their schema")
    v02 = tmp / "v0.2.db"
    create_registry(str(v02), "0.2")
    message = open_error(v02)
    print(f"  pai-deps 0.2's registry: {'opened' if message is None else message}")
    report.check(
        "0.2's registry is adopted (its tables are 0001) and migrated",
        message is None and len(applied(v02)) == 2,
    )
    conn = open_registry(v02)
    report.check("its tools are kept", counts(conn)["tools"] == 1)
    conn.close()

    v01 = tmp / "v0.1.db"
    create_registry(str(v01), "0.1")
    before = v01.read_bytes()
    message = open_error(v01)
    say(f"→ pai-deps 0.1's registry: RegistryError: {message}")
    report.check(
        "0.1's registry is refused: the differences, and what to do",
        message is not None
        and "match no version this pai-deps knows (closest: 0001_initial.sql)" in message
        and "table circular_deps is missing from the database" in message
        and f"mv {v01} {v01}.old" in message,
    )
    report.check("and it was not changed", v01.read_bytes() == before)


def changed_by_hand(tmp: Path, report: Report) -> None:
    """3e. A managed registry whose schema was changed outside pai-deps."""
    print("== 3e. a registry whose schema was changed by hand")
    db = tmp / "hand-edited" / "registry.db"
    open_registry(db).close()
    plain = sqlite3.connect(db)
    plain.execute("ALTER TABLE tools ADD COLUMN owner TEXT")
    plain.commit()
    plain.close()
    message = open_error(db)
    say(f"→ RegistryError: {message}")
    report.check(
        "refused, naming the column, and what to do",
        message is not None
        and "column tools.owner exists in the database but in no migration" in message
        and "Undo that change, or move the registry aside" in message,
    )


def main() -> int:
    """Run every scenario under a temporary HOME; 0 when every check passed."""
    report = Report()
    logging.basicConfig(level=logging.INFO, format="  pai-deps: %(message)s", stream=sys.stdout)
    saved = {k: os.environ.get(k) for k in ("HOME", "PAI_DEPS_DB")}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["HOME"] = str(tmp / "home")
        os.environ.pop("PAI_DEPS_DB", None)
        try:
            first_use(report)
            cascade(report)
            not_a_directory(tmp, report)
            read_only(tmp, report)
            locked(tmp, report)
            older_versions(tmp, report)
            changed_by_hand(tmp, report)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    print(f"== {'all checks passed' if not report.failed else f'{report.failed} check(s) FAILED'}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
