"""syncset: GitOps configuration-as-code for SaaS accounts.

The package reads as the data flow: ``config`` (YAML in, typed records out) → ``plan`` (match,
diff, order) → ``apply`` (writes, journal, lock, rollback), with ``promotion`` (compare, promote,
snapshot), ``ci``, ``render`` and ``cli`` at the edges and ``workflow`` wiring the phases
together. Only apply, snapshot and promote touch the world; every other phase is a pure
function of its inputs. ``syncset.schemas`` is the kind catalog, ``syncset.providers`` the
adapters to live accounts.
"""

from __future__ import annotations

import functools

DISTRIBUTION = "syncset-gitops"
"""The name on PyPI (`syncset` there is another project); the import name stays ``syncset``."""


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # pragma: no cover - only when run from a bare source tree
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``syncset.__version__``, read from the installed package's metadata on first use:
    importing :mod:`importlib.metadata` costs 20 ms, which every command (``--help`` too)
    paid at start-up although only ``--version`` and ``init`` show the version."""
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
