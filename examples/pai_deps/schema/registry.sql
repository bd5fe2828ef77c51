-- The pai-deps registry: which tools exist, what they depend on, the contracts they promise,
-- and the verifications of those contracts. Deleting a tool deletes everything that hangs
-- off it: its dependencies (as consumer or provider), its contracts, and their verifications.

CREATE TABLE tools (
  id            TEXT PRIMARY KEY,                 -- e.g. 'email-cli'
  name          TEXT NOT NULL,
  path          TEXT NOT NULL,
  type          TEXT NOT NULL CHECK (type IN ('cli', 'mcp', 'library', 'workflow', 'hook')),
  version       TEXT,
  reliability   REAL NOT NULL DEFAULT 0.95,
  debt_score    INTEGER NOT NULL DEFAULT 0,
  manifest_path TEXT,
  stub          INTEGER NOT NULL DEFAULT 0 CHECK (stub IN (0, 1)),
  last_verified TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE INDEX idx_tools_type ON tools(type);
CREATE INDEX idx_tools_stub ON tools(stub);

CREATE TABLE dependencies (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  consumer_id        TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
  provider_id        TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
  type               TEXT NOT NULL CHECK (type IN ('cli', 'mcp', 'library', 'database', 'implicit')),
  version_constraint TEXT,
  optional           INTEGER NOT NULL DEFAULT 0 CHECK (optional IN (0, 1)),
  created_at         TEXT NOT NULL
);

CREATE INDEX idx_deps_consumer ON dependencies(consumer_id);
CREATE INDEX idx_deps_provider ON dependencies(provider_id);

CREATE TABLE contracts (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tool_id       TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
  contract_type TEXT NOT NULL
                CHECK (contract_type IN ('cli_output', 'mcp_tool', 'library_export', 'db_schema')),
  name          TEXT NOT NULL,
  schema_path   TEXT,
  schema_hash   TEXT,
  last_verified TEXT,
  status        TEXT NOT NULL DEFAULT 'unknown'
                CHECK (status IN ('valid', 'drift', 'broken', 'unknown'))
);

CREATE INDEX idx_contracts_tool ON contracts(tool_id);

CREATE TABLE verifications (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  verified_at TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'drift')),
  details     TEXT,                               -- JSON
  git_commit  TEXT,
  duration_ms INTEGER                             -- how long the check took
);

CREATE INDEX idx_verifications_contract ON verifications(contract_id);
-- `pai-deps verify --since` reads the latest verifications first.
CREATE INDEX idx_verifications_verified_at ON verifications(verified_at DESC);

-- Cycles found in the dependency graph; `cycle` is a JSON array of tool ids.
CREATE TABLE circular_deps (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  cycle       TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  resolved    INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1))
);
