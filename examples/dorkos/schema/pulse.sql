-- Pulse: scheduled agent runs. Schedules were a JSON file (schedules.json), runs were the
-- `runs` table of pulse.db.

CREATE TABLE pulse_schedules (
  id TEXT PRIMARY KEY,                        -- UUID for carried-over rows, ULID for new ones
  name TEXT NOT NULL,
  description TEXT,
  cron TEXT NOT NULL,
  timezone TEXT,
  prompt TEXT NOT NULL,
  cwd TEXT,
  status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'paused', 'pending_approval')),
  created_at TEXT NOT NULL,                   -- ISO-8601 UTC
  updated_at TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  max_runtime_ms INTEGER,
  permission_mode TEXT NOT NULL DEFAULT 'default'
);

CREATE TABLE pulse_runs (                     -- was runs
  id TEXT PRIMARY KEY,
  schedule_id TEXT NOT NULL REFERENCES pulse_schedules (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  started_at TEXT NOT NULL,                   -- ISO-8601 UTC
  finished_at TEXT,
  duration_ms INTEGER,
  output TEXT,                                -- was output_summary: it is not always a summary
  error TEXT,
  session_id TEXT,
  trigger TEXT NOT NULL DEFAULT 'scheduled'
);

CREATE INDEX pulse_runs_schedule_started ON pulse_runs (schedule_id, started_at DESC);
