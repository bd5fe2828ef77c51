"""SQLAlchemy models as the desired schema, and the SQLAlchemy engine integration.

A SQLAlchemy 2 declarative model set with foreign keys (cascade), indexes (expression and
composite), named CHECKs, server defaults, Enum, Boolean, JSON and a composite primary key,
plus an extra .sql file for what SQLAlchemy cannot express (an external-content FTS5 index
with its sync triggers, and a view). ``sqlkeel generate`` writes the migrations, they apply to
a populated database and converge (the catalog equals the model, a second generate finds
nothing, ``check`` passes, no drift), and every row survives the second version's rebuild.
Alembic's known false positives (server defaults, CHECK constraints) must not appear.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")

import sqlkeel  # noqa: E402
from migration_helpers import run_cli  # noqa: E402
from sqlkeel.api import load_schema  # noqa: E402
from sqlkeel.catalog.reader import read_schema  # noqa: E402
from sqlkeel.diff.compare import describe_differences  # noqa: E402
from sqlkeel.integrations.sqlalchemy import create_engine  # noqa: E402

MODELS_V1 = '''
import enum
import datetime
from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Enum, ForeignKey, Index, PrimaryKeyConstraint, String,
    func, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    new = "new"
    done = "done"


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))
    status: Mapped[Status] = mapped_column(Enum(Status), server_default="new")
    prefs: Mapped[dict | None] = mapped_column(JSON)
    created: Mapped[datetime.datetime] = mapped_column(server_default=func.current_timestamp())
    __table_args__ = (
        CheckConstraint("length(email) > 3", name="email_len"),
        Index("ix_users_lower_email", func.lower(email)),
    )


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(server_default="")
    score: Mapped[float] = mapped_column(server_default=text("0.0"))
    __table_args__ = (CheckConstraint("score >= 0", name="score_positive"),)


class Membership(Base):
    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20), server_default="member")
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "group"),
        Index("ix_memberships_group_role", "group", "role"),
    )
'''

# Version 2: a new column with a server default, a longer Enum (its VARCHAR widens: a
# rebuild of users, a parent with cascade children), a changed CHECK, a new table, an index.
MODELS_V2 = (
    MODELS_V1.replace('    done = "done"\n', '    done = "done"\n    archived = "archived"\n')
    .replace(
        '    title: Mapped[str] = mapped_column(String(120))\n',
        '    title: Mapped[str] = mapped_column(String(120), index=True)\n'
        '    pinned: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))\n',
    )
    .replace('"length(email) > 3"', '"length(email) > 5"')
    + '''

class Tag(Base):
    __tablename__ = "tags"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))
    __table_args__ = (PrimaryKeyConstraint("post_id", "tag"),)
'''
)

EXTRA_SQL = """
CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id');
CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN
  INSERT INTO posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN
  INSERT INTO posts_fts(posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
"""


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "app.db"
        self.extra = root / "schema" / "extra.sql"
        self.models: list[str] = []

    def write_models(self, source: str) -> str:
        """Write the models as a new package (a fresh import each time) and point the config at it."""
        package = f"skmodels_{uuid.uuid4().hex[:10]}"
        (self.root / package).mkdir()
        (self.root / package / "__init__.py").write_text("", encoding="utf-8")
        (self.root / package / "models.py").write_text(source, encoding="utf-8")
        self.models.append(package)
        spec = f"{package}.models:Base.metadata"
        (self.root / "sqlkeel.toml").write_text(
            "[tool.sqlkeel]\n"
            f'schema = ["{spec}", "schema/extra.sql"]\n'
            'migrations = "migrations"\ndatabase = "app.db"\n',
            encoding="utf-8",
        )
        return spec

    def desired(self, spec: str) -> sqlkeel.Schema:
        sys.path.insert(0, str(self.root))
        try:
            return load_schema([spec, str(self.extra)]).schema
        finally:
            sys.path.remove(str(self.root))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema").mkdir()
    (tmp_path / "migrations").mkdir()
    (tmp_path / "schema" / "extra.sql").write_text(EXTRA_SQL, encoding="utf-8")
    p = Project(tmp_path)
    yield p
    for package in p.models:
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def rows(db: Path) -> dict[str, list[dict[str, object]]]:
    """Every row of the model's tables, as column → value, in key order."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {
            t: [dict(r) for r in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2')]
            for t in ("users", "posts", "memberships")
        }
    finally:
        conn.close()


def test_models_generate_migrations_that_converge_and_keep_every_row(project: Project) -> None:
    spec = project.write_models(MODELS_V1)
    code, out, err = run_cli(["generate", "--name", "init"])
    assert code == 0, err
    first = project.root / "migrations" / "0001_init.sql"
    assert first.is_file()
    text = first.read_text(encoding="utf-8")
    assert "CREATE TABLE users" in text and "CREATE VIRTUAL TABLE posts_fts" in text
    # No phantom differences: a second generate and check find nothing.
    code, out, err = run_cli(["generate"])
    assert (code, out.strip()) == (0, "no changes: the migrations already produce the desired schema")
    assert run_cli(["check"])[0] == 0

    code, _, err = run_cli(["migrate", "--no-backup"] if _has_no_backup() else ["migrate"])
    assert code == 0, err
    got = read_schema(sqlite3.connect(project.db))
    want = project.desired(spec)
    assert got == want, describe_differences(got, want)

    engine = create_engine(project.db, migrations=project.root / "migrations")
    with engine.begin() as c:
        for i in range(1, 51):
            c.exec_driver_sql(
                "INSERT INTO users(id, email, prefs) VALUES (?, ?, ?)",
                (i, f"user{i}@example.org", '{"theme": "dark"}' if i % 2 else None),
            )
            c.exec_driver_sql(
                "INSERT INTO posts(user_id, title, body, score) VALUES (?, ?, ?, ?)",
                (i, f"post {i}", f"body of post {i} about sqlite", i / 2),
            )
            c.exec_driver_sql(
                "INSERT INTO memberships(user_id, \"group\") VALUES (?, ?)", (i, f"g{i % 3}")
            )
    engine.dispose()
    before = rows(project.db)

    spec2 = project.write_models(MODELS_V2)
    code, out, err = run_cli(["check"])
    assert code == 3, (out, err)  # the models moved on: the migrations are stale
    code, out, err = run_cli(["generate", "--name", "v2"])
    assert code == 0, err
    second = (project.root / "migrations" / "0002_v2.sql").read_text(encoding="utf-8")
    assert "rebuild table users" in second and "-- sqlkeel: foreign-keys-off" in second
    assert run_cli(["generate"])[1].strip().startswith("no changes")
    code, _, err = run_cli(["migrate", "--no-backup"] if _has_no_backup() else ["migrate"])
    assert code == 0, err

    conn = sqlite3.connect(project.db)
    got = read_schema(conn)
    want = project.desired(spec2)
    assert got == want, describe_differences(got, want)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    after = rows(project.db)
    assert after["users"] == before["users"]  # the rebuilt parent kept every row and value
    assert after["memberships"] == before["memberships"]  # its cascade children too
    assert [{k: v for k, v in r.items() if k != "pinned"} for r in after["posts"]] == before[
        "posts"
    ]
    assert {r["pinned"] for r in after["posts"]} == {0}  # the new column's server default
    assert conn.execute(
        "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'sqlite'"
    ).fetchone() == (50,)
    conn.close()
    assert run_cli(["drift"])[0] == 0
    assert run_cli(["check"])[0] == 0


def _has_no_backup() -> bool:
    from sqlkeel.cli.main import cli

    migrate_command = cli.commands["migrate"]
    return any("--no-backup" in p.opts for p in migrate_command.params)


def test_the_engine_has_the_house_pragmas_the_guard_and_real_transactions(
    project: Project,
) -> None:
    project.write_models(MODELS_V1)
    assert run_cli(["generate", "--name", "init"])[0] == 0
    engine = create_engine(project.root / "data" / "app.db", migrations="migrations")
    assert (project.root / "data" / "app.db").is_file()  # directory made, migrations applied
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    # A rolled-back SQLAlchemy transaction leaves nothing behind.
    with engine.connect() as c:
        c.begin()
        c.exec_driver_sql("INSERT INTO users(email) VALUES ('gone@example.org')")
        c.rollback()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM users").scalar() == 0
    # Schema changes outside migrations are refused, create_all included.
    other = sqlalchemy.MetaData()
    sqlalchemy.Table("adhoc", other, sqlalchemy.Column("x", sqlalchemy.Integer))
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="belong in a migration"):
        other.create_all(engine)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="belong in a migration"), engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE users ADD COLUMN project TEXT")
    # ON DELETE CASCADE is enforced on the engine's connections.
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO users(id, email) VALUES (1, 'one@example.org')")
        c.exec_driver_sql("INSERT INTO posts(user_id, title) VALUES (1, 't')")
        c.exec_driver_sql("DELETE FROM users WHERE id = 1")
        assert c.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 0
    engine.dispose()


