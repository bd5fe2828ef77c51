"""Migration files, their checksums, the committed sum file, and the journal table."""

from __future__ import annotations
