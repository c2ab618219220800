"""Benchmark: ``syncset plan`` against the floor, parsing the YAML and reading the account's rows.

Generates environments of 1,000 and 10,000 records (a realistic mix of kinds with references,
one file per record) in a temporary folder, loads them into a sandbox account with one apply,
then changes a field in 5 % of the files, so that the plan has that many *Exists - differences*
among the *Exists - no differences*. It times, in the same run:

* floor: parsing every file with ruamel.yaml's C safe loader (``YAML(typ="safe", pure=False)``)
  plus ``SELECT * FROM records`` on the sandbox file with :mod:`sqlite3`: the least any plan must
  do, reading both sides;
* plan: :func:`syncset.workflow.plan_environment` in-process, as ``syncset plan`` calls it
  (validate, read live, resolve, diff, build the plan; reusing the stored plan when neither
  the files nor the account changed): cold (no cache), warm (nothing changed since the last
  run: the plan is reused) and remade (the parse cache warm but no stored plan, as after the
  account changed: everything but parsing is done again);
* cli: one ``syncset plan bench`` subprocess (start-up, imports and rendering the text view).

The floor and plan run in turn, round after round (``--runs``, default 5): the best time of
each is printed, and the ratio is also taken round by round (plan and floor measured back to
back) and its median printed, which a machine whose speed drifts disturbs much less. Times are
CPU seconds of this process and its parse workers (or of the child and its workers, for the
cli); wall-clock figures are printed too, and they are what the parse pool shortens.
The folder is on tmpfs when there is one (``/dev/shm``), so that the one apply that fills the
account is not dominated by fsync.

It prints markdown tables with the ratios to the floor; the target is plan within 1.5x of the
floor at 10,000 records. Run it with ``.venv/bin/python bench/plan.py`` (``--help`` for sizes,
rounds and ``--profile``); it is a plain script, never part of the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from syncset.apply.journal import Journal  # noqa: E402
from syncset.apply.lock import environment_lock  # noqa: E402
from syncset.apply.run import Applier  # noqa: E402
from syncset.config.validate import validate_environment  # noqa: E402
from syncset.plan.model import Status  # noqa: E402
from syncset.workflow import open_provider, plan_environment  # noqa: E402

CHANGED_SHARE = 0.05
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PEOPLE = [f"person{n:03d}@wdc.example" for n in range(200)]

ENVIRONMENT_YAML = """\
version: 1
name: bench
account:
  provider: sandbox
  path: .syncset/bench.sqlite
policies:
  only_in_account: keep
