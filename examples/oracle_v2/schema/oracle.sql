-- The Oracle knowledge base: documents, their full-text index, and the usage logs.
-- This file is the schema the application wants; `sqlkeel generate` turns each change of it
-- into the next file of migrations/.

CREATE TABLE oracle_documents (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL CHECK (type IN ('principle', 'pattern', 'learning', 'retro')),
  source_file TEXT NOT NULL,
  concepts    TEXT NOT NULL DEFAULT '[]',   -- a JSON array of tags
  created_at  INTEGER NOT NULL,             -- unix milliseconds
  updated_at  INTEGER NOT NULL
);

CREATE INDEX idx_documents_type ON oracle_documents(type);

-- Full-text search over the documents (internal content; rowid = oracle_documents' rowid).
-- The porter stemmer makes 'running' find 'run'; unicode61 folds case and diacritics.
CREATE VIRTUAL TABLE oracle_fts USING fts5(
  id UNINDEXED,
  content,
  concepts,
  tokenize = 'porter unicode61'
);

-- Every search, for the dashboard.
CREATE TABLE search_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  query          TEXT NOT NULL,
  type           TEXT,
  results_count  INTEGER NOT NULL DEFAULT 0,
  search_time_ms INTEGER,
  created_at     INTEGER NOT NULL,
  project        TEXT                       -- the repository the search came from
);

CREATE INDEX idx_search_log_created ON search_log(created_at);

-- Every document learned through the API.
CREATE TABLE learn_log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id     TEXT NOT NULL REFERENCES oracle_documents(id) ON DELETE CASCADE,
  pattern_preview TEXT,
  source          TEXT,
  created_at      INTEGER NOT NULL,
  project         TEXT
);

CREATE INDEX idx_learn_log_document ON learn_log(document_id);
