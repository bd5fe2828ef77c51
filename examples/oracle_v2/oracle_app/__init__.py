"""Oracle v2, the sqlkeel way: a small knowledge base with full-text search and usage logs.

- :mod:`oracle_app.db` opens the one database, applying the migrations in ``migrations/``
  (every process, every entry point: the HTTP server, the MCP server, the CLI);
- :mod:`oracle_app.knowledge` is the application: learn documents, search them, log both;
- :mod:`oracle_app.legacy` is the startup code the application had *before* sqlkeel, kept
  only to build an old database for the adoption demo.
"""

from __future__ import annotations

from oracle_app.db import DEFAULT_DATABASE, MIGRATIONS, database_path, open_db
from oracle_app.knowledge import learn, search

__all__ = ["DEFAULT_DATABASE", "MIGRATIONS", "database_path", "learn", "open_db", "search"]
