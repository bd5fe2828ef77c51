"""AMALFA end to end: a database made by a custom migration array is adopted, then migrated on.

Run it with ``python examples/amalfa/run.py [DIR]``. It copies this project (sqlkeel.toml,
schema/, migrations/) into DIR (default: a temporary directory, removed afterwards) and there

1. builds ``.amalfa/resonance.db`` with the old code: nine steps applied up to
   ``PRAGMA user_version`` 9, then nodes with Float32 embedding BLOBs and edges;
2. searches it by cosine similarity over the BLOBs (raw prepared statements, no ORM);
3. shows that ``sqlkeel migrate`` refuses it as it is, then adopts it in one command,
   ``sqlkeel baseline -d .amalfa/resonance.db``: the ``[tool.sqlkeel.baseline]`` map says
   user_version 9 is migration 0001, and sqlkeel verifies that the live schema equals 0001's
   before recording anything;
4. ``sqlkeel migrate`` applies 0002 (a column and an index), after taking its own
   pre-migration snapshot with SQLite's backup API in ``[tool.sqlkeel.backup] directory``
   (keeping ``keep`` copies);
5. ``sqlkeel rollback`` restores that snapshot (keeping the replaced file), 0002 is pending
   again, and ``sqlkeel migrate`` goes forward once more.

Every step is checked; it exits 0 when all checks hold, 1 otherwise.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import legacy  # noqa: E402
from resonance import ResonanceDB, to_blob  # noqa: E402

import sqlkeel  # noqa: E402

DB = Path(".amalfa/resonance.db")
DIMENSIONS = 16
TOPICS = {
    "storage": [
        "WAL checkpoints under load",
        "Why VACUUM INTO does not fsync",
        "Page size and BLOB overflow chains",
        "busy_timeout versus retry loops",
        "Rebuilding a table without losing rows",
        "Foreign keys off before BEGIN",
        "Reading the schema_version header",
        "Online backups with the backup API",
    ],
    "agents": [
        "Agent handoff protocol",
        "Tool call budgets per session",
        "Scheduling long-running agents",
        "Denied paths and sandboxing",
        "Heartbeats and agent health",
        "Relay subjects and endpoints",
        "Retrying failed deliveries",
        "Human approval gates",
    ],
    "retrieval": [
        "Cosine similarity on normalised vectors",
        "Chunking documents for embeddings",
        "Hollow nodes: metadata without content",
        "Re-embedding after a model change",
        "Graph walks from a seed node",
        "Hybrid search: vectors and grep",
        "Deduplicating near-identical notes",
        "Edge confidence and veracity",
    ],
}


def build_legacy_database(path: Path) -> tuple[list[float], int]:
    """The old code's database with rows; return the query vector and the node count."""
    rng = random.Random(9)
    centroids = {t: [rng.gauss(0, 1) for _ in range(DIMENSIONS)] for t in TOPICS}
    conn = legacy.open_legacy(path)
    conn.execute("BEGIN")
    ids: dict[str, list[str]] = {}
    for topic, titles in TOPICS.items():
        for i, title in enumerate(titles):
            node_id = f"{topic}/{i:02d}"
            ids.setdefault(topic, []).append(node_id)
            vector = [c + rng.gauss(0, 0.35) for c in centroids[topic]]
            legacy.insert_node(
                conn,
                node_id,
                node_type="note" if i % 3 else "playbook",
                title=title,
                domain=topic,
                layer="experience" if i % 2 else "knowledge",
                embedding=to_blob(vector),
                content_hash=hashlib.sha256(title.encode()).hexdigest()[:16],
                meta='{"source": "docs/"}',
                date=f"2026-01-{i + 2:02d}",
            )
    for members in ids.values():
        for i, node_id in enumerate(members):
            for step in (1, 2):
                target = members[(i + step) % len(members)]
                legacy.insert_edge(conn, node_id, target, "relates_to", round(1 - step * 0.2, 2))
        legacy.insert_edge(conn, members[0], ids["storage"][0], "cites", 0.5)
    conn.execute("COMMIT")
    conn.close()
    query = [c + rng.gauss(0, 0.2) for c in centroids["storage"]]
    return query, sum(len(v) for v in ids.values())