"""

# Per 100 records of a scrum-heavy account.
MIX = {
    "holidays": 15,
    "calendars": 10,
    "ui_extensions": 15,
    "teams": 10,
    "request_templates": 20,
    "agile_boards": 10,
    "product_backlogs": 10,
    "scrum_workspaces": 10,
}


def person(n: int) -> str:
    return PEOPLE[n % len(PEOPLE)]


class Generator:
    """Record texts of one environment; ``changed`` records get a different description."""

    def __init__(self, records: int) -> None:
        unit = records // 100
        self.counts = {kind: share * unit for kind, share in MIX.items()}

    def count(self, kind: str) -> int:
        return self.counts[kind]

    def holiday(self, n: int, note: str) -> str:
        day = 1 + n % 28
        return (
            f"kind: holiday\nid: holiday-{n}\nname: Holiday {n}{note}\n"
            f"start_at: 2027-02-{day:02d}\nend_at: 2027-02-{day:02d}\n"
        )

    def calendar(self, n: int, note: str) -> str:
        hours = "".join(
            f'  - {{weekday: {day}, time_from: "08:00", time_until: "17:00"}}\n' for day in WEEKDAYS
        )
        refs = "".join(f"  - holiday-{(n * 3 + k) % self.count('holidays')}\n" for k in range(3))
        return (
            f"kind: calendar\nid: calendar-{n}\nname: Office hours {n}{note}\n"
            f"holidays:\n{refs}hours:\n{hours}"
        )

    def ui_extension(self, n: int, note: str) -> str:
        return (
            f"kind: ui_extension\nid: ui-{n}\nname: Extension {n}\ncategory: request_template\n"
            f"title: Extra fields {n}{note}\n"
            "html: |\n  <div class='row'>\n    <input id='amount' />\n  </div>\n"
            "css: |\n  .row { display: flex; }\n"
        )

    def team(self, n: int, note: str) -> str:
        members = "".join(f"  - {person(n + k)}\n" for k in range(4))
        return (
            f"kind: team\nid: team-{n}\nname: Team {n}\n"
            f"time_zone: Europe/Amsterdam\nremarks: Builds product {n}{note}.\n"
            f"coordinator: {person(n)}\nmanager: {person(n + 1)}\nmembers:\n{members}"
            f"work_hours: calendar-{n % self.count('calendars')}\n"
            f"ui_extension: ui-{n % self.count('ui_extensions')}\n"
        )

    def request_template(self, n: int, note: str) -> str:
        return (
            f"kind: request_template\nid: template-{n}\nsubject: Request {n}\ncategory: rfc\n"
            f"instructions: Describe change {n}{note}.\n"
            f"team: team-{n % self.count('teams')}\n"
            f"support_hours: calendar-{n % self.count('calendars')}\n"
            f"ui_extension: ui-{n % self.count('ui_extensions')}\n"
        )

    def agile_board(self, n: int, note: str) -> str:
        return (
            f"kind: agile_board\nid: board-{n}\nname: Board {n}\nmanager: {person(n)}\n"
            f"description: Sprint board {n}{note}.\n"
            f"request_template: template-{n % self.count('request_templates')}\ncolumns:\n"
            "  - name: To Do\n    action_type: none\n"
            "  - name: In Progress\n    action_type: start\n"
            f"    team: team-{n % self.count('teams')}\n"
            "  - name: Review\n    action_type: assign\n    wip_limit: 5\n"
            "  - name: Done\n    action_type: complete\n    clear_member: true\n"
        )

    def product_backlog(self, n: int, note: str) -> str:
        return (
            f"kind: product_backlog\nid: backlog-{n}\nname: Backlog {n}\n"
            f"description: What product {n} still needs{note}.\n"
            f"product_owner: {person(n + 2)}\n"
            f"request_template: template-{n % self.count('request_templates')}\n"
        )

    def scrum_workspace(self, n: int, note: str) -> str:
        return (
            f"kind: scrum_workspace\nid: workspace-{n}\nname: Workspace {n}\n"
            f"description: Two-week sprints {n}{note}.\nteam: team-{n}\n"
            f"product_backlog: backlog-{n}\nagile_board: board-{n}\nsprint_length: 2\n"
        )

    def write(self, root: Path, changed: bool) -> int:
        """Write every record; with ``changed``, one in 20 gets a new description, title or name
        (calendars have only a name to change)."""
        folder = root / "environments" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "environment.yaml").write_text(ENVIRONMENT_YAML)
        step = round(1 / CHANGED_SHARE)
        written = edited = 0
        for kind, count in self.counts.items():
            (folder / kind).mkdir(exist_ok=True)
            make: Callable[[int, str], str] = getattr(self, kind[:-1])
            for n in range(count):
                edit = changed and written % step == 0
                text = make(n, " (changed)" if edit else "")
                edited += edit
                written += 1
                (folder / kind / f"{n:05d}.yaml").write_text(text)
        return edited


def fill_account(root: Path) -> None:
    """People made by hand, then one apply of the unchanged records."""
    environment = validate_environment(root, "bench", {})
    provider = open_provider(environment)
    try:
        for email in PEOPLE:
            provider.create("person", {"name": email.split("@")[0], "primary_email": email}, None)
    finally:
        provider.close()
    with environment_lock(root, "bench", "apply"), plan_environment(root, "bench") as run:
        journal = Journal.start(root, "bench", "apply")
        try:
            report = Applier(run.environment, run.provider, run.resolution, run.plan, journal).run()
        finally:
            journal.close()
    assert report.ok, [(r.change.ref, r.message) for r in report.results if r.message][:5]


Timing = tuple[float, float]
"""(CPU seconds, wall-clock seconds)."""


def interleaved(
    runs: int, actions: dict[str, Callable[[], object]]
) -> tuple[dict[str, Timing], list[dict[str, Timing]]]:
    """Each action once per round, in turn: the best time of each, and every round's times."""
    rounds: list[dict[str, Timing]] = []
    for _ in range(runs):
        this: dict[str, Timing] = {}
        for name, action in actions.items():
            gc.collect()
            cpu, wall = cpu_seconds(), time.perf_counter()
            action()
            this[name] = (cpu_seconds() - cpu, time.perf_counter() - wall)
        rounds.append(this)
    best = {name: min(r[name] for r in rounds) for name in actions}
    return best, rounds


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended: the parse pool's
    workers (syncset.config.parse_pool) are reaped before plan_environment returns."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def median_ratio(rounds: list[dict[str, Timing]], which: int, name: str = "plan") -> float:
    """The median over rounds of ``name`` / floor measured back to back (drift cancels out)."""
    ratios = sorted(r[name][which] / r["floor"][which] for r in rounds)
    middle = len(ratios) // 2
    return ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2


