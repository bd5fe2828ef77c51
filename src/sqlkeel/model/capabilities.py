"""What the linked SQLite can do, as a plain value the pure planner can read.

The probe that fills it in lives in :mod:`sqlkeel.catalog.capabilities` and runs on a private
``:memory:`` connection, never in a user's database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """Features of one SQLite library; the defaults describe SQLite 3.35 or newer."""

    version: tuple[int, int, int] = (3, 35, 0)
    rename_column: bool = True  # 3.25
    rename_rewrites_references: bool = True  # 3.26
    drop_column: bool = True  # 3.35
    generated_columns: bool = True  # 3.31
    strict_tables: bool = False  # 3.37
    table_list_pragma: bool = False  # 3.37
    fts5: bool = True
    # 3.53: ALTER TABLE … ALTER COLUMN … SET/DROP NOT NULL, ADD/DROP CONSTRAINT … CHECK.
    # Probed and reported; the planner still rebuilds for these changes (no SQLite on the
    # test machines has them yet, so that path could not be proven).
    alter_constraints: bool = False

    @property
    def version_text(self) -> str:
        return ".".join(str(p) for p in self.version)
