"""Benchmarks of sqlkeel's no-op migration path, printed as a small table.

What an application pays at every start when there is nothing to migrate, and what a deploy
step pays for ``sqlkeel migrate`` (everything lives in a temporary directory; nothing is
written into the repository):

(1) In-process no-op :func:`sqlkeel.migrate` on a database that has applied 200 migrations
    (median and p95 of many calls). Both forms: an open connection (from
    :func:`sqlkeel.connect`), and a path (each call opens and closes its connection), plus
    :func:`sqlkeel.open_database` and ``connect()`` alone to show where the time goes.
    Target: median < 2 ms for the startup call an application makes. That call has to open
    the database (``migrate(path, dir)`` or ``open_database(path, dir)``), so the verdict is
    given on ``migrate(path, dir)``, the form that also closes it; the connection form is the
    cost of the migration check alone.
(2) ``sqlkeel migrate -d DB --migrations DIR`` as a whole process with nothing to do (the
    console script beside this interpreter), against a no-op ``alembic upgrade head`` on an
    Alembic project made in the same run (``alembic init``, a SQLite URL, 20 trivial
    revisions, upgraded once; Alembic and SQLAlchemy are installed with pip into a throwaway
    venv in the temporary directory). Rounds are interleaved, and ``python -c pass`` is timed
    in the same rounds as the floor. Child processes keep their bytecode cache in the
    temporary directory (``PYTHONPYCACHEPREFIX``), as an installed program has one; without
    it (``PYTHONDONTWRITEBYTECODE`` and no ``__pycache__``) both tools would compile their
    sources at every start. Target: Alembic / sqlkeel ≥ 10×.
(3) ``import sqlkeel`` must not import click, rich or SQLAlchemy (checked in a fresh
    process), and ``python -X importtime`` totals for ``import sqlkeel``, for the CLI's
    module and for a whole no-op ``sqlkeel migrate`` run, with that run's ten most expensive
    imports by self time.

Usage::

    python bench/migrate.py                # full run (under a minute, pip included)
    python bench/migrate.py --quick        # few repetitions, a smoke run
    python bench/migrate.py --no-alembic   # skip installing Alembic (no network needed)
    python bench/migrate.py --profile      # also print cProfile of the in-process no-op

``SQLKEEL_TEST_SQLITE=pysqlite3`` runs the in-process part on pysqlite3's SQLite, as in the
test suite (the CLI processes always use the interpreter's own sqlite3). The exit status is 1
when a result is wrong (a migration not applied, a CLI run that fails, click/rich/SQLAlchemy
imported by ``import sqlkeel``); missed timing targets are reported, not failed.
"""

from __future__ import annotations

import argparse
import importlib
import io
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

_driver = os.environ.get("SQLKEEL_TEST_SQLITE", "").strip()
if _driver and _driver != "sqlite3":
    sys.modules["sqlite3"] = importlib.import_module(
        "pysqlite3.dbapi2" if _driver == "pysqlite3" else _driver
    )

import sqlite3  # noqa: E402

import sqlkeel  # noqa: E402
from sqlkeel.store.journal import JOURNAL_TABLE as JOURNAL  # noqa: E402

NOOP_TARGET_MS = 2.0
CLI_RATIO_TARGET = 10.0
FORBIDDEN = ("click", "rich", "sqlalchemy")
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""


class BenchFailure(Exception):
    """A benchmark produced a wrong result (not merely a slow one)."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchFailure(message)


# --- output and statistics ------------------------------------------------------------------


def heading(text: str) -> None:
    print(f"\n{text}")


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<58} {value:>22}  {note}".rstrip())


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Times:
    """Wall and CPU seconds of repeated calls (CPU time is what a busy machine disturbs least)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def med_p95(times: Times) -> str:
    """Milliseconds: 'median / p95' of the wall times."""
    return f"{times.median * 1000:.3f} / {p95(times.wall) * 1000:.3f} ms"


def cpu_note(times: Times, extra: str = "") -> str:
    return f"cpu {times.cpu_median * 1000:.3f} ms" + (f"  {extra}" if extra else "")


