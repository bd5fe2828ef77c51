"""The pytest plugin (entry point ``sqlkeel``): a freshly migrated database for every test.

Fixtures:

- ``sqlkeel_template`` (session): the project's migrations applied once to a private
  ``:memory:`` database (:class:`sqlkeel.testing.MigratedTemplate`). Seed rows into
  ``sqlkeel_template.connection`` in a session fixture of your own, and every copy has them.
- ``sqlkeel_db``: a ``sqlite3.Connection`` to a new ``:memory:`` copy of the template, with
  foreign keys on and the DDL guard, as the application's startup call would give it.
- ``sqlkeel_db_path``: a database file in ``tmp_path``, copied from the template, for code
  that opens its database by path.

Which migrations: the ``sqlkeel_migrations`` ini option (a directory relative to the rootdir,
or ``package:resource``), else ``--sqlkeel-migrations``, else the ``migrations`` setting of
the project's sqlkeel configuration (``[tool.sqlkeel]`` or ``sqlkeel.toml``) found from the
rootdir. Nothing is imported from sqlkeel until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import sqlite3

    from sqlkeel.testing import MigratedTemplate


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sqlkeel")
    group.addoption(
        "--sqlkeel-migrations",
        default=None,
        help="migrations for the sqlkeel_db fixtures (directory or package:resource)",
    )
    parser.addini(
        "sqlkeel_migrations",
        "migrations for the sqlkeel_db fixtures (directory relative to the rootdir, or "
        "package:resource); default: the project's sqlkeel configuration",
        default="",
    )


def _migrations(config: pytest.Config) -> str:
    chosen = config.getoption("--sqlkeel-migrations") or config.getini("sqlkeel_migrations")
    root = Path(str(config.rootpath))
    if chosen:
        value = str(chosen)
        candidate = root / value
        return str(candidate) if candidate.exists() or ":" not in value else value
    from sqlkeel.config import load_settings

    settings = load_settings(cwd=root, required=False)
    return settings.migrations


@pytest.fixture(scope="session")
def sqlkeel_template(pytestconfig: pytest.Config) -> Iterator[MigratedTemplate]:
    """The project's migrations, applied once per session to a ``:memory:`` template."""
    from sqlkeel.testing import MigratedTemplate

    template = MigratedTemplate(_migrations(pytestconfig))
    try:
        yield template
    finally:
        template.close()


@pytest.fixture
def sqlkeel_db(sqlkeel_template: MigratedTemplate) -> Iterator[sqlite3.Connection]:
    """A migrated ``:memory:`` database of this test's own (guarded, foreign keys on)."""
    conn = sqlkeel_template.copy()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def sqlkeel_db_path(sqlkeel_template: MigratedTemplate, tmp_path: Path) -> Path:
    """A migrated database file in ``tmp_path`` (``app.db``)."""
    return sqlkeel_template.copy_to(tmp_path / "app.db")