def sqlkeel_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``sqlkeel ARGS`` (with this interpreter) in ``cwd``, echoing command and output."""
    print(f"$ sqlkeel {' '.join(args)}")
    result = subprocess.run(
        [sys.executable, "-m", "sqlkeel", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in (result.stdout + result.stderr).splitlines():
        print(f"  {line}")
    print(f"  (exit {result.returncode})")
    return result


def snapshot_path(result: subprocess.CompletedProcess[str]) -> Path:
    """The snapshot a ``sqlkeel backup`` or ``sqlkeel migrate`` run printed."""
    for line in result.stdout.splitlines():
        if line.startswith("snapshot: "):
            return Path(line.removeprefix("snapshot: "))
    raise AssertionError(f"no snapshot in the output of {result.args}")


def embeddings_digest(path: Path) -> str:
    """One hash over every node's id and embedding bytes."""
    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        for node_id, blob in conn.execute("SELECT id, embedding FROM nodes ORDER BY id"):
            digest.update(node_id.encode() + b"\0" + blob)
        return digest.hexdigest()
    finally:
        conn.close()


def columns(path: Path, table: str) -> list[str]:
    """Column names of ``table``."""
    conn = sqlite3.connect(path)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def pragma(path: Path, name: str) -> object:
    """One PRAGMA value of the database at ``path``."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def table_names(path: Path) -> set[str]:
    """Names of the tables in the database at ``path``."""
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        conn.close()


def count_nodes(path: Path) -> int:
    """How many nodes the database holds."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM nodes").fetchone()[0])
    finally:
        conn.close()