def sample(fn: Callable[[], object], runs: int, warmup: int = 5) -> Times:
    """Times of ``runs`` calls of ``fn``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = Times()
    for _ in range(runs):
        cpu = time.process_time()
        started = time.perf_counter()
        fn()
        times.add(time.perf_counter() - started, time.process_time() - cpu)
    return times


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "unknown"


def _filesystem(path: Path) -> str:
    """The file system type holding ``path`` (Linux only; 'unknown' elsewhere)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    resolved = str(path.resolve())
    best, kind = "", "unknown"
    for line in mounts:
        parts = line.split()
        if (
            len(parts) >= 3
            and (resolved + "/").startswith(parts[1].rstrip("/") + "/")
            and len(parts[1]) >= len(best)
        ):
            best, kind = parts[1], parts[2]
    return kind


# --- (1) the in-process no-op ---------------------------------------------------------------


def write_migrations(directory: Path, count: int) -> None:
    """``count`` small migrations: one table and one index each."""
    directory.mkdir(parents=True)
    for i in range(1, count + 1):
        (directory / f"{i:04d}_create_t{i}.sql").write_text(
            f"-- migration {i}\n"
            f"CREATE TABLE t{i} (\n"
            "  id INTEGER PRIMARY KEY,\n"
            "  name TEXT NOT NULL,\n"
            "  created_at TEXT\n"
            ");\n"
            f"CREATE INDEX t{i}_name ON t{i}(name);\n",
            encoding="utf-8",
        )