def floor(files: list[Path], account: Path) -> int:
    """Parse every file with the C safe loader and read every row of the account."""
    loader = YAML(typ="safe", pure=False)
    for path in files:
        list(loader.load_all(path.read_text(encoding="utf-8")))
    db = sqlite3.connect(f"file:{account}?mode=ro", uri=True)
    try:
        return len(db.execute("SELECT * FROM records").fetchall())
    finally:
        db.close()


def plan_once(root: Path) -> object:
    """One plan as ``syncset plan`` makes it: reusing the last plan when nothing changed."""
    run = plan_environment(root, "bench", reuse=True)
    run.provider.close()
    return run.plan


def cold(root: Path) -> None:
    """Forget the parse cache and the stored plan, so that the next plan parses every file."""
    shutil.rmtree(root / ".syncset" / "cache", ignore_errors=True)


def forget_plan(root: Path) -> None:
    """Forget only the stored plan (plan/reuse.py): the next plan is made again from the parse
    cache, as when the account changed but no file did."""
    for stored in (root / ".syncset" / "cache").glob("*.plan"):
        stored.unlink()


_MEASURE_CHILD = """
import os, subprocess, sys, time
wall = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - wall
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss)
"""
"""Run by a small interpreter between this process and the command: Linux carries the RSS
of a forked parent into its child's ``ru_maxrss`` across exec, so measured from this process
(holding 10,000-record plans) the command's peak would be this process's."""


def cli_run(root: Path) -> tuple[float, float, int]:
    """One ``syncset plan bench`` in a child process: its CPU seconds, wall seconds and peak
    RSS in bytes, from ``os.wait4`` of that one child (``ru_maxrss``, KiB on Linux)."""
    script = Path(sys.executable).with_name("syncset")
    environ = {**os.environ, "SYNCSET_ROOT": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_CHILD, str(script), "plan", "bench"],
        env=environ,
        capture_output=True,
        text=True,
    )
    code, cpu, wall, rss = done.stdout.split()
    assert code == "0", done.stderr
    return float(cpu), float(wall), int(rss) * 1024


def cli_best(root: Path, runs: int, mode: str) -> tuple[float, float, int]:
    """The best CPU and wall time of ``runs`` commands, ``cold`` (cache removed), ``warm`` or
    ``remade`` (only the stored plan removed), and the largest peak RSS among them."""
    results = []
    for _ in range(runs):
        if mode == "cold":
            cold(root)
        elif mode == "remade":
            forget_plan(root)
        results.append(cli_run(root))
    return (
        min(r[0] for r in results),
        min(r[1] for r in results),
        max(r[2] for r in results),
    )


