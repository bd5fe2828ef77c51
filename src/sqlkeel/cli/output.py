"""Output shared by every command, and the error report of the one boundary.

Light on purpose (no click, json imported when used): the fast path of ``sqlkeel migrate``
prints through it too.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    for m in result.applied:
        say(f"applied {m.name} ({m.duration_ms:.1f} ms)")
    for name in result.out_of_order:
        say(f"note: {name} was applied after later-numbered migrations (a late merge)", err=True)