def bench_in_process(db: Path, migrations: Path, count: int, runs: int) -> bool:
    heading(
        f"(1) in-process no-op migrate, {count} applied migrations (wall median / p95; CPU median)"
    )
    started = time.perf_counter()
    first = sqlkeel.migrate(db, migrations)
    check(len(first.applied) == count, f"applied {len(first.applied)} of {count} migrations")
    row(f"first migrate(path, dir): apply all {count}", f"{time.perf_counter() - started:.3f} s")

    conn = sqlkeel.connect(db)
    try:
        again = sqlkeel.migrate(conn, migrations)
        check(
            not again.applied and again.already_applied == count,
            f"the second migrate was not a no-op: {again}",
        )
        by_conn = sample(lambda: sqlkeel.migrate(conn, migrations), runs)
        verified = sample(
            lambda: sqlkeel.migrate(conn, migrations, verify_checksums=True),
            max(3, runs // 10),
            warmup=2,
        )
    finally:
        conn.close()

    # No other connection is open from here on, as at an application's start: the first read
    # opens the -wal and -shm files, and the last close checkpoints and removes them. The
    # forms are interleaved, so that a noisy machine slows them alike.
    def raw_floor() -> None:
        c = sqlite3.connect(str(db), isolation_level=None)
        c.execute(f"SELECT name FROM {JOURNAL}").fetchall()
        c.close()

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    segments = {"path": 0, "open_database": 1, "connect": 3, "close": 4, "floor": 5}
    times = {name: Times() for name in segments}
    for i in range(runs + 5):  # the first 5 rounds are not counted
        marks = [now()]
        sqlkeel.migrate(db, migrations)
        marks.append(now())
        c = sqlkeel.open_database(db, migrations)
        marks.append(now())
        c.close()  # not counted: the application keeps this connection
        marks.append(now())
        c = sqlkeel.connect(db)
        marks.append(now())
        c.close()
        marks.append(now())
        raw_floor()
        marks.append(now())
        if i >= 5:
            for name, k in segments.items():
                times[name].add(marks[k + 1][0] - marks[k][0], marks[k + 1][1] - marks[k][1])

    ok = times["path"].median * 1000 < NOOP_TARGET_MS
    row("migrate(conn, dir): connection already open", med_p95(by_conn), cpu_note(by_conn))
    row(
        "migrate(path, dir): opens and closes its connection",
        med_p95(times["path"]),
        cpu_note(times["path"], f"target: median < {NOOP_TARGET_MS:g} ms {verdict(ok)}"),
    )
    for label, name in (
        ("open_database(path, dir): returns the connection open", "open_database"),
        ("  of which connect(path), house pragmas", "connect"),
        ("  closing that connection (last one: WAL checkpoint)", "close"),
        ("floor: sqlite3.connect + SELECT journal names + close", "floor"),
    ):
        row(label, med_p95(times[name]), cpu_note(times[name]))
    row(
        "migrate(conn, dir, verify_checksums=True): the CLI's call",
        med_p95(verified),
        cpu_note(verified),
    )
    print(
        f"  ({runs} timed calls each, {max(3, runs // 10)} with checksums. The target is the "
        "startup call an application makes;\n   it has to open the database, so it is judged "
        "on the path form; the connection form is the check alone)"
    )
    return ok


def profile_in_process(db: Path, migrations: Path, calls: int) -> None:
    import cProfile
    import pstats

    forms: tuple[tuple[str, Callable[[], object]], ...] = (
        ("migrate(path, dir)", lambda: sqlkeel.migrate(db, migrations)),
        (
            "migrate(path, dir, verify_checksums=True)",
            lambda: sqlkeel.migrate(db, migrations, verify_checksums=True),
        ),
    )
    for label, fn in forms:
        heading(f"cProfile: {calls} no-op {label}, top 15 by own time")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            fn()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(15)
        text = out.getvalue()
        print(text[text.find("   ncalls") :].rstrip())


# --- (2) whole processes: sqlkeel migrate against alembic upgrade head ----------------------

ALEMBIC_REVISION = '''"""create table t{i}

Revision ID: {rev}
Revises: {down_doc}
Create Date: 2025-01-01 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "t{i}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text),
    )
    op.create_index("t{i}_name", "t{i}", ["name"])


def downgrade() -> None:
    op.drop_table("t{i}")
'''


@dataclass
class Alembic:
    command: list[str]
    cwd: Path
    versions: str


_CHILD_ENV: dict[str, str] = dict(os.environ)


def use_pycache_in(workdir: Path) -> None:
    """Child processes cache bytecode under ``workdir`` (and only there), as an installed
    program would in its ``__pycache__``: without it, PYTHONDONTWRITEBYTECODE or a read-only
    tree would make every start compile sqlkeel (and Alembic) from source."""
    _CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    _CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")


def _run(cmd: Sequence[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=_CHILD_ENV,
    )


def _tail(proc: subprocess.CompletedProcess[str]) -> str:
    text = (proc.stderr or proc.stdout or "").strip().splitlines()
    return " | ".join(text[-3:]) or f"exit status {proc.returncode}"


def setup_alembic(workdir: Path, revisions: int) -> Alembic | str:
    """An upgraded Alembic project in ``workdir``, or why there is none."""
    venv = workdir / "alembic-venv"
    proc = _run([sys.executable, "-m", "venv", str(venv)], workdir)
    if proc.returncode != 0:
        return f"python -m venv failed: {_tail(proc)}"
    python = venv / BIN / f"python{EXE}"
    started = time.perf_counter()
    proc = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "alembic",
            "SQLAlchemy",
        ],
        workdir,
        timeout=900,
    )
    if proc.returncode != 0:
        return f"pip install alembic SQLAlchemy failed: {_tail(proc)}"
    installed = time.perf_counter() - started
    proc = _run(
        [
            str(python),
            "-c",
            "from importlib.metadata import version as v; "
            "print(f\"Alembic {v('alembic')} + SQLAlchemy {v('SQLAlchemy')}\")",
        ],
        workdir,
    )
    versions = proc.stdout.strip() or "Alembic (version unknown)"
    alembic = str(venv / BIN / f"alembic{EXE}")
    project = workdir / "alembic-project"
    project.mkdir()
    proc = _run([alembic, "init", "alembic"], project)
    if proc.returncode != 0:
        return f"alembic init failed: {_tail(proc)}"
    ini = project / "alembic.ini"
    text, n = re.subn(
        r"^sqlalchemy\.url\s*=.*$",
        "sqlalchemy.url = sqlite:///alembic.db",
        ini.read_text(encoding="utf-8"),
        count=1,
        flags=re.M,
    )
    if n != 1:
        return "alembic.ini has no sqlalchemy.url line to set"
    ini.write_text(text, encoding="utf-8")
    down: str | None = None
    for i in range(1, revisions + 1):
        rev = f"{i:012x}"
        (project / "alembic" / "versions" / f"{rev}_create_t{i}.py").write_text(
            ALEMBIC_REVISION.format(i=i, rev=rev, down=down, down_doc=down or ""),
            encoding="utf-8",
        )
        down = rev
    proc = _run([alembic, "upgrade", "head"], project)
    if proc.returncode != 0:
        return f"the first alembic upgrade head failed: {_tail(proc)}"
    conn = sqlite3.connect(str(project / "alembic.db"))
    try:
        head = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'"
        ).fetchone()[0]
    finally:
        conn.close()
    if head != [(down,)] or tables != revisions:
        return f"alembic upgrade head did not reach {down} ({head}, {tables} tables)"
    print(f"  ({versions} installed into a throwaway venv in {installed:.0f} s)")
    return Alembic([alembic, "upgrade", "head"], project, versions)


