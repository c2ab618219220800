"""What a command imports before it does its work: ``--help`` and a validate of a small
environment load none of the heavy parts of the engine.

Issue #15 asks for ``syncset --help`` and a tiny validate within 0.25 s. Timings depend on the
machine and are never asserted in tests; which modules a command imports does not, and
importing them was where the time went (docs/performance.md, Start-up; bench/startup.py
measures it). Each case runs the console script's entry point in a fresh interpreter and reads
``sys.modules`` after the command: importing a module anywhere in the package (a command
module's top, a stage it uses) shows up here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo

PROBE = """
import json, sys
from syncset.cli import main

code = 0
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""
"""``syncset ARGS`` as the console script runs it (``syncset.cli:main``), then its modules."""

HEAVY = (
    "git",  # gitpython: promote, ci, plan --changed-since
    "httpx",  # the HTTP providers
    "deepdiff",  # the differ
    "jinja2",  # templates beyond plain {{ vars.x }} / {{ env("X") }}
    "graphql",  # the xurrent provider's schema checks
    "rapidfuzz",  # map --suggest
    "rich.progress",  # apply's progress bar
    "syncset.apply.journal",  # apply and rollback
)


def imported(root: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, the modules ``syncset ARGS`` imported, and what it printed."""
    report = root / ".probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.exists(), done.stderr  # the probe died before the command returned
    result = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return result["code"], set(result["modules"]), done.stdout + done.stderr


def heavy(modules: set[str], names: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules))


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["apply", "--help"], ["ci", "--help"]])
def test_help_imports_no_engine(repo: Repo, args: list[str]) -> None:
    code, modules, output = imported(repo.root, *args)
    assert code == 0, output
    assert "Usage:" in output
    assert heavy(modules) == []
    # Not even the kind catalog or the providers: --help reads the commands' signatures only.
    assert heavy(modules, ("syncset.schemas", "syncset.providers", "syncset.workflow")) == []


def small_environment(repo: Repo) -> None:
    repo.add_environment("dev", extra="vars:\n  company: Widget\n")
    repo.write(
        "environments/dev/calendars/office.yaml",
        """
        kind: calendar
        id: office-hours
        name: "{{ vars.company }} office hours"
        holidays: [christmas]
        hours:
          - {weekday: mon, time_from: "08:00", time_until: "17:00"}
        """,
    )
    repo.write(
        "environments/dev/holidays/christmas.yaml",
        """
        kind: holiday
        id: christmas
        name: Christmas Day
        start_at: 2026-12-25
        end_at: 2026-12-25
        """,
    )


def test_validate_of_a_small_environment_reads_files_only(repo: Repo) -> None:
    small_environment(repo)
    code, modules, output = imported(repo.root, "validate")
    assert code == 0, output
    assert "calendar" in output and "holiday" in output
    # No git, no HTTP stack, no differ; and no Jinja, since the one template is plain.
    assert heavy(modules) == []


def test_a_template_beyond_plain_substitution_still_renders(repo: Repo) -> None:
    """The other side of the lazy import: Jinja is loaded when a template needs it."""
    small_environment(repo)
    repo.write(
        "environments/dev/holidays/christmas.yaml",
        """
        kind: holiday
        id: christmas
        name: "{{ vars.company | upper }} Christmas"
        start_at: 2026-12-25
        end_at: 2026-12-25
        """,
    )
    code, modules, output = imported(repo.root, "validate", "--format", "json")
    assert code == 0, output
    assert json.loads(output)["records"] == {"dev": {"calendar": 1, "holiday": 1}}
    assert heavy(modules) == ["jinja2"]
