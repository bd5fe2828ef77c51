"""Output shared by every command, and the error report of the one boundary.

Light on purpose (no click, json imported when used): the fast path of ``sqlkeel migrate``
prints through it too.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sqlkeel.runner.doctor import DoctorReport
    from sqlkeel.runner.migrate import MigrateResult


def emit_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout (every ``--format json`` output goes through here)."""
    import json

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def say(text: str = "", *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def report_error(exc: BaseException, *, output_format: str, show_traceback: bool) -> int:
    """Print an error the documented way; return its exit code."""
    code = int(getattr(exc, "exit_code", 1))
    if output_format == "json":
        emit_json(
            {
                "version": 1,
                "error": {"type": type(exc).__name__, "message": str(exc), "exit_code": code},
            }
        )
    else:
        say(f"sqlkeel: error: {exc}", err=True)
    if show_traceback:
        import traceback

        traceback.print_exception(exc)
    elif output_format != "json":
        say("(run with --traceback for the stack trace)", err=True)
    return code


def print_migrate_result(result: MigrateResult, *, output_format: str, database: str) -> None:
    """What ``sqlkeel migrate`` prints."""
    if output_format == "json":
        payload = result.to_json()
        payload["database"] = database
        emit_json(payload)
        return
    if result.dry_run:
        if not result.applied:
            say("nothing to apply")
        for m in result.applied:
            say(f"-- would apply {m.name}")
            for sql in m.statements:
                say(sql.rstrip(";") + ";")
        return
    if not result.applied:
        say(f"nothing to apply: {result.already_applied} migrations already applied")
        return
    if result.backup is not None:
        say(f"snapshot: {result.backup.path}")
    for m in result.applied:
        say(f"applied {m.name} ({m.duration_ms:.1f} ms)")
    for name in result.out_of_order:
        say(f"note: {name} was applied after later-numbered migrations (a late merge)", err=True)


def backup_progress(output_format: str) -> Callable[[int, int], None] | None:
    """A progress display for a snapshot or restore copy, on stderr (None for JSON).

    Nothing is shown for a copy done in one step (most databases). Then a rich bar on a
    terminal, plain lines at every tenth otherwise.
    """
    if output_format == "json":
        return None
    state: dict[str, Any] = {"bar": None, "shown": -1}

    def show(copied: int, total: int) -> None:
        if state["shown"] < 0 and copied >= total:
            return  # finished at the first step: nothing to show
        if sys.stderr.isatty():
            if state["bar"] is None:
                from rich.console import Console
                from rich.progress import Progress

                bar = Progress(console=Console(stderr=True), transient=True)
                bar.start()
                state["bar"] = (bar, bar.add_task("snapshot", total=total))
            bar, task = state["bar"]
            bar.update(task, completed=copied, total=total)
            state["shown"] = copied
            if copied >= total:
                bar.stop()
            return
        tenth = copied * 10 // max(total, 1)
        if tenth > state["shown"]:
            state["shown"] = tenth
            say(f"copying: {tenth * 10}% ({copied}/{total} pages)", err=True)

    return show


class MigrateProgress:
    """A progress bar over a batch's statements while ``sqlkeel migrate`` runs, on a terminal.

    rich is imported at the first statement only (the no-op path never gets one); the bar is
    drawn on stderr, keeps moving (spinner, elapsed time) while one long statement such as a
    rebuild's copy runs, and disappears when :meth:`close` is called. Piped or captured
    output gets nothing, so the text the docs show stays as it is.
    """

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    @classmethod
    def for_output(cls, output_format: str) -> MigrateProgress | None:
        if output_format == "json" or not _stderr_is_terminal():
            return None
        return cls()

    def __call__(self, migration: str, done: int, total: int) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("statements"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(migration, total=total)
        self._bar.update(self._task, description=migration, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _stderr_is_terminal() -> bool:
    import os

    if os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stderr.isatty()


def print_doctor_report(report: DoctorReport) -> None:
    """What ``sqlkeel doctor`` prints in text mode."""
    say(f"database: {report.database}")
    kinds = {p.kind for p in report.problems}
    if "corrupt" in kinds:
        say("integrity_check: could not run: the file is damaged")
    else:
        say(
            "integrity_check: ok"
            if not report.integrity
            else f"integrity_check: {len(report.integrity)} errors"
        )
        violations = len(report.foreign_key_violations)
        say(
            "foreign_key_check: ok"
            if not violations
            else f"foreign_key_check: {violations} rows without a parent"
        )
    if report.states is None:
        say("migrations: not checked")
    else:
        counts: dict[str, int] = {}
        for row in report.states:
            counts[row.state] = counts.get(row.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"
        say(f"migrations: {summary} ({report.migrations})")
        if report.drift is None:
            say("drift: not judged")
        else:
            say("drift: none" if not report.drift else f"drift: {len(report.drift)} differences")
    if report.pragmas:
        say("pragmas:")
        for name, pragma in report.pragmas.items():
            scope = "per connection" if pragma.scope == "connection" else pragma.scope
            note = f": {pragma.note}" if pragma.note else ""
            say(f"  {name} = {pragma.value} ({scope}){note}")
    if report.sizes is not None:
        say(_sizes_line("sizes", report.sizes))
    if report.processes:
        from sqlkeel.processes import describe_processes

        say(f"open in: {describe_processes(list(report.processes))}")
    if report.fixes:
        say("fixes:")
        for fix in report.fixes:
            say(f"  {fix.action}: {fix.detail}")
    if report.sizes_after_fix is not None:
        say(_sizes_line("sizes after", report.sizes_after_fix))
    for note in report.notes:
        say(f"note: {note}")
    if report.ok:
        say("healthy: no problems found")
        return
    say(f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''} found:")
    for problem in report.problems:
        say(f"{problem.kind}: {problem.message}")


def _sizes_line(label: str, s: Any) -> str:
    return (
        f"{label}: file {s.file_bytes} bytes, -wal {s.wal_bytes} bytes, free pages "
        f"{s.freelist_count} × {s.page_size} = {s.free_bytes} bytes"
    )
