"""dorkos_app: the storage layer of a DorkOS-like server, on one SQLite file.

Pulse, Relay and Mesh used to open three databases with three hand-rolled migration
schemes. Here they share ``dork.db``, whose schema is the migrations shipped in this
package (``dorkos_app:migrations``), applied by sqlkeel when the server starts.
"""

from __future__ import annotations

from dorkos_app.db import DB_FILE, MIGRATIONS, default_home, open_db

__all__ = ["DB_FILE", "MIGRATIONS", "default_home", "open_db"]
