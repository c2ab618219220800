"""Benchmark: ``syncset validate`` against the floor, ruamel.yaml's C safe loader.

Generates environments of 1,000 and 10,000 records (a realistic mix of kinds with references,
one file per record) in a temporary folder, then times, in the same run:

* floor: reading every file and parsing it with ``YAML(typ="safe", pure=False)``;
* load: :func:`syncset.config.load.read_environment_files` (read + parse only);
* validate: :func:`syncset.config.validate.validate_environment` in-process;
* cli: one ``syncset validate`` subprocess run (includes interpreter start-up and imports).

The first three run in turn, round after round (``--runs``, default 3), and the best of each is
kept, so that a busy machine slows both sides of the ratio alike. Times are CPU seconds of this
process (or of the child, for the cli), which a machine shared with other jobs disturbs far less
than wall-clock time; wall-clock figures are printed too.

It prints markdown tables with the ratios to the floor; the target is validate within 1.5x of
the floor at 10,000 records. Run it with ``.venv/bin/python bench/validate.py`` (``--help`` for
sizes, rounds, the share of templated values and ``--profile``); it is a plain script, never
part of the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from syncset.config.load import read_environment_files  # noqa: E402
from syncset.config.validate import validate_environment  # noqa: E402

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PEOPLE = [f"person{n:03d}@wdc.example" for n in range(200)]
FREE_TEXT_SHARE = 0.6
"""Share of generated records with a free-text field that may carry ``{{ vars.company }}``."""

ENVIRONMENT_YAML = """\
version: 1
name: bench
account:
  provider: sandbox
  path: .syncset/bench.sqlite
vars:
  company: Widget Data Center
policies:
  only_in_account: keep
"""


class Mix:
    """How the generated records reference each other, and which carry a template."""

    def __init__(self, records: int, templated_percent: float) -> None:
        unit = records // 100
        # Per 100 records of a scrum-heavy account: 15 holidays, 10 calendars, 15 UI extensions,
        # 10 teams, 20 request templates, 10 boards, 10 backlogs and 10 scrum workspaces.
        self.counts = {
            "holidays": 15 * unit,
            "calendars": 10 * unit,
            "ui_extensions": 15 * unit,
            "teams": 10 * unit,
            "request_templates": 20 * unit,
            "agile_boards": 10 * unit,
            "product_backlogs": 10 * unit,
            "scrum_workspaces": 10 * unit,
        }
        share = templated_percent / 100 / FREE_TEXT_SHARE
        self.template_every = round(1 / share) if share > 0 else 0

    def company(self, n: int) -> str:
        """The company name, written as a template in one free-text value out of N."""
        if self.template_every and n % self.template_every == 0:
            return "{{ vars.company }}"
        return "Widget Data Center"

    def count(self, kind: str) -> int:
        return self.counts[kind]


def person(n: int) -> str:
    return PEOPLE[n % len(PEOPLE)]


def holiday(mix: Mix, n: int) -> str:
    day = 1 + n % 28
    return (
        f"kind: holiday\nid: holiday-{n}\nname: Holiday {n}\n"
        f"start_at: 2027-02-{day:02d}\nend_at: 2027-02-{day:02d}\n"
    )


def calendar(mix: Mix, n: int) -> str:
    hours = "".join(
        f'  - {{weekday: {day}, time_from: "08:00", time_until: "17:00"}}\n' for day in WEEKDAYS
    )
    refs = "".join(f"  - holiday-{(n * 3 + k) % mix.count('holidays')}\n" for k in range(3))
    return (
        f"kind: calendar\nid: calendar-{n}\nname: Office hours {n}\n"
        f"holidays:\n{refs}hours:\n{hours}"
    )


def ui_extension(mix: Mix, n: int) -> str:
    return (
        f"kind: ui_extension\nid: ui-{n}\nname: Extension {n}\ncategory: request_template\n"
        f"title: Extra fields {n}\n"
        "html: |\n  <div class='row'>\n    <input id='amount' />\n  </div>\n"
        "css: |\n  .row { display: flex; }\n"
    )


def team(mix: Mix, n: int) -> str:
    members = "".join(f"  - {person(n + k)}\n" for k in range(4))
    return (
        f"kind: team\nid: team-{n}\nname: Team {n}\n"
        f"time_zone: Europe/Amsterdam\nremarks: Builds product {n} for {mix.company(n + 1)}.\n"
        f"coordinator: {person(n)}\nmanager: {person(n + 1)}\nmembers:\n{members}"
        f"work_hours: calendar-{n % mix.count('calendars')}\n"
        f"ui_extension: ui-{n % mix.count('ui_extensions')}\n"
    )


def request_template(mix: Mix, n: int) -> str:
    return (
        f"kind: request_template\nid: template-{n}\nsubject: Request {n}\ncategory: rfc\n"
        f"instructions: Describe change {n} for {mix.company(n + 2)}.\n"
        f"team: team-{n % mix.count('teams')}\n"
        f"support_hours: calendar-{n % mix.count('calendars')}\n"
        f"ui_extension: ui-{n % mix.count('ui_extensions')}\nsupplier: Supplier {n % 7}\n"
    )


def agile_board(mix: Mix, n: int) -> str:
    return (
        f"kind: agile_board\nid: board-{n}\nname: Board {n}\nmanager: {person(n)}\n"
        f"request_template: template-{n % mix.count('request_templates')}\ncolumns:\n"
        "  - name: To Do\n    action_type: none\n"
        "  - name: In Progress\n    action_type: start\n"
        f"    team: team-{n % mix.count('teams')}\n"
        "  - name: Review\n    action_type: assign\n    wip_limit: 5\n"
        "  - name: Done\n    action_type: complete\n    clear_member: true\n"
    )


def product_backlog(mix: Mix, n: int) -> str:
    return (
        f"kind: product_backlog\nid: backlog-{n}\nname: Backlog {n}\n"
        f"description: What product {n} of {mix.company(n + 3)} still needs.\n"
        f"product_owner: {person(n + 2)}\n"
        f"request_template: template-{n % mix.count('request_templates')}\n"
    )


def scrum_workspace(mix: Mix, n: int) -> str:
    return (
        f"kind: scrum_workspace\nid: workspace-{n}\nname: Workspace {n}\n"
        f"description: Two-week sprints at {mix.company(n + 4)}.\nteam: team-{n}\n"
        f"product_backlog: backlog-{n}\nagile_board: board-{n}\nsprint_length: 2\n"
    )


MAKERS: dict[str, Callable[[Mix, int], str]] = {
    "holidays": holiday,
    "calendars": calendar,
    "ui_extensions": ui_extension,
    "teams": team,
    "request_templates": request_template,
    "agile_boards": agile_board,
    "product_backlogs": product_backlog,
    "scrum_workspaces": scrum_workspace,
}


def generate(root: Path, records: int, templated_percent: float) -> tuple[int, int]:
    """Write an environment of ``records`` records; returns (records, templated values)."""
    mix = Mix(records, templated_percent)
    folder = root / "environments" / "bench"
    folder.mkdir(parents=True)
    (folder / "environment.yaml").write_text(ENVIRONMENT_YAML)
    (folder / "mappings.yaml").write_text("version: 1\nreferences: {}\nlinks: {}\n")
    templated = 0
    for kind, count in mix.counts.items():
        (folder / kind).mkdir()
        for n in range(count):
            text = MAKERS[kind](mix, n)
            templated += "{{" in text
            (folder / kind / f"{n:05d}.yaml").write_text(text)
    return sum(mix.counts.values()), templated


Timing = tuple[float, float]
"""(CPU seconds, wall-clock seconds)."""


def interleaved(runs: int, actions: dict[str, Callable[[], object]]) -> dict[str, Timing]:
    """Best time of each action over ``runs`` rounds, taken in turn to share the machine's load."""
    best = dict.fromkeys(actions, (float("inf"), float("inf")))
    for _ in range(runs):
        for name, action in actions.items():
            gc.collect()
            cpu, wall = time.process_time(), time.perf_counter()
            action()
            took = (time.process_time() - cpu, time.perf_counter() - wall)
            best[name] = min(best[name], took)
    return best


