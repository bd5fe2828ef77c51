"""A pytest fixture for code that uses dork.db: each test gets its own migrated database.

Use it from a ``conftest.py``::

    from dorkos_app.testing import dork_db  # noqa: F401

and take ``dork_db`` as an argument: a connection to ``tmp_path/dork.db``, migrated with
the package's migrations exactly as the server does it at startup, closed afterwards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dorkos_app.db import open_db


@pytest.fixture
def dork_db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh ``dork.db`` in ``tmp_path``, at the latest migration."""
    conn = open_db(tmp_path)
    try:
        yield conn
    finally:
        conn.close()
