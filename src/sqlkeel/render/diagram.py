"""Schema → diagram text: Mermaid ``erDiagram``, Graphviz DOT, or a self-contained SVG.

Each shows the tables (virtual tables dashed) with their columns and types, the keys (PK,
FK, UK), and an arrow for every foreign key, from the child's columns to the parent.
The SVG is laid out here, with no Graphviz needed: tables stand in columns by foreign-key
depth (parents left of their children), each column ordered to keep arrows short.

Pure: no sqlite3, no I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlkeel.model.names import fold
from sqlkeel.model.schema import Schema, Table

FORMATS = ("mermaid", "dot", "svg")


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    type: str
    keys: tuple[str, ...]  # "PK", "FK", "UK"
    notnull: bool


@dataclass(frozen=True, slots=True)
class _Box:
    name: str
    key: str
    columns: tuple[_Column, ...]
    virtual: str | None = None  # the module of a virtual table


@dataclass(frozen=True, slots=True)
class _Edge:
    child: str  # table keys
    parent: str
    columns: tuple[str, ...]  # child column names
    ref_columns: tuple[str, ...]  # parent column names (the primary key when not named)
    required: bool  # every child column NOT NULL


def _boxes(schema: Schema) -> tuple[list[_Box], list[_Edge]]:
    tables = {t.key: t for t in schema.tables}
    boxes: list[_Box] = []
    edges: list[_Edge] = []
    for table in sorted(schema.tables, key=lambda t: (t.position, t.key)):
        pk = set(table.primary_key.column_keys()) if table.primary_key else set()
        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        unique = {u.column_keys()[0] for u in table.uniques if len(u.column_keys()) == 1}
        columns = []
        for col in table.columns:
            keys = tuple(
                k
                for k, present in (
                    ("PK", col.key in pk),
                    ("FK", col.key in fk_cols),
                    ("UK", col.key in unique),
                )
                if present
            )
            columns.append(_Column(col.name, col.type, keys, col.notnull or col.key in pk))
        boxes.append(_Box(table.name, table.key, tuple(columns)))
        for fk in table.foreign_keys:
            parent = tables.get(fk.ref_table)
            if parent is None:
                continue  # a dangling reference: nothing to point at
            child_names = tuple(_column_name(table, c) for c in fk.columns)
            ref = fk.ref_columns or (parent.primary_key.column_keys() if parent.primary_key else ())
            edges.append(
                _Edge(
                    child=table.key,
                    parent=parent.key,
                    columns=child_names,
                    ref_columns=tuple(_column_name(parent, c) for c in ref),
                    required=all(
                        (c := table.column(k)) is not None and c.notnull for k in fk.columns
                    ),
                )
            )
    for vt in sorted(schema.virtual_tables, key=lambda t: (t.position, t.key)):
        boxes.append(
            _Box(
                vt.name,
                vt.key,
                tuple(_Column(c, "", (), False) for c in vt.column_names()),
                virtual=vt.module,
            )
        )
    return boxes, edges


def _column_name(table: Table, key: str) -> str:
    col = table.column(key)
    return col.name if col is not None else key


def render_diagram(schema: Schema, fmt: str) -> str:
    """The diagram of ``schema`` in ``fmt`` (one of :data:`FORMATS`)."""
    boxes, edges = _boxes(schema)
    if fmt == "mermaid":
        return _mermaid(boxes, edges)
    if fmt == "dot":
        return _dot(boxes, edges)
    if fmt == "svg":
        return _svg(boxes, edges)
    raise ValueError(f"unknown diagram format {fmt!r} (expected one of {', '.join(FORMATS)})")


def diagram_json(schema: Schema) -> dict[str, object]:
    """The diagram's content as data: tables with columns and keys, and the foreign keys."""
    boxes, edges = _boxes(schema)
    return {
        "version": 1,
        "tables": [
            {
                "name": b.name,
                "virtual": b.virtual,
                "columns": [
                    {"name": c.name, "type": c.type, "keys": list(c.keys), "not_null": c.notnull}
                    for c in b.columns
                ],
            }
            for b in boxes
        ],
        "foreign_keys": [
            {
                "table": _name(boxes, e.child),
                "columns": list(e.columns),
                "references": _name(boxes, e.parent),
                "ref_columns": list(e.ref_columns),
                "required": e.required,
            }
            for e in edges
        ],
    }


def _name(boxes: list[_Box], key: str) -> str:
    return next(b.name for b in boxes if b.key == key)


# --- Mermaid ---------------------------------------------------------------------------------

_MERMAID_WORD = re.compile(r"[^A-Za-z0-9_]")