def floor(files: list[Path]) -> None:
    """Read and parse every file with the C safe loader."""
    loader = YAML(typ="safe", pure=False)
    for path in files:
        list(loader.load_all(path.read_text(encoding="utf-8")))


def cli_run(root: Path) -> Timing:
    """One ``syncset validate bench`` in a child process: its CPU time and the wall time."""
    script = Path(sys.executable).with_name("syncset")
    environ = {**os.environ, "SYNCSET_ROOT": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(
        [str(script), "validate", "bench"], env=environ, capture_output=True, text=True
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return cpu, wall


def measure(root: Path, count: int, runs: int) -> dict[str, Timing]:
    folder = root / "environments" / "bench"
    files = sorted(p for p in folder.rglob("*.yaml") if p.name != "mappings.yaml")
    env = validate_environment(root, "bench", {})  # warms the OS cache, and proves it is valid
    assert len(env.records) == count, (len(env.records), count)
    timings = interleaved(
        runs,
        {
            "floor": lambda: floor(files),
            "load": lambda: read_environment_files(root, folder, []),
            "validate": lambda: validate_environment(root, "bench", {}),
        },
    )
    return {**timings, "cli": cli_run(root)}


def profile(root: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    validate_environment(root, "bench", {})
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def table(rows: list[tuple[int, int, int, dict[str, Timing]]], which: int) -> None:
    print(
        "| records | files | templated | floor (C safe loader) | load | validate (in-process) "
        "| validate / floor | `syncset validate` (subprocess) | cli / floor |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for count, files, templated, t in rows:
        floor_s = t["floor"][which]
        print(
            f"| {count:,} | {files:,} | {templated:,} | {floor_s:.2f} s | {t['load'][which]:.2f} s "
            f"| {t['validate'][which]:.2f} s | {t['validate'][which] / floor_s:.2f}x "
            f"| {t['cli'][which]:.2f} s | {t['cli'][which] / floor_s:.2f}x |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="record counts, comma separated")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the best of each is kept")
    parser.add_argument(
        "--templated",
        type=float,
        default=10.0,
        help="percent of records with one {{ vars.company }} value (default 10, max 60)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}; best of {args.runs} rounds\n"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="syncset-bench-") as tmp:
        for size in sizes:
            root = Path(tmp) / f"r{size}"
            count, templated = generate(root, size, args.templated)
            files = sum(1 for _ in (root / "environments" / "bench").rglob("*.yaml"))
            rows.append((count, files, templated, measure(root, count, args.runs)))
            if args.profile and size == max(sizes):
                profile(root)
    print("CPU time:\n")
    table(rows, 0)
    print("\nwall-clock time:\n")
    table(rows, 1)
    largest = max(rows)[3]
    ratio = largest["validate"][0] / largest["floor"][0]
    verdict = "met" if ratio <= 1.5 else "MISSED"
    print(f"\ntarget (validate within 1.5x of the floor at the largest size, CPU): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
