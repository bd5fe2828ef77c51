"""The example's own test setup: every test that asks for ``dork_db`` gets a migrated database."""

from __future__ import annotations

from dorkos_app.testing import dork_db

__all__ = ["dork_db"]