def _mermaid_ids(boxes: list[_Box]) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for b in boxes:
        base = _MERMAID_WORD.sub("_", b.name) or "table"
        if base[0].isdigit():
            base = "t_" + base
        candidate, n = base, 2
        while fold(candidate) in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(fold(candidate))
        ids[b.key] = candidate
    return ids


def _mermaid_type(declared: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_()\[\]-]", "_", declared.strip())
    return (
        cleaned if cleaned and cleaned[0].isalpha() else ("ANY" if not cleaned else "T_" + cleaned)
    )


def _mermaid(boxes: list[_Box], edges: list[_Edge]) -> str:
    ids = _mermaid_ids(boxes)
    lines = ["erDiagram"]
    for b in boxes:
        label = f'["{b.name}"]' if ids[b.key] != b.name else ""
        lines.append(f"    {ids[b.key]}{label} {{")
        for c in b.columns:
            name = _MERMAID_WORD.sub("_", c.name) or "column"
            if name[0].isdigit():
                name = "_" + name
            keys = f" {', '.join(c.keys)}" if c.keys else ""
            comment = f' "{c.name}"' if name != c.name else ""
            lines.append(f"        {_mermaid_type(c.type)} {name}{keys}{comment}")
        lines.append("    }")
    for e in edges:
        card = "||" if e.required else "o|"
        label = ", ".join(e.columns).replace('"', "'")
        lines.append(f'    {ids[e.child]} }}o--{card} {ids[e.parent]} : "{label}"')
    return "\n".join(lines) + "\n"


# --- DOT -------------------------------------------------------------------------------------


