"""Test-wide setup: choose the SQLite library, and find the shared corpus.

``SQLKEEL_TEST_SQLITE=pysqlite3`` runs the whole suite on the newer SQLite bundled with
pysqlite3-binary instead of the system library: the module is put in place of ``sqlite3``
before sqlkeel is imported.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

_driver = os.environ.get("SQLKEEL_TEST_SQLITE", "").strip()
if _driver and _driver != "sqlite3":
    _module = importlib.import_module("pysqlite3.dbapi2" if _driver == "pysqlite3" else _driver)
    sys.modules["sqlite3"] = _module

import sqlite3  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def pytest_report_header(config: pytest.Config) -> str:
    return f"sqlite3 module: {sqlite3.__name__}, SQLite {sqlite3.sqlite_version}"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus (../shared/corpus); tests that need it skip when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present beside the project")
    return CORPUS