def prepare(root: Path, size: int) -> tuple[int, int, int]:
    """Environment and account of ``size`` records, 5 % changed; (records, rows, changed)."""
    generator = Generator(size)
    generator.write(root, changed=False)
    fill_account(root)
    changed = generator.write(root, changed=True)
    # files written within SETTLE_NS of a run keep no plan (plan/reuse.py), as a checkout
    # edited a moment ago does not: wait, so that the warm figure is the reused plan's
    time.sleep(2.1)
    plan = plan_once(root)
    differing = sum(1 for c in plan.changes if c.status is Status.EXISTS_DIFFERENCES)  # type: ignore[attr-defined]
    assert differing == changed, (differing, changed)
    rows = floor([], root / ".syncset" / "bench.sqlite")
    return sum(generator.counts.values()), rows, changed


def measure(root: Path, runs: int) -> dict[str, Any]:
    """Floor, cold plan (cache removed first), warm plan (the cold one's cache and stored
    plan: reused) and remade plan (the cache without the stored plan: made again, as after
    a change in the account) in turn, then the whole command in the same three ways."""
    folder = root / "environments" / "bench"
    files = sorted(folder.rglob("*.yaml"))
    account = root / ".syncset" / "bench.sqlite"

    def cold_plan() -> object:
        cold(root)
        return plan_once(root)

    def remade_plan() -> object:
        forget_plan(root)
        return plan_once(root)

    best, rounds = interleaved(
        runs,
        {
            "floor": lambda: floor(files, account),
            "plan": cold_plan,
            "warm": lambda: plan_once(root),  # the cold plan stored its plan: reused
            "remade": remade_plan,
        },
    )
    cli_runs = max(1, min(runs, 3))
    return {
        **best,
        "cli": cli_best(root, cli_runs, "cold"),
        "cli_warm": cli_best(root, cli_runs, "warm"),
        "cli_remade": cli_best(root, cli_runs, "remade"),
        "median_cpu": median_ratio(rounds, 0),
        "median_wall": median_ratio(rounds, 1),
        "median_warm_cpu": median_ratio(rounds, 0, "warm"),
        "median_warm_wall": median_ratio(rounds, 1, "warm"),
        "median_remade_cpu": median_ratio(rounds, 0, "remade"),
        "median_remade_wall": median_ratio(rounds, 1, "remade"),
    }


