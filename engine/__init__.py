"""syncset: GitOps configuration-as-code for SaaS accounts.

The package reads as the data flow: ``config`` (YAML in, typed records out) → ``plan`` (match,
diff, order) → ``apply`` (writes, journal, lock, rollback), with ``promotion`` (compare, promote,
snapshot), ``ci``, ``render`` and ``cli`` at the edges and ``workflow`` wiring the phases
together. Only apply, snapshot and promote touch the world; every other phase is a pure
function of its inputs. ``syncset.schemas`` is the kind catalog, ``syncset.providers`` the
adapters to live accounts.
"""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "syncset-gitops"
"""The name on PyPI (`syncset` there is another project); the import name stays ``syncset``."""

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # pragma: no cover - only when run from a bare source tree
    __version__ = "0+unknown"
