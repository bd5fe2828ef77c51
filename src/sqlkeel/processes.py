"""Which processes have a database file open: for error messages and for ``restore``.

On Linux every process's open files are listed under ``/proc/PID/fd``; a process that has
``app.db``, ``app.db-wal`` or ``app.db-shm`` open is using the database. Elsewhere (or where
``/proc`` cannot be read) nothing is known and the answer is empty: callers must treat an
empty answer as "unknown", never as "nobody".

Stdlib only, imported lazily by the code that needs it.
"""

from __future__ import annotations

import os

_SUFFIXES = ("", "-wal", "-shm", "-journal")


def processes_using(path: str | os.PathLike[str]) -> list[tuple[int, str]]:
    """(pid, command line) of every other process that has the database's files open."""
    try:
        real = os.path.realpath(os.fspath(path))
    except OSError:
        return []
    targets = {real + s for s in _SUFFIXES}
    me = os.getpid()
    found: list[tuple[int, str]] = []
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []
    for pid in pids:
        if pid == me:
            continue
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to read
        for fd in fds:
            try:
                if os.readlink(f"{fd_dir}/{fd}") in targets:
                    found.append((pid, _command_line(pid)))
                    break
            except OSError:
                continue
    return sorted(found)


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return "?"
    return raw.replace(b"\x00", b" ").decode("utf-8", "replace").strip() or "?"


def describe_processes(found: list[tuple[int, str]], limit: int = 5) -> str:
    """``pid 123 (python app.py), pid 456 (…)`` for a message; '' when none is known."""
    parts = [f"pid {pid} ({cmd[:80]})" for pid, cmd in found[:limit]]
    if len(found) > limit:
        parts.append(f"and {len(found) - limit} more")
    return ", ".join(parts)
