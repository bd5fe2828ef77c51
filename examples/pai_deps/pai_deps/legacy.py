"""Registries made by pai-deps versions that did not track their schema (for the demos).

Before sqlkeel, ``getDb()`` ran ``CREATE TABLE IF NOT EXISTS`` for every table and nothing
recorded which version of the schema a file had. Two such versions existed:

- **0.2** created exactly the tables of ``migrations/0001_initial.sql`` (written differently):
  pai-deps adopts such a registry and migrates it;
- **0.1**, the prototype, had no ``circular_deps`` table, no contract ``status``, and its
  verifications did not cascade when their contract was deleted: its tables match no
  migration, and pai-deps refuses it with the differences.
"""

from __future__ import annotations

import sqlite3

V0_2 = """
create table if not exists tools (id text primary key, name text not null, path text not null,
  type text not null check (type in ('cli','mcp','library','workflow','hook')), version text,
  reliability real not null default 0.95, debt_score integer not null default 0,
  manifest_path text, stub integer not null default 0 check (stub in (0,1)),
  last_verified text, created_at text not null, updated_at text not null);
create index if not exists idx_tools_type on tools(type);
create index if not exists idx_tools_stub on tools(stub);
create table if not exists dependencies (id integer primary key autoincrement,
  consumer_id text not null references tools(id) on delete cascade,
  provider_id text not null references tools(id) on delete cascade,
  type text not null check (type in ('cli','mcp','library','database','implicit')),
  version_constraint text, optional integer not null default 0 check (optional in (0,1)),
  created_at text not null);
create index if not exists idx_deps_consumer on dependencies(consumer_id);
create index if not exists idx_deps_provider on dependencies(provider_id);
create table if not exists contracts (id integer primary key autoincrement,
  tool_id text not null references tools(id) on delete cascade,
  contract_type text not null
    check (contract_type in ('cli_output','mcp_tool','library_export','db_schema')),
  name text not null, schema_path text, schema_hash text, last_verified text,
  status text not null default 'unknown' check (status in ('valid','drift','broken','unknown')));
create index if not exists idx_contracts_tool on contracts(tool_id);
create table if not exists verifications (id integer primary key autoincrement,
  contract_id integer not null references contracts(id) on delete cascade,
  verified_at text not null, status text not null check (status in ('pass','fail','drift')),
  details text, git_commit text);
create index if not exists idx_verifications_contract on verifications(contract_id);
create table if not exists circular_deps (id integer primary key autoincrement,
  cycle text not null, detected_at text not null,
  resolved integer not null default 0 check (resolved in (0,1)));
"""

V0_1 = """
create table if not exists tools (id text primary key, name text not null, path text not null,
  type text not null check (type in ('cli','mcp','library','workflow','hook')), version text,
  reliability real not null default 0.95, debt_score integer not null default 0,
  manifest_path text, stub integer not null default 0 check (stub in (0,1)),
  last_verified text, created_at text not null, updated_at text not null);
create index if not exists idx_tools_type on tools(type);
create index if not exists idx_tools_stub on tools(stub);
create table if not exists dependencies (id integer primary key autoincrement,
  consumer_id text not null references tools(id) on delete cascade,
  provider_id text not null references tools(id) on delete cascade,
  type text not null check (type in ('cli','mcp','library','database','implicit')),
  version_constraint text, optional integer not null default 0 check (optional in (0,1)),
  created_at text not null);
create index if not exists idx_deps_consumer on dependencies(consumer_id);
create index if not exists idx_deps_provider on dependencies(provider_id);
create table if not exists contracts (id integer primary key autoincrement,
  tool_id text not null references tools(id) on delete cascade,
  contract_type text not null
    check (contract_type in ('cli_output','mcp_tool','library_export','db_schema')),
  name text not null, schema_path text, schema_hash text, last_verified text);
create index if not exists idx_contracts_tool on contracts(tool_id);
create table if not exists verifications (id integer primary key autoincrement,
  contract_id integer not null references contracts(id),
  verified_at text not null, status text not null check (status in ('pass','fail','drift')),
  details text, git_commit text);
create index if not exists idx_verifications_contract on verifications(contract_id);
"""


def create_registry(path: str, version: str = "0.2") -> None:
    """Create a registry the way pai-deps ``version`` did, with one tool in it."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(V0_2 if version == "0.2" else V0_1)
        conn.execute(
            "INSERT INTO tools(id, name, path, type, created_at, updated_at)"
            " VALUES ('email-cli', 'email-cli', '/opt/tools/email', 'cli', '2025-01-01', '2025-01-01')"
        )
        conn.commit()
    finally:
        conn.close()
