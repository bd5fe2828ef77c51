"""``sqlkeel diagram``: Mermaid, DOT, SVG and JSON drawings of tables, keys and foreign keys."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from migration_helpers import run_cli
from sqlkeel.model.schema import Schema
from sqlkeel.render.diagram import diagram_json, render_diagram
from sqlkeel.sources.sqlfiles import schema_from_sql

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "full name" TEXT);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  reviewer INTEGER REFERENCES users(id),
  title TEXT
);
CREATE TABLE tags (
  post_id INTEGER NOT NULL REFERENCES posts(id), tag TEXT NOT NULL, PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id));
CREATE TABLE "order items" ("order id" INTEGER, "2nd" TEXT);
CREATE VIRTUAL TABLE posts_fts USING fts5(title, content='posts', content_rowid='id');
"""
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def schema() -> Schema:
    return schema_from_sql(SCHEMA)


def test_mermaid_lists_entities_keys_and_relationships(schema: Schema) -> None:
    text = render_diagram(schema, "mermaid")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "erDiagram"
    assert "INTEGER id PK" in lines and "TEXT email UK" in lines
    assert "INTEGER post_id PK, FK" in lines
    assert 'TEXT full_name "full name"' in lines  # a name Mermaid cannot hold, kept as a comment
    assert 'posts }o--|| users : "user_id"' in lines  # NOT NULL: exactly one parent
    assert 'posts }o--o| users : "reviewer"' in lines  # nullable: zero or one
    assert 'tags }o--|| posts : "post_id"' in lines
    assert 'categories }o--o| categories : "parent_id"' in lines
    assert 'order_items["order items"] {' in lines
    assert 'TEXT _2nd "2nd"' in lines and 'INTEGER order_id "order id"' in lines
    assert "posts_fts {" in lines


def test_dot_has_a_node_per_table_and_an_edge_per_foreign_key(schema: Schema) -> None:
    text = render_diagram(schema, "dot")
    assert text.startswith("digraph schema {")
    assert text.count(" -> ") == 4
    assert '"posts":c1 -> "users":c0' in text  # from user_id to id
    assert "<B>order items</B>" in text
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed: the DOT text is not rendered")
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "<svg" in proc.stdout


def test_svg_is_well_formed_with_every_table_column_and_arrow(schema: Schema) -> None:
    root = ET.fromstring(render_diagram(schema, "svg"))
    groups = root.findall(f"{SVG}g")
    assert {g.get("id") for g in groups} == {
        "users",
        "posts",
        "tags",
        "categories",
        "order items",
        "posts_fts",
    }
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    for word in ("users", "email", "full name", "INTEGER", "PK FK", "posts_fts (fts5)", "2nd"):
        assert word in texts, word
    paths = root.findall(f"{SVG}path[@class='fk']")
    assert len(paths) == 4
    titles = {p.find(f"{SVG}title").text for p in paths}  # type: ignore[union-attr]
    assert "posts(reviewer) → users" in titles
    dashed = [p for p in paths if p.get("stroke-dasharray")]
    assert len(dashed) == 2  # the two nullable foreign keys
    # Boxes do not overlap, and parents stand left of their children.
    boxes = {}
    for g in groups:
        rect = g.find(f"{SVG}rect")
        assert rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
        boxes[g.get("id")] = (x, y, x + w, y + h)
    items = list(boxes.values())
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    assert boxes["users"][2] < boxes["posts"][0] < boxes["tags"][0]


def test_json_lists_tables_and_foreign_keys(schema: Schema) -> None:
    data = diagram_json(schema)
    assert data["version"] == 1
    tables = {t["name"]: t for t in data["tables"]}  # type: ignore[attr-defined]
    assert tables["posts_fts"]["virtual"] == "fts5"
    assert tables["users"]["columns"][0] == {
        "name": "id",
        "type": "INTEGER",
        "keys": ["PK"],
        "not_null": True,
    }
    assert {
        "table": "posts",
        "columns": ["user_id"],
        "references": "users",
        "ref_columns": ["id"],
        "required": True,
    } in data["foreign_keys"]  # type: ignore[operator]


def test_an_unknown_format_is_refused(schema: Schema) -> None:
    with pytest.raises(ValueError, match="unknown diagram format"):
        render_diagram(schema, "png")


def test_cli_draws_the_desired_schema_or_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(["init"])[0] == 0
    (tmp_path / "schema" / "app.sql").write_text(SCHEMA, encoding="utf-8")
    code, out, _ = run_cli(["diagram"])
    assert code == 0 and out.startswith("erDiagram") and "posts_fts {" in out
    assert run_cli(["diagram", "--schema", "--format", "text"])[1] == out
    code, out, err = run_cli(["diagram", "--format", "svg", "-o", "schema.svg"])
    assert code == 0 and out == "" and "wrote schema.svg" in err
    ET.parse(tmp_path / "schema.svg")
    db = tmp_path / "live.db"
    conn = sqlite3.connect(db)
    conn.executescript("CREATE TABLE a(id INTEGER PRIMARY KEY); CREATE TABLE b(a_id REFERENCES a);")
    conn.close()
    code, out, _ = run_cli(["diagram", "-d", str(db), "--format", "json"])
    assert code == 0
    assert [t["name"] for t in json.loads(out)["tables"]] == ["a", "b"]
    assert run_cli(["diagram", "-d", str(db), "--schema"])[0] == 2
    code, _, err = run_cli(["diagram", "-d", str(tmp_path / "missing.db")])
    assert code == 2 and "no such database file" in err
    assert not (tmp_path / "missing.db").exists()
