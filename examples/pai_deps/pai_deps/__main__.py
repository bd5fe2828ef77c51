"""``python -m pai_deps``: a small command line over the registry.

::

    python -m pai_deps status                      # where the registry is, rows per table
    python -m pai_deps register ID --path P [--type cli]
    python -m pai_deps depend CONSUMER PROVIDER [--type cli]
    python -m pai_deps remove ID                   # cascades to dependencies and contracts

Errors go to stderr as ``pai-deps: error: …`` with exit status 1.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from pai_deps.db import RegistryError, open_registry, registry_path
from pai_deps.registry import add_dependency, counts, register_tool, remove_tool


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pai-deps", description=__doc__.splitlines()[0])
    parser.add_argument("--lock-timeout", type=float, default=10.0, help="seconds to wait")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="where the registry is, and its rows per table")
    reg = sub.add_parser("register", help="add or update a tool")
    reg.add_argument("id")
    reg.add_argument("--path", required=True)
    reg.add_argument("--type", default="cli")
    dep = sub.add_parser("depend", help="record that CONSUMER depends on PROVIDER")
    dep.add_argument("consumer")
    dep.add_argument("provider")
    dep.add_argument("--type", default="cli")
    rm = sub.add_parser("remove", help="delete a tool and everything that hangs off it")
    rm.add_argument("id")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 with a message on stderr otherwise."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="pai-deps: %(message)s", stream=sys.stderr)
    try:
        conn = open_registry(lock_timeout=args.lock_timeout)
    except RegistryError as exc:
        print(f"pai-deps: error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "status":
            print(f"registry: {registry_path()}")
            for table, n in counts(conn).items():
                print(f"  {table}: {n}")
        elif args.command == "register":
            register_tool(conn, args.id, path=args.path, type=args.type)
            print(f"registered {args.id}")
        elif args.command == "depend":
            add_dependency(conn, args.consumer, args.provider, type=args.type)
            print(f"{args.consumer} depends on {args.provider}")
        elif args.command == "remove":
            if not remove_tool(conn, args.id):
                print(f"pai-deps: error: no tool {args.id!r} is registered", file=sys.stderr)
                return 1
            print(f"removed {args.id} and everything that depended on it")
    except sqlite3.IntegrityError as exc:
        print(f"pai-deps: error: {exc} (is every tool registered first?)", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