def _children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far; NaN if unknown."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: Sequence[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds of one process, and its result."""
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = _run(cmd, cwd, timeout=120)
    return time.perf_counter() - started, _children_cpu() - cpu, proc


def bench_processes(
    workdir: Path,
    db: Path,
    migrations: Path,
    count: int,
    runs: int,
    revisions: int,
    use_alembic: bool,
) -> bool | None:
    heading(
        f"(2) whole processes with nothing to do (wall median of {runs} interleaved rounds; "
        "CPU median)"
    )
    script = Path(sys.executable).parent / f"sqlkeel{EXE}"
    check(script.is_file(), f"no sqlkeel console script beside {sys.executable}")
    alembic: Alembic | str | None = None
    if use_alembic:
        alembic = setup_alembic(workdir, revisions)
        if isinstance(alembic, str):
            print(f"  Alembic could not be set up, so there is no ratio: {alembic}")
    else:
        print("  (--no-alembic: Alembic is not installed, so there is no ratio)")
    python = sys.executable
    cli_label = f"sqlkeel migrate -d DB --migrations DIR ({count} applied)"
    commands: dict[str, list[str]] = {
        "python -c pass (interpreter floor)": [python, "-c", "pass"],
        "python -c 'import sqlkeel'": [python, "-c", "import sqlkeel"],
        "python -c 'import sqlkeel.cli.main'": [python, "-c", "import sqlkeel.cli.main"],
        "python -c 'import sqlkeel.cli.fast, sqlkeel.runner.migrate'": [
            python,
            "-c",
            "import sqlkeel.cli.fast, sqlkeel.runner.migrate",
        ],
        cli_label: [
            str(script),
            "migrate",
            "-d",
            str(db),
            "--migrations",
            str(migrations),
        ],
    }
    cwds = dict.fromkeys(commands, workdir)
    alembic_label = f"alembic upgrade head ({revisions} applied revisions)"
    if isinstance(alembic, Alembic):
        commands[alembic_label] = alembic.command
        cwds[alembic_label] = alembic.cwd
    times = {label: Times() for label in commands}
    expected = f"nothing to apply: {count} migrations already applied"
    for round_ in range(runs + 1):  # round 0 warms the file cache and writes .pyc files
        for label, cmd in commands.items():
            elapsed, cpu, proc = _timed(cmd, cwds[label])
            check(proc.returncode == 0, f"{label} exited {proc.returncode}: {_tail(proc)}")
            if cmd[0] == str(script):
                check(expected in proc.stdout, f"sqlkeel migrate printed {proc.stdout!r}")
            if round_:
                times[label].add(elapsed, cpu)
    medians = {label: t.median for label, t in times.items()}
    for label, t in times.items():
        row(
            label,
            f"{t.median * 1000:.1f} ms",
            f"cpu {t.cpu_median * 1000:.1f} ms  (wall min {min(t.wall) * 1000:.1f})",
        )

    # The command's own work, in this process, imports already paid.
    from sqlkeel.cli.main import main as cli_main

    argv = ["migrate", "-d", str(db), "--migrations", str(migrations)]

    def in_process() -> None:
        with redirect_stdout(io.StringIO()):
            code = cli_main(argv)
        check(code == 0, f"sqlkeel.cli.main.main({argv}) returned {code}")

    body = sample(in_process, max(3, runs), warmup=1)
    row(
        "the migrate command's body in-process (no imports, no exit)", med_p95(body), cpu_note(body)
    )

    floor = medians["python -c pass (interpreter floor)"]
    cli = medians[cli_label]
    # A plain `sqlkeel migrate` takes the console script's fast path (sqlkeel.cli.fast),
    # which does not import click; the click application is only loaded for other commands.
    cli_import = medians["python -c 'import sqlkeel.cli.fast, sqlkeel.runner.migrate'"]
    print(
        f"  sqlkeel migrate ≈ floor {floor * 1000:.0f} ms + fast-path imports "
        f"{(cli_import - floor) * 1000:.0f} ms + command {body.median * 1000:.0f} ms"
        f" + the rest {(cli - cli_import - body.median) * 1000:.0f} ms (the "
        "command's own imports, exit)"
    )
    if not isinstance(alembic, Alembic):
        return None
    ratio = medians[alembic_label] / cli
    above = (medians[alembic_label] - floor) / max(cli - floor, 1e-9)
    ok = ratio >= CLI_RATIO_TARGET
    row(
        "ratio alembic / sqlkeel",
        f"{ratio:.1f}×",
        f"target ≥ {CLI_RATIO_TARGET:g}× {verdict(ok)}",
    )
    row("ratio of the times above the interpreter floor", f"{above:.1f}×")
    cpu_ratio = times[alembic_label].cpu_median / times[cli_label].cpu_median
    row("ratio of the CPU times", f"{cpu_ratio:.1f}×", "(a busy machine disturbs it least)")
    if revisions != count:
        print(
            f"  (sqlkeel has {count} migrations, Alembic {revisions} revisions: "
            + ("fewer favour Alembic)" if revisions < count else "more slow Alembic down)")
        )
    return ok


