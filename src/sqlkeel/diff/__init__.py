"""Compare two schemas into typed operations with hazards, and order them (pure)."""

from __future__ import annotations

from sqlkeel.diff.ops import Hazard, HazardNote, Op, OpKind, needs_foreign_keys_off
from sqlkeel.diff.planner import Renames, plan_migration

__all__ = [
    "Hazard",
    "HazardNote",
    "Op",
    "OpKind",
    "Renames",
    "needs_foreign_keys_off",
    "plan_migration",
]
