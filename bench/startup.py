"""Benchmark: start-up of ``syncset --help`` and of a tiny ``syncset validate``.

Issue #15's target: both within **0.25 s**. What a command costs before it does any work is
the interpreter's start-up plus its imports, so the script times, in the same run and
interleaved round after round (``--runs``, default 15):

* floor: ``python -c pass`` (the interpreter alone) and ``python -c "import typer"`` (the
  command-line library every command needs);
* ``syncset --help`` and ``syncset --version``;
* ``syncset validate`` of a tiny environment (one sandbox environment, a calendar and a holiday,
  one plain ``{{ vars.company }}`` template), built in a temporary folder.

Each is a fresh process of this virtualenv's interpreter (the console script for syncset). The
table gives the median CPU time (user + system of the child) and the median and best
wall-clock time. The target is judged on the median CPU time, as the other benchmarks judge
theirs: on an idle machine a start-up's wall-clock time is its CPU time plus a few
milliseconds, and on a shared one (these machines run several test suites at once) wall-clock
time measures the neighbours. Python's bytecode cache matters
at this scale: installed from a wheel, syncset's modules are compiled once by pip, but an
editable checkout run with ``PYTHONDONTWRITEBYTECODE`` set compiles them on every start. The
script measures both: "cached" writes the cache to a temporary ``PYTHONPYCACHEPREFIX`` (never
into the checkout) and warms it first, "not cached" sets ``PYTHONDONTWRITEBYTECODE``.
``--imports`` adds, per command, the largest imports ``python -X importtime`` reports, and
``--stages`` where a tiny validate's CPU time goes, stage by stage in one process.

Run it with ``.venv/bin/python bench/startup.py``; it is a plain script, never part of the test
suite (tests/system/test_startup_imports.py checks what start-up imports instead).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.25
PYTHON = Path(sys.executable)
SYNCSET = PYTHON.with_name("syncset")

ENVIRONMENT_YAML = """\
version: 1
name: dev
account:
  provider: sandbox
  path: .syncset/dev.sqlite
vars:
  company: Widget Data Center
"""
CALENDAR_YAML = """\
kind: calendar
id: office-hours
name: "{{ vars.company }} office hours"
holidays: [christmas]
hours:
  - {weekday: mon, time_from: "08:00", time_until: "17:00"}