# --- (3) imports ----------------------------------------------------------------------------

MARK = "@@sqlkeel-bench@@"


def forbidden_imports(code: str, cwd: Path) -> list[str]:
    """Which of click, rich, SQLAlchemy a fresh interpreter has loaded after ``code``."""
    probe = (
        f"{code}\nimport sys\n"
        f"print(','.join(sorted({{n.split('.')[0] for n in sys.modules}} & {set(FORBIDDEN)!r})))"
    )
    proc = _run([sys.executable, "-c", probe], cwd, timeout=60)
    check(proc.returncode == 0, f"python -c {code!r} failed: {_tail(proc)}")
    return [m for m in proc.stdout.strip().split(",") if m]


@dataclass
class ImportTime:
    total_us: int
    self_us: dict[str, int]
    cumulative_us: dict[str, int]
    parent: dict[str, str]


def import_time(code: str, cwd: Path) -> ImportTime:
    """``python -X importtime``: what ``code`` imports (the interpreter's start excluded)."""
    marked = f"import sys; sys.stderr.write({MARK!r} + '\\n')\n{code}"
    proc = _run([sys.executable, "-X", "importtime", "-c", marked], cwd, timeout=60)
    check(proc.returncode == 0, f"python -X importtime -c {code!r} failed: {_tail(proc)}")
    lines = proc.stderr.splitlines()
    check(MARK in lines, "no marker in the importtime output")
    total = 0
    self_us: dict[str, int] = {}
    cumulative_us: dict[str, int] = {}
    parent: dict[str, str] = {}
    pending: list[tuple[int, str]] = []  # the output is post-order: children come first
    for line in lines[lines.index(MARK) + 1 :]:
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$", line)
        if not m:
            continue
        own, cumulative, indent, name = int(m[1]), int(m[2]), len(m[3]), m[4]
        while pending and pending[-1][0] > indent:
            parent.setdefault(pending.pop()[1], name)
        pending.append((indent, name))
        if indent == 1:  # imported by the code itself, not by another module
            total += cumulative
        self_us[name] = self_us.get(name, 0) + own
        cumulative_us[name] = max(cumulative_us.get(name, 0), cumulative)
    return ImportTime(total, self_us, cumulative_us, parent)


