#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run runs exactly this).
# Lint, type-check and build the docs when the dev tools are installed, then the whole
# suite twice: on the system SQLite, and on the newer SQLite bundled with pysqlite3-binary.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

if "$PY" -c "import ruff" 2>/dev/null; then
  echo "== ruff"
  "$PY" -m ruff check src tests bench scripts
fi
if "$PY" -c "import mypy" 2>/dev/null; then
  echo "== mypy (strict, src/)"
  "$PY" -m mypy
fi

if "$PY" -c "import mkdocs" 2>/dev/null; then
  echo "== docs (mkdocs build --strict)"
  # Not --quiet: it hides the warnings that --strict must count (mkdocs then exits 0).
  site="$(mktemp -d)"
  if ! "$PY" -m mkdocs build --strict --site-dir "$site" >"$site.log" 2>&1; then
    cat "$site.log"
    exit 1
  fi
  rm -rf "$site" "$site.log"
fi

echo "== pytest on the system SQLite"
"$PY" -m pytest "$@"

if "$PY" -c "import pysqlite3.dbapi2" 2>/dev/null; then
  echo "== pytest on pysqlite3's SQLite"
  SQLKEEL_TEST_SQLITE=pysqlite3 "$PY" -m pytest "$@"
else
  echo "== pysqlite3-binary is not installed here: the second SQLite run is skipped"
fi
