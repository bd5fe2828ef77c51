"""``python -m sqlkeel``: the command line."""

from sqlkeel.cli.fast import main

main()
