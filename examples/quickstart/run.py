"""The quickstart: a populated SQLite file at schema v1 is brought to v2 with sqlkeel.

Run it with ``python examples/quickstart/run.py``. It works in a temporary directory: it
creates ``app.db`` from v1.sql with rows, prints the script ``sqlkeel diff app.db v2.sql``
would print, applies the plan, and shows that every row, the AUTOINCREMENT counter and the
full-text index survived. It exits non-zero if anything is off.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlkeel
from sqlkeel.catalog import read_schema

HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "app.db"
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript((HERE / "v1.sql").read_text())
        conn.executescript(
            "INSERT INTO authors(name) VALUES ('ada'), ('grace'), ('linus');"
            "INSERT INTO posts(author_id, title, body) VALUES"
            " (1, 'Running engines', 'notes on the analytical engine'),"
            " (2, 'Compilers', 'the first compiler ran in 1952'),"
            " (3, 'Kernels', 'just a hobby, won''t be big');"
            "DELETE FROM authors WHERE id = 3;"  # cascades to post 3; the counter stays at 3
        )
        conn.commit()
        print(f"== app.db at v1: {conn.execute('SELECT count(*) FROM posts').fetchone()[0]} posts")

        plan = sqlkeel.plan(db, HERE / "v2.sql")
        print("== the plan (what `sqlkeel diff app.db v2.sql` prints)\n")
        print(plan.sql())
        seconds = plan.apply(conn)
        print(f"== applied in {seconds * 1000:.1f} ms")

        target = sqlkeel.load_schema(HERE / "v2.sql").schema
        checks = {
            "schema equals v2": read_schema(conn) == target,
            "a second plan is empty": sqlkeel.plan(conn, target).is_empty,
            "posts kept": conn.execute("SELECT id, title FROM posts ORDER BY id").fetchall()
            == [(1, "Running engines"), (2, "Compilers")],
            "handles kept": conn.execute("SELECT handle FROM authors ORDER BY id").fetchall()
            == [("ada",), ("grace",)],
            "stemmed search finds 'run'": conn.execute(
                "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'run'"
            ).fetchall()
            == [(1,)],
            "AUTOINCREMENT counter kept": conn.execute(
                "INSERT INTO posts(author_id, title, body) VALUES (1, 't', 'b') RETURNING id"
            ).fetchone()
            == (4,),
            "foreign keys enforced again": conn.execute("PRAGMA foreign_keys").fetchone() == (1,),
        }
        conn.close()
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
