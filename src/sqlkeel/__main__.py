"""``python -m sqlkeel``: the command line."""

from sqlkeel.cli.main import entry_point

entry_point()
