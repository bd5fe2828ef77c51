-- Mesh: the agent registry, its rate-limit buckets and the paths it must not index.
-- Before consolidation these lived in mesh/mesh.db (PRAGMA user_version chain up to 4).

CREATE TABLE agents (
  id TEXT PRIMARY KEY,                        -- ULID
  name TEXT NOT NULL,
  description TEXT,
  project_path TEXT NOT NULL UNIQUE,
  runtime TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT 'default',
  capabilities_json TEXT NOT NULL DEFAULT '[]',
  registered_at TEXT NOT NULL,                -- ISO-8601 UTC
  registered_by TEXT,
  last_seen_at TEXT,                          -- ISO-8601 UTC; health is computed in Python
  last_seen_event TEXT
  -- manifest_json is gone: every field of the manifest has its own column
);

CREATE TABLE agent_denials (                  -- was denials
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  strategy TEXT NOT NULL,
  reason TEXT,
  denied_at TEXT NOT NULL,
  denied_by TEXT NOT NULL
);

CREATE TABLE rate_limit_buckets (             -- was budget_counters
  id INTEGER PRIMARY KEY,
  sender_id TEXT NOT NULL,
  bucket_minute INTEGER NOT NULL,             -- minutes since the Unix epoch
  count INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX rate_limit_buckets_sender_minute
  ON rate_limit_buckets (sender_id, bucket_minute);
