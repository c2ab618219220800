"""The checkout's example, as committed, copied once per test process into a temporary folder.

Tests never read the checkout's ``environments/`` in place: a user may have edited or applied
it. They read this copy of ``HEAD``'s example (``syncset.example``), or copy it further.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from syncset.example import EXAMPLE_PATHS, copy_example

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout (its own files: workflows, .gitignore, docs); never its example in place."""

EXAMPLE_ROOT = Path(tempfile.mkdtemp(prefix="syncset-example-"))
"""The committed example: ``environments/``, ``syncsets.yaml``, ``docs/demo``, ``.gitignore``."""

copy_example(PROJECT_ROOT, EXAMPLE_ROOT, (*EXAMPLE_PATHS, ".gitignore"))
atexit.register(shutil.rmtree, EXAMPLE_ROOT, True)
