"""Environments for child Python processes that use the test run's SQLite.

``tests/conftest.py`` swaps ``sqlite3`` for pysqlite3's when ``SQLKEEL_TEST_SQLITE`` asks for
it, but only in the pytest process. Examples' ``run.py`` scripts start further processes
(``python -m sqlkeel …``, a nested pytest, a pre-commit hook), so the swap is done by a
``sitecustomize`` module on ``PYTHONPATH``, which every descendant Python imports at start-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_SITECUSTOMIZE = '''\
"""Written by tests/examples/_child_env.py: use the SQLite the test run uses."""
import importlib
import os
import sys

_driver = os.environ.get("SQLKEEL_TEST_SQLITE", "").strip()
if _driver and _driver != "sqlite3":
    try:
        sys.modules["sqlite3"] = importlib.import_module(
            "pysqlite3.dbapi2" if _driver == "pysqlite3" else _driver
        )
    except ImportError:  # another interpreter (a tool's own virtualenv): leave it alone
        pass
'''


def child_env(scratch: Path, **extra: str) -> dict[str, str]:
    """``os.environ`` plus a sitecustomize shim in ``scratch`` and the venv's bin on PATH."""
    shim = scratch / "child-site"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH", "")) if p)
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("SQLKEEL_DATABASE", None)
    env.update(extra)
    return env
