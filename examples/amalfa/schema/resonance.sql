-- The resonance graph: document nodes with their embeddings, and typed edges between them.
-- Document content is not here: it lives in files and is read from there.

CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  title TEXT,
  domain TEXT,
  layer TEXT,
  embedding BLOB,              -- little-endian Float32 values, 4 bytes each
  hash TEXT,                   -- of the document content, to see what changed
  meta TEXT,                   -- JSON
  date TEXT,
  embedding_model TEXT         -- which model made the embedding (added by 0002)
);

CREATE INDEX idx_nodes_type ON nodes (type);

CREATE TABLE edges (
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  type TEXT NOT NULL,
  confidence REAL DEFAULT 1.0,
  veracity REAL DEFAULT 1.0,
  PRIMARY KEY (source, target, type)
);

CREATE INDEX idx_edges_source ON edges (source);
CREATE INDEX idx_edges_target ON edges (target);
CREATE INDEX idx_edges_type ON edges (type);   -- added by 0002
