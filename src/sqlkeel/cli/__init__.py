"""The ``sqlkeel`` command line: click commands, output, and the single error boundary.

Nothing imports this package; it imports :mod:`sqlkeel.api` and below.
"""

from __future__ import annotations

from sqlkeel.cli.main import cli, main

__all__ = ["cli", "main"]
