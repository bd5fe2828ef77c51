"""sqlkeel: SQLite schema-as-code and migrations that never lose a row.

Public names only; the list is pinned by a test. ``import sqlkeel`` imports neither click,
rich nor SQLAlchemy.
"""

from __future__ import annotations

from sqlkeel.api import LoadedSchema, Plan, load_schema, plan, plan_schemas
from sqlkeel.diff import Hazard, HazardNote, OpKind, Renames
from sqlkeel.errors import (
    ApplyError,
    CatalogError,
    DestructiveChangeError,
    ForeignKeyViolationError,
    ImpossibleChangeError,
    NonConvergentPlanError,
    NotADatabaseError,
    PlanError,
    SchemaSyntaxError,
    SourceError,
    SourceNotFoundError,
    SqlkeelError,
)
from sqlkeel.model import Schema

__version__ = "0.1.0"

__all__ = [
    "ApplyError",
    "CatalogError",
    "DestructiveChangeError",
    "ForeignKeyViolationError",
    "Hazard",
    "HazardNote",
    "ImpossibleChangeError",
    "LoadedSchema",
    "NonConvergentPlanError",
    "NotADatabaseError",
    "OpKind",
    "Plan",
    "PlanError",
    "Renames",
    "Schema",
    "SchemaSyntaxError",
    "SourceError",
    "SourceNotFoundError",
    "SqlkeelError",
    "__version__",
    "load_schema",
    "plan",
    "plan_schemas",
]