def demo(work: Path) -> dict[str, bool]:
    """The whole story in the project copy ``work``; return each check and whether it held."""
    for name in ("sqlkeel.toml", "schema", "migrations"):
        source = HERE / name
        if source.is_dir():
            shutil.copytree(source, work / name)
        else:
            shutil.copy(source, work / name)
    db = work / DB
    settings = sqlkeel.load_settings(work / "sqlkeel.toml")
    assert settings.backup.directory is not None, "sqlkeel.toml sets [tool.sqlkeel.backup]"
    print(f"== SQLite {sqlite3.sqlite_version}; project copy in {work}")

    print("== the old code builds the database: nine steps up to PRAGMA user_version 9")
    query, node_count = build_legacy_database(db)
    legacy_version = pragma(db, "user_version")
    print(f"  user_version {legacy_version}, {node_count} nodes")
    store = ResonanceDB(db)
    before_search = store.similar(query, k=5)
    store.close()
    for node_id, title, score in before_search:
        print(f"  {score:.3f}  {node_id}  {title}")
    digest = embeddings_digest(db)

    print("== migrate it as it is: refused, it was never migrated by sqlkeel")
    refused = sqlkeel_cli("migrate", "-d", str(DB), cwd=work)
    tables_after_refusal = table_names(db)

    print("== adopt it, after a snapshot")
    first_snapshot = snapshot_path(
        sqlkeel_cli("backup", "-d", str(DB), "--label", "pre-baseline", cwd=work)
    )
    adopted = sqlkeel_cli("baseline", "-d", str(DB), cwd=work)
    status_adopted = sqlkeel_cli("status", "-d", str(DB), cwd=work)

    print("== migrate (sqlkeel takes the pre-migration snapshot itself)")
    migrated = sqlkeel_cli("migrate", "-d", str(DB), cwd=work)
    pre_0002 = snapshot_path(migrated)
    drift = sqlkeel_cli("drift", "-d", str(DB), cwd=work)
    migrated_columns = columns(db, "nodes")
    store = ResonanceDB(db)
    after_search = store.similar(query, k=5)
    in_retrieval = store.similar(query, k=3, domain="retrieval")
    store.upsert_node(
        "retrieval/99",
        node_type="note",
        title="Embedding models, recorded per node",
        domain="retrieval",
        layer="knowledge",
        embedding=[0.1] * DIMENSIONS,
        model="example-embed-16",
        content_hash="0" * 16,
    )
    try:
        store.conn.execute("ALTER TABLE nodes ADD COLUMN scratch TEXT")
        guard_refused = False
    except sqlkeel.SchemaChangeRefusedError as exc:
        guard_refused = True
        print(f"  the app's connection refuses ad-hoc DDL: {exc}")
    store.close()
    migrated_nodes = count_nodes(db)

    print("== roll back to the pre-migration snapshot")
    rolled_back = sqlkeel_cli("rollback", "-d", str(DB), cwd=work)
    status_rolled_back = sqlkeel_cli("status", "-d", str(DB), cwd=work)
    drift_rolled_back = sqlkeel_cli("drift", "-d", str(DB), cwd=work)
    rolled_back_columns = columns(db, "nodes")
    rolled_back_nodes = count_nodes(db)

    print("== and forward again")
    migrated_again = sqlkeel_cli("migrate", "-d", str(DB), cwd=work)
    retry = snapshot_path(migrated_again)
    sqlkeel_cli("backup", "list", "-d", str(DB), cwd=work)
    kept = [b.path for b in sqlkeel.list_backups(db, directory=settings.backup.directory)]

    return {
        "the old array left user_version 9": legacy_version == 9,
        "similarity search ranks the storage notes first": all(
            node_id.startswith("storage/") for node_id, _, _ in before_search
        ),
        "migrate before adoption is refused (exit 1), nothing written": refused.returncode == 1
        and tables_after_refusal == {"nodes", "edges"},
        "baseline adopted the database as 0001 (exit 0)": adopted.returncode == 0
        and "0001_init.sql (PRAGMA user_version 9)" in adopted.stdout,
        "after baseline, 0002 is pending": "pending  0002_" in status_adopted.stdout,
        "migrate snapshotted, then applied 0002 (exit 0)": migrated.returncode == 0
        and "0002_embedding_model_and_edge_type_index.sql" in migrated.stdout
        and pre_0002.name.endswith("-pre-0002.db"),
        "no drift after migrate": drift.returncode == 0,
        "nodes gained embedding_model": "embedding_model" in migrated_columns,
        "search results unchanged by the migration": after_search == before_search,
        "the domain filter (a bound parameter) keeps to its domain": bool(in_retrieval)
        and all(n.startswith("retrieval/") for n, _, _ in in_retrieval),
        "the guarded connection refused ALTER TABLE": guard_refused,
        "rollback restored the pre-0002 snapshot and schema": rolled_back.returncode == 0
        and f"from {pre_0002}" in rolled_back.stdout
        and "embedding_model" not in rolled_back_columns
        and "pending  0002_" in status_rolled_back.stdout,
        "no drift after rollback": drift_rolled_back.returncode == 0,
        "rollback dropped the rows written after the snapshot": rolled_back_nodes
        == migrated_nodes - 1
        == node_count,
        "migrate after rollback (exit 0)": migrated_again.returncode == 0,
        "every embedding byte survived": embeddings_digest(db) == digest,
        "user_version is left to the application": pragma(db, "user_version") == 9,
        "retention kept the newest snapshots": kept[-1] == retry
        and len(kept) == settings.backup.keep
        and first_snapshot not in kept
        and pre_0002 not in kept,
    }


def main(argv: list[str]) -> int:
    """Run the demo in ``argv[0]`` (kept) or a temporary directory; 0 when every check holds."""
    if argv:
        work = Path(argv[0]).resolve()
        if work.exists() and any(work.iterdir()):
            print(f"{work} is not empty: give a new or empty directory", file=sys.stderr)
            return 2
        work.mkdir(parents=True, exist_ok=True)
        checks = demo(work)
    else:
        with tempfile.TemporaryDirectory(prefix="amalfa-") as tmp:
            checks = demo(Path(tmp))
    print("== checks")
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