"""
HOLIDAY_YAML = """\
kind: holiday
id: christmas
name: Christmas Day
start_at: 2026-12-25
end_at: 2026-12-25
"""


def tiny_repository(root: Path) -> Path:
    folder = root / "environments" / "dev"
    (folder / "calendars").mkdir(parents=True)
    (folder / "holidays").mkdir()
    (folder / "environment.yaml").write_text(ENVIRONMENT_YAML, encoding="utf-8")
    (folder / "calendars" / "office-hours.yaml").write_text(CALENDAR_YAML, encoding="utf-8")
    (folder / "holidays" / "christmas.yaml").write_text(HOLIDAY_YAML, encoding="utf-8")
    return root


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [str(PYTHON), "-c", "pass"],
        "python -c 'import typer'": [str(PYTHON), "-c", "import typer"],
        "syncset --help": [str(SYNCSET), "--help"],
        "syncset --version": [str(SYNCSET), "--version"],
        "syncset validate (tiny)": [str(SYNCSET), "validate"],
    }


def run(command: list[str], root: Path, environ: dict[str, str]) -> tuple[float, float]:
    """One run: (wall-clock seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=environ, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def environ_for(root: Path, cached: bool, pycache: Path) -> dict[str, str]:
    environ = {**os.environ, "SYNCSET_ROOT": str(root)}
    if cached:
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
        environ["PYTHONPYCACHEPREFIX"] = str(pycache)
    else:
        environ["PYTHONDONTWRITEBYTECODE"] = "1"
        environ.pop("PYTHONPYCACHEPREFIX", None)
    return environ


def measure(root: Path, runs: int, environ: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    cases = commands()
    for command in cases.values():  # warms the OS cache (and the bytecode cache, when cached)
        run(command, root, environ)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, command in cases.items():
            times[name].append(run(command, root, environ))
    return times


def table(title: str, times: dict[str, list[tuple[float, float]]]) -> None:
    print(f"{title}:\n")
    print("| command | CPU median | wall median | wall best | target (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, samples in times.items():
        wall = statistics.median(s[0] for s in samples)
        best = min(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        judged = name.startswith(("syncset --help", "syncset validate"))
        target = ("met" if cpu <= TARGET_SECONDS else "MISSED") if judged else "—"
        print(f"| `{name}` | {cpu:.3f} s | {wall:.3f} s | {best:.3f} s | {target} |")
    print()


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def largest_imports(root: Path, environ: dict[str, str], count: int = 12) -> None:
    """The top-level imports (and those one level down) that cost the most, per command."""
    for name, command in commands().items():
        if not name.startswith("syncset"):
            continue
        args = [str(PYTHON), "-X", "importtime", "-c", "from syncset.cli import main; main()"]
        done = subprocess.run(
            [*args, *command[1:]], cwd=root, env=environ, capture_output=True, text=True
        )
        rows = []
        for match in IMPORT_LINE.finditer(done.stderr):
            depth = len(match.group(3)) // 2
            if depth <= 1:
                rows.append((int(match.group(2)), depth, match.group(4)))
        print(f"`{name}`, cumulative import time (-X importtime, one run):\n")
        for micros, depth, module in sorted(rows, reverse=True)[:count]:
            print(f"    {micros / 1000:7.1f} ms  {'  ' * depth}{module}")
        print()


STAGES = """
import sys, time
marks = [("interpreter", time.process_time())]
def mark(name):
    marks.append((name, time.process_time()))
import typer, typer.main; mark("typer")
import rich.console; mark("rich.console")
from syncset.cli import _command, main; mark("the command modules (syncset.cli)")
from pydantic import BaseModel; mark("pydantic")
import pydantic.plugin._loader as plugins; plugins.get_plugins(); mark("pydantic's plugin loader")
import ruamel.yaml; mark("ruamel.yaml")
import syncset.schemas; mark("the kind catalog (syncset.schemas)")
import syncset.config.validate, syncset.config.syncsets; mark("the config stage")
_command(); mark("typer's command tree")
try:
    main(["validate"])
except SystemExit:
    pass
mark("running validate (parameters, validation, the table)")
rows = [(name, now - before) for (name, now), (_, before) in zip(marks[1:], marks)]
rows.insert(0, ("interpreter", marks[0][1]))
print("\\n".join(f"{name}\\t{seconds}" for name, seconds in rows), file=sys.stderr)
"""


def stages(root: Path, environ: dict[str, str], runs: int = 7) -> None:
    """Median CPU milliseconds per stage of a tiny validate, ``runs`` fresh processes."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [str(PYTHON), "-c", STAGES], cwd=root, env=environ, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        for line in done.stderr.strip().splitlines():
            name, seconds = line.rsplit("\t", 1)
            samples.setdefault(name, []).append(float(seconds))
    print(f"`syncset validate (tiny)`, CPU per stage (median of {runs} processes):\n")
    print("| stage | CPU |")
    print("| --- | ---: |")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} ms |")
    total = sum(statistics.median(values) for values in samples.values())
    print(f"| total | {total * 1000:.0f} ms |\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds of every command in turn")
    parser.add_argument("--imports", action="store_true", help="print the largest imports too")
    parser.add_argument("--stages", action="store_true", help="CPU per stage of a tiny validate")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}; {args.runs} rounds; load average {load}\n"
    )
    with tempfile.TemporaryDirectory(prefix="syncset-startup-") as tmp:
        root = tiny_repository(Path(tmp) / "repo")
        pycache = Path(tmp) / "pycache"
        cached = environ_for(root, True, pycache)
        table("bytecode cached (as installed)", measure(root, args.runs, cached))
        uncached = environ_for(root, False, pycache)
        table("bytecode not cached (PYTHONDONTWRITEBYTECODE)", measure(root, args.runs, uncached))
        if args.imports:
            largest_imports(root, cached)
        if args.stages:
            stages(root, cached)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
