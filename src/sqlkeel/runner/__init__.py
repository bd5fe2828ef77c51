"""Applying migrations: the only code that writes a database's schema."""

from __future__ import annotations
