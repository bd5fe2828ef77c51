"""Plans → SQL text (pure)."""

from __future__ import annotations

from sqlkeel.render.script import body_statements, op_statements, render_script

__all__ = ["body_statements", "op_statements", "render_script"]