def bench_imports(workdir: Path, db: Path, migrations: Path, runs: int) -> None:
    heading("(3) imports")
    for label, code in (
        ("import sqlkeel: loads click/rich/SQLAlchemy?", "import sqlkeel"),
        (
            "sqlkeel.connect/.migrate/.open_database: load them?",
            "import sqlkeel\nsqlkeel.connect, sqlkeel.migrate, sqlkeel.open_database",
        ),
    ):
        found = forbidden_imports(code, workdir)
        row(
            label,
            ", ".join(found) or "none",
            verdict(not found),
        )
        check(not found, f"{code!r} imported {', '.join(found)}")
    cli_found = forbidden_imports("import sqlkeel.cli.main", workdir)
    row(
        "import sqlkeel.cli.main: loads click/rich/SQLAlchemy?",
        ", ".join(cli_found) or "none",
        "(the CLI)",
    )

    # The console script run as it is, in a process whose imports are timed.
    script = str(Path(sys.executable).parent / f"sqlkeel{EXE}")
    argv = [script, "migrate", "-d", str(db), "--migrations", str(migrations)]
    whole_run = (
        f"sys.argv = {argv!r}\n"
        f"exec(compile(open({script!r}).read(), {script!r}, 'exec'), {{'__name__': '__main__'}})"
    )
    cli_label = "sqlkeel migrate, whole no-op run"
    statements = {
        "import sqlkeel": "import sqlkeel",
        "import sqlkeel.cli.main": "import sqlkeel.cli.main",
        cli_label: whole_run,
    }
    results: dict[str, list[ImportTime]] = {label: [] for label in statements}
    for round_ in range(runs + 1):  # round 0 may compile .pyc files
        for label, code in statements.items():
            measured = import_time(code, workdir)
            if round_:
                results[label].append(measured)
    for label, measured_runs in results.items():
        totals = [r.total_us / 1000 for r in measured_runs]
        row(
            f"importtime: {label}",
            f"{statistics.median(totals):.1f} ms",
            f"(median of {runs}; min {min(totals):.1f})",
        )
    cli_runs = results[cli_label]
    names = {n for r in cli_runs for n in r.self_us}
    own = {n: statistics.median(r.self_us.get(n, 0) for r in cli_runs) for n in names}
    cumulative = {n: statistics.median(r.cumulative_us.get(n, 0) for r in cli_runs) for n in names}
    parents = {n: p for r in cli_runs for n, p in r.parent.items()}
    print(f"  top 10 imports of the CLI path ({cli_label}) by self time, median µs:")
    for name in sorted(names, key=lambda n: -own[n])[:10]:
        via = parents.get(name, "the command")
        print(
            f"    {own[name]:>7.0f} self {cumulative[name]:>7.0f} cumulative  {name:<24} via {via}"
        )
    by_package: dict[str, float] = {}
    for name, value in own.items():
        by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0) + value
    top = sorted(by_package.items(), key=lambda kv: -kv[1])[:8]
    print(
        "  self time by top-level package: "
        + ", ".join(f"{pkg} {value / 1000:.1f} ms" for pkg, value in top)
    )
    # What sqlkeel's own import statements cost: each subtree is paid by its first importer.
    direct = sorted(
        (
            n
            for n in names
            if n.split(".")[0] != "sqlkeel" and parents.get(n, "sqlkeel").split(".")[0] == "sqlkeel"
        ),
        key=lambda n: -cumulative[n],
    )[:8]
    print(
        "  imported by sqlkeel modules or at run time (no parent), cumulative: "
        + ", ".join(f"{n} {cumulative[n] / 1000:.1f} ms" for n in direct)
    )


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--no-alembic", action="store_true", help="do not install or time Alembic")
    parser.add_argument("--profile", action="store_true", help="print cProfile of the no-op")
    parser.add_argument(
        "--migrations", type=int, default=200, help="applied sqlkeel migrations (default 200)"
    )
    parser.add_argument(
        "--revisions", type=int, default=20, help="applied Alembic revisions (default 20)"
    )
    parser.add_argument(
        "--calls", type=int, help="timed in-process calls of each form (default 2000; quick 50)"
    )
    parser.add_argument(
        "--runs", type=int, help="rounds of the process timings (default 15; quick 3)"
    )
    parser.add_argument(
        "--tmpdir", type=Path, help="where the temporary files go (default: system temp)"
    )
    args = parser.parse_args(argv)
    calls = args.calls or (50 if args.quick else 2000)
    runs = args.runs or (3 if args.quick else 15)

    print(
        f"sqlkeel {sqlkeel.__version__} · SQLite {sqlite3.sqlite_version} ({sqlite3.__name__}) · "
        f"Python {platform.python_version()} · {platform.machine()}, {os.cpu_count()} CPUs"
        + (" · --quick" if args.quick else "")
    )
    print(f"load average at start: {_load()} (other processes make the timings noisier)")
    try:
        with tempfile.TemporaryDirectory(prefix="sqlkeel-bench-", dir=args.tmpdir) as tmp:
            workdir = Path(tmp)
            use_pycache_in(workdir)
            print(
                f"temporary directory on {_filesystem(workdir)}; child processes cache their "
                "bytecode there (PYTHONPYCACHEPREFIX)"
            )
            migrations = workdir / "migrations"
            db = workdir / "app.db"
            write_migrations(migrations, args.migrations)
            noop_ok = bench_in_process(db, migrations, args.migrations, calls)
            if args.profile:
                profile_in_process(db, migrations, max(20, calls // 10))
            ratio_ok = bench_processes(
                workdir,
                db,
                migrations,
                args.migrations,
                runs,
                args.revisions,
                use_alembic=not args.no_alembic,
            )
            bench_imports(workdir, db, migrations, 2 if args.quick else 7)
    except BenchFailure as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    print(f"\nload average at the end: {_load()}")
    print(
        f"targets: no-op migrate(path) median < {NOOP_TARGET_MS:g} ms {verdict(noop_ok)}; "
        f"alembic / sqlkeel migrate ≥ {CLI_RATIO_TARGET:g}× "
        + ("not measured" if ratio_ok is None else verdict(ratio_ok))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
