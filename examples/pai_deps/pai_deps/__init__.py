"""pai-deps, the sqlkeel way: a registry of tools, their dependencies and their contracts.

- :mod:`pai_deps.db` opens the registry (``~/.pai-deps/registry.db``, or ``$PAI_DEPS_DB``):
  migrated, checked, foreign keys on, and a :class:`RegistryError` that says what to do when
  it cannot be;
- :mod:`pai_deps.registry` is the application: register, depend, verify, remove;
- :mod:`pai_deps.legacy` builds registries the way versions before sqlkeel did;
- ``python -m pai_deps`` is a small command line over both.
"""

from __future__ import annotations

from pai_deps.db import (
    DEFAULT_DATABASE,
    ENV_DATABASE,
    MIGRATIONS,
    RegistryError,
    open_registry,
    registry_path,
)

__all__ = [
    "DEFAULT_DATABASE",
    "ENV_DATABASE",
    "MIGRATIONS",
    "RegistryError",
    "open_registry",
    "registry_path",
]
