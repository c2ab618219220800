"""The CLI keeps its defaults as literals (its modules import no engine at start-up)."""

from __future__ import annotations


def test_ci_plan_workers_default_is_the_engines():
    from syncset.ci.plan import DEFAULT_WORKERS
    from syncset.cli.ci_cmd import PLAN_WORKERS

    assert PLAN_WORKERS == DEFAULT_WORKERS
