"""The ``sqlkeel`` command line: click commands, output, and the single error boundary.

Nothing imports this package; it imports :mod:`sqlkeel.api` and below. The package itself
imports nothing, so that the fast path (:mod:`sqlkeel.cli.fast`) loads without click.
"""

from __future__ import annotations
