-- Relay: the index over the Maildir and the delivery traces. Both were in relay/index.db.

-- A derived index: every row can be rebuilt from the Maildir files.
CREATE TABLE relay_index (                    -- was messages
  id TEXT PRIMARY KEY,                        -- ULID, the Maildir file name
  subject TEXT NOT NULL,
  sender TEXT NOT NULL,
  endpoint_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),  -- was new/cur
  created_at TEXT NOT NULL,                   -- ISO-8601 UTC
  expires_at TEXT,                            -- was ttl (Unix ms): a moment, not a duration
  payload_size INTEGER
);

CREATE INDEX relay_index_subject ON relay_index (subject);
CREATE INDEX relay_index_endpoint_status ON relay_index (endpoint_hash, status);

CREATE TABLE relay_traces (                   -- was message_traces
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  from_endpoint TEXT NOT NULL,
  to_endpoint TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('sent', 'delivered', 'processed', 'failed', 'dead_letter')),
  sent_at TEXT NOT NULL,                      -- ISO-8601 UTC (was Unix ms)
  delivered_at TEXT,
  processed_at TEXT,
  error TEXT
);

CREATE INDEX relay_traces_message ON relay_traces (message_id);