def test_a_model_spec_that_does_not_resolve_is_a_clear_error(project: Project) -> None:
    (project.root / "sqlkeel.toml").write_text(
        '[tool.sqlkeel]\nschema = "nosuchpackage_zz.models:Base.metadata"\n', encoding="utf-8"
    )
    code, _, err = run_cli(["generate"])
    assert code == 1
    assert "nosuchpackage_zz.models:Base.metadata: cannot import nosuchpackage_zz" in err
    package = project.write_models(MODELS_V1).split(".")[0]
    (project.root / "sqlkeel.toml").write_text(
        f'[tool.sqlkeel]\nschema = "{package}.models:Status"\n', encoding="utf-8"
    )
    code, _, err = run_cli(["generate"])
    assert code == 1
    assert "is a EnumType, not a SQLAlchemy MetaData" in err or "not a SQLAlchemy MetaData" in err
    (project.root / "sqlkeel.toml").write_text(
        f'[tool.sqlkeel]\nschema = "{package}.models:Nope"\n', encoding="utf-8"
    )
    code, _, err = run_cli(["generate"])
    assert (code, "has no attribute Nope" in err) == (1, True)


def test_a_declarative_base_and_its_metadata_are_the_same_source(project: Project) -> None:
    spec = project.write_models(MODELS_V1)
    base_spec = spec.removesuffix(".metadata")
    sys.path.insert(0, str(project.root))
    try:
        assert load_schema(spec).schema == load_schema(base_spec).schema
        assert {t.name for t in load_schema(base_spec).schema.tables} == {
            "users",
            "posts",
            "memberships",
        }
    finally:
        sys.path.remove(str(project.root))


def test_sqlmodel_metadata(project: Project) -> None:
    pytest.importorskip("sqlmodel")
    package = f"sksqlmodel_{uuid.uuid4().hex[:8]}"
    (project.root / package).mkdir()
    (project.root / package / "__init__.py").write_text(
        "from sqlmodel import Field, SQLModel\n\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    name: str = Field(index=True)\n",
        encoding="utf-8",
    )
    project.models.append(package)
    sys.path.insert(0, str(project.root))
    try:
        schema = load_schema(f"{package}:SQLModel.metadata").schema
    finally:
        sys.path.remove(str(project.root))
    assert "hero" in {t.key for t in schema.tables}
    assert any(ix.table == "hero" for ix in schema.indexes)


def test_import_sqlkeel_does_not_import_sqlalchemy() -> None:
    import subprocess

    code = (
        "import sys, sqlkeel, sqlkeel.api\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
