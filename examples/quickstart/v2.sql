-- Version 2: authors get a case-insensitive unique handle (renamed from name), posts a
-- status with a CHECK, search gets stemming. Each change forces a table rebuild or an
-- FTS rebuild; no row is lost.
CREATE TABLE authors (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  handle  TEXT NOT NULL COLLATE NOCASE UNIQUE  -- sqlkeel: renamed-from name
);

CREATE TABLE posts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  author_id  INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published'))
);

CREATE INDEX posts_by_author ON posts(author_id, id DESC);

CREATE VIEW published AS SELECT id, title FROM posts WHERE status = 'published';

CREATE VIRTUAL TABLE posts_fts USING fts5(
  title, body, content='posts', content_rowid='id', tokenize='porter unicode61'
);

CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN
  INSERT INTO posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