def profile(root: Path) -> None:
    """Where plan's time goes: CPU seconds per phase, then cProfile's view of one plan."""
    import syncset.config.validate
    import syncset.workflow

    phases: dict[str, float] = {}

    def timed(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.process_time() - started

        setattr(module, name, wrapper)

    timed(syncset.config.validate, "read_environment_files")
    for name in ("validate_environment", "read_live", "resolve", "build_plan"):
        timed(syncset.workflow, name)
    gc.collect()
    started = time.process_time()
    plan_once(root)
    total = time.process_time() - started
    print("\n| phase | CPU s | share |\n| --- | ---: | ---: |")
    labels = {"read_environment_files": "validate: of which read + parse"}
    for name, seconds in phases.items():
        print(f"| {labels.get(name, name)} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"| plan_environment (total) | {total:.2f} | 100% |\n")
    profiler = cProfile.Profile()
    profiler.enable()
    plan_once(root)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def table(rows: list[tuple[int, int, int, dict]], which: int) -> None:
    print(
        "| records | floor (C parse + SELECT) | plan cold (in-process) | cold / floor (median) "
        "| plan warm (in-process) | warm / floor (median) | `syncset plan` cold | cli cold / floor "
        "| `syncset plan` warm | cli warm / floor | plan remade (in-process) "
        "| remade / floor (median) | `syncset plan` remade | cli remade / floor "
        "| peak RSS (cli) |"
    )
    print("| ---: " * 15 + "|")
    for count, _rows, _changed, t in rows:
        floor_s = t["floor"][which]
        suffix = "cpu" if which == 0 else "wall"
        print(
            f"| {count:,} | {floor_s:.2f} s | {t['plan'][which]:.2f} s "
            f"| {t['median_' + suffix]:.2f}x | {t['warm'][which]:.2f} s "
            f"| {t['median_warm_' + suffix]:.2f}x | {t['cli'][which]:.2f} s "
            f"| {t['cli'][which] / floor_s:.2f}x | {t['cli_warm'][which]:.2f} s "
            f"| {t['cli_warm'][which] / floor_s:.2f}x | {t['remade'][which]:.2f} s "
            f"| {t['median_remade_' + suffix]:.2f}x | {t['cli_remade'][which]:.2f} s "
            f"| {t['cli_remade'][which] / floor_s:.2f}x | {t['cli'][2] / 2**20:,.0f} MiB |"
        )


def scaling(rows: list[tuple[int, int, int, dict]]) -> None:
    """100,000 against 10,000 records, when both were measured (target 10.5x, 1.5 GB)."""
    by_size = {count // 1000 * 1000: t for count, _, _, t in rows}
    small, large = by_size.get(10_000), by_size.get(100_000)
    if small is None or large is None:
        return
    ratio = large["plan"][0] / small["plan"][0]
    rss = large["cli"][2]
    print(
        f"\n100,000 / 10,000 records, cold plan in-process (CPU): {ratio:.2f}x (target 10.5x: "
        f"{'met' if ratio <= 10.5 else 'MISSED'}); peak RSS of the command {rss / 2**30:.2f} GiB "
        f"(target 1.5 GB: {'met' if rss <= 1.5e9 else 'MISSED'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="record counts, comma separated")
    parser.add_argument("--runs", type=int, default=5, help="rounds of floor and plan in turn")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument(
        "--with-100k",
        action="store_true",
        help="add 100,000 records (filling its account takes tens of minutes)",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.with_100k and 100_000 not in sizes:
        sizes.append(100_000)
    scratch = "/dev/shm" if Path("/dev/shm").is_dir() else None

    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}; {args.runs} rounds; "
        f"folder on {scratch or 'the default temporary folder'}\n"
    )
    rows: list[tuple[int, int, int, dict]] = []
    with tempfile.TemporaryDirectory(prefix="syncset-bench-plan-", dir=scratch) as tmp:
        for size in sizes:
            root = Path(tmp) / f"r{size}"
            started = time.perf_counter()
            count, account_rows, changed = prepare(root, size)
            print(
                f"{size:,}: environment and account ready in {time.perf_counter() - started:.1f} s"
            )
            rows.append((count, account_rows, changed, measure(root, args.runs)))
            if args.profile and size == max(sizes):
                profile(root)
    print("\nCPU time:\n")
    table(rows, 0)
    print("\nwall-clock time:\n")
    table(rows, 1)
    scaling(rows)
    # the targets are at 10,000 records (or the largest size below it), in wall-clock time:
    # "use both cores where it pays"; CPU seconds are printed beside them
    size, at = max(
        ((count, t) for count, _, _, t in rows if count <= 10_200),
        default=(rows[-1][0], rows[-1][3]),
    )
    cli_wall = at["cli"][1] / at["floor"][1]
    warm_ratio = at["median_warm_wall"]
    print(
        f"\nat {size:,} records (wall-clock): whole command cold {cli_wall:.2f}x of the floor "
        f"(target 1.0x: {'met' if cli_wall <= 1.0 else 'MISSED'}; in CPU seconds, the parse "
        f"pool's worker included, {at['cli'][0] / at['floor'][0]:.2f}x), in-process cold "
        f"{at['median_wall']:.2f}x, warm {warm_ratio:.2f}x "
        f"(target 0.25x: {'met' if warm_ratio <= 0.25 else 'MISSED'}); load average now "
        f"{os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