def _dot_id(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(boxes: list[_Box], edges: list[_Edge]) -> str:
    ports = {b.key: {fold(c.name): f"c{i}" for i, c in enumerate(b.columns)} for b in boxes}
    lines = [
        "digraph schema {",
        "  rankdir=RL;",
        '  node [shape=plaintext, fontname="Helvetica", fontsize=11];',
        '  edge [arrowhead=normal, color="#555555"];',
    ]
    for b in boxes:
        head = html.escape(b.name) + (f" ({html.escape(b.virtual)})" if b.virtual else "")
        rows = [
            f'<TR><TD BGCOLOR="{"#eeeeee" if b.virtual else "#dde7f3"}" COLSPAN="3"><B>{head}</B></TD></TR>'
        ]
        for i, c in enumerate(b.columns):
            rows.append(
                f'<TR><TD PORT="c{i}" ALIGN="LEFT">{html.escape(c.name)}</TD>'
                f'<TD ALIGN="LEFT">{html.escape(c.type)}</TD>'
                f'<TD ALIGN="LEFT">{" ".join(c.keys)}</TD></TR>'
            )
        style = ' STYLE="dashed"' if b.virtual else ""
        lines.append(
            f'  {_dot_id(b.key)} [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0"{style}>'
            + "".join(rows)
            + "</TABLE>>];"
        )
    for e in edges:
        src = ports[e.child].get(fold(e.columns[0]), "c0") if e.columns else "c0"
        dst = ports[e.parent].get(fold(e.ref_columns[0]), "c0") if e.ref_columns else "c0"
        label = html.escape(", ".join(e.columns))
        lines.append(f'  {_dot_id(e.child)}:{src} -> {_dot_id(e.parent)}:{dst} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- SVG -------------------------------------------------------------------------------------

_CHAR = 7.2  # px per character of the 12 px monospace font
_ROW = 18
_PAD = 8
_GAP_X = 70
_GAP_Y = 28


def _levels(boxes: list[_Box], edges: list[_Edge]) -> dict[str, int]:
    """Foreign-key depth: 0 for tables that reference no other table (cycles cut)."""
    parents: dict[str, set[str]] = {b.key: set() for b in boxes}
    for e in edges:
        if e.child != e.parent:
            parents[e.child].add(e.parent)
    level: dict[str, int] = {}

    def depth(key: str, seen: frozenset[str]) -> int:
        if key in level:
            return level[key]
        ups = [p for p in parents[key] if p not in seen]
        value = 1 + max((depth(p, seen | {key}) for p in ups), default=-1)
        level[key] = value
        return value

    for b in boxes:
        depth(b.key, frozenset())
    return level


def _svg(boxes: list[_Box], edges: list[_Edge]) -> str:
    levels = _levels(boxes, edges)
    by_level: dict[int, list[_Box]] = {}
    for b in boxes:
        by_level.setdefault(levels[b.key], []).append(b)
    # Three text columns per box: name, type, keys, each as wide as its longest entry.
    name_w = {b.key: max([len(c.name) for c in b.columns] + [0]) + 2 for b in boxes}
    type_w = {b.key: max([len(c.type) for c in b.columns] + [0]) + 2 for b in boxes}
    widths = {
        b.key: _PAD * 2
        + _CHAR
        * max(
            len(b.name) + (len(b.virtual) + 3 if b.virtual else 0),
            name_w[b.key] + type_w[b.key] + max([len(" ".join(c.keys)) for c in b.columns] + [0]),
        )
        for b in boxes
    }
    positions: dict[str, tuple[float, float]] = {}
    x = 20.0
    height = 0.0
    for level in sorted(by_level):
        column = by_level[level]
        if level:
            # Order children by the mean height of their parents, to keep arrows short.
            def anchor(b: _Box) -> float:
                ys = [
                    positions[e.parent][1]
                    for e in edges
                    if e.child == b.key and e.parent in positions
                ]
                return sum(ys) / len(ys) if ys else 0.0

            column.sort(key=anchor)
        y = 20.0
        for b in column:
            positions[b.key] = (x, y)
            y += _ROW * (len(b.columns) + 1) + _GAP_Y
        height = max(height, y)
        x += max(widths[b.key] for b in column) + _GAP_X
    width = x - _GAP_X + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]

    def row_y(key: str, column: str | None) -> float:
        _, by = positions[key]
        box = next(b for b in boxes if b.key == key)
        index = next(
            (
                i
                for i, c in enumerate(box.columns)
                if column is not None and fold(c.name) == fold(column)
            ),
            -1,
        )
        return by + _ROW * (index + 1) + _ROW / 2

    for e in edges:
        cx, _ = positions[e.child]
        px, _ = positions[e.parent]
        y1 = row_y(e.child, e.columns[0] if e.columns else None)
        y2 = row_y(e.parent, e.ref_columns[0] if e.ref_columns else None)
        if e.child == e.parent:
            right = cx + widths[e.child]
            d = f"M {right:.1f} {y1:.1f} C {right + 40:.1f} {y1:.1f}, {right + 40:.1f} {y2:.1f}, {right:.1f} {y2:.1f}"
        else:
            x1 = cx
            x2 = px + widths[e.parent]
            if x1 < x2:  # a child left of its parent (a cycle was cut): leave from its right
                x1, x2 = cx + widths[e.child], px
            mid = (x1 + x2) / 2
            d = f"M {x1:.1f} {y1:.1f} C {mid:.1f} {y1:.1f}, {mid:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}"
        dash = "" if e.required else ' stroke-dasharray="4 3"'
        title = html.escape(
            f"{_name(boxes, e.child)}({', '.join(e.columns)}) → {_name(boxes, e.parent)}"
        )
        out.append(
            f'<path class="fk" d="{d}" fill="none" stroke="#555" stroke-width="1.2"{dash} '
            f'marker-end="url(#arrow)"><title>{title}</title></path>'
        )
    for b in boxes:
        bx, by = positions[b.key]
        w = widths[b.key]
        h = _ROW * (len(b.columns) + 1)
        dash = ' stroke-dasharray="5 3"' if b.virtual else ""
        fill = "#eeeeee" if b.virtual else "#dde7f3"
        out.append(f'<g class="table" id="{html.escape(b.key, quote=True)}">')
        out.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{w:.1f}" height="{h}" fill="white" stroke="#333"{dash}/>'
        )
        out.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{w:.1f}" height="{_ROW}" fill="{fill}" stroke="#333"{dash}/>'
        )
        head = html.escape(b.name) + (f" ({html.escape(b.virtual)})" if b.virtual else "")
        out.append(f'<text x="{bx + _PAD:.1f}" y="{by + 13:.1f}" font-weight="bold">{head}</text>')
        for i, c in enumerate(b.columns):
            ty = by + _ROW * (i + 1) + 13
            keys = " ".join(c.keys)
            tx = bx + _PAD
            weight = "bold" if "PK" in c.keys else "normal"
            out.append(
                f'<text class="column" x="{tx:.1f}" y="{ty:.1f}" font-weight="{weight}">'
                f"{html.escape(c.name)}</text>"
            )
            if c.type:
                out.append(
                    f'<text class="type" x="{tx + _CHAR * name_w[b.key]:.1f}" y="{ty:.1f}" '
                    f'fill="#666">{html.escape(c.type)}</text>'
                )
            if keys:
                out.append(
                    f'<text class="keys" x="{tx + _CHAR * (name_w[b.key] + type_w[b.key]):.1f}" '
                    f'y="{ty:.1f}" fill="#a33">{keys}</text>'
                )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
