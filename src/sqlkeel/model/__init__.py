"""The schema IR: frozen dataclasses with semantic equality (pure)."""

from __future__ import annotations

from sqlkeel.model.capabilities import Capabilities
from sqlkeel.model.names import fold, quote_identifier, quote_literal
from sqlkeel.model.schema import (
    Check,
    Column,
    Expr,
    ForeignKey,
    GeneratedKind,
    Index,
    ObjectType,
    PrimaryKey,
    Schema,
    Table,
    Trigger,
    Unique,
    View,
    VirtualTable,
)

__all__ = [
    "Capabilities",
    "Check",
    "Column",
    "Expr",
    "ForeignKey",
    "GeneratedKind",
    "Index",
    "ObjectType",
    "PrimaryKey",
    "Schema",
    "Table",
    "Trigger",
    "Unique",
    "View",
    "VirtualTable",
    "fold",
    "quote_identifier",
    "quote_literal",
]
