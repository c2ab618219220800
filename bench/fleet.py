"""Benchmark: ``ci plan`` of a fleet, against the floor of planning one environment N times.

Generates N grouped environments ``customers/c000..`` (sandbox accounts, a few teams each) in a
temporary folder and times :func:`syncset.ci.plan.plan_all`, what ``syncset ci plan`` runs
(validate, read the account, plan and save the JSON of each), with 1 and with 8 workers. In the
same run it measures the floor: the same N environments planned one after the other, each on
its own (one ``plan_all`` per environment, as N separate single-environment runs would), best of
``--runs``. One plan is the floor divided by N, and W workers at best divide the floor by W
(the *ideal* column: one plan times N/W rounded up).

Two kinds of account:

* ``sandbox``: the SQLite file on this machine. Planning it is all CPU, and Python threads share
  one CPU (the GIL), so workers cannot beat the sequential floor here; the row shows what the
  thread pool costs.
* ``remote``: the same sandbox behind a stand-in for an API's round trip: every ``list`` call
  sleeps ``--latency`` seconds (default 0.02, a fast page of a SaaS API) before it answers, as a
  request waiting on the network does. This is what CI plans against, and where workers pay.
  It is a simulation of latency only (no rate limits, no paging), said as such in the output.

Wall-clock seconds (the thread pool is about waiting, so CPU time is not the measure), best of
``--runs``. Run ``.venv/bin/python bench/fleet.py`` (``--help``); a plain script, never part of
the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import syncset.workflow  # noqa: E402
from syncset.ci.plan import Touched, plan_all  # noqa: E402

ENVIRONMENT_YAML = "version: 1\nname: {name}\naccount:\n  provider: sandbox\n  path: {path}\n"
TEAM_YAML = "kind: team\nid: team-{n}\nname: Team {n}\nremarks: Team {n} of {env}\n"


def build_fleet(root: Path, count: int, records: int) -> list[str]:
    """``count`` environments of ``records`` teams each; empty sandbox accounts."""
    names = [f"customers/c{i:03d}" for i in range(count)]
    for name in names:
        folder = root / "environments" / name
        (folder / "teams").mkdir(parents=True)
        path = f".syncset/{name.replace('/', '-')}.sqlite"
        text = ENVIRONMENT_YAML.format(name=name, path=path)
        (folder / "environment.yaml").write_text(text, encoding="utf-8")
        for n in range(records):
            team = TEAM_YAML.format(n=n, env=name)
            (folder / "teams" / f"team-{n}.yaml").write_text(team, encoding="utf-8")
    return names


class _Remote:
    """A provider whose reads wait ``latency`` seconds first, as a request over the network."""

    def __init__(self, inner: Any, latency: float) -> None:
        self._inner, self._latency = inner, latency

    def list(self, kind: str) -> Any:
        time.sleep(self._latency)
        return self._inner.list(kind)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def remote_accounts(latency: float) -> Iterator[None]:
    """Every provider opened by the planning code answers after ``latency`` seconds."""
    original = syncset.workflow.open_provider
    if latency <= 0:
        yield
        return
    syncset.workflow.open_provider = lambda environment: _Remote(original(environment), latency)  # type: ignore[assignment,return-value]
    try:
        yield
    finally:
        syncset.workflow.open_provider = original


def best(runs: int, work: Callable[..., object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(
    root: Path, names: list[str], counts: list[int], workers: list[int], runs: int
) -> list[tuple[int, int, float, float]]:
    """(N, workers, wall seconds of ``plan_all``, floor) for each N and worker count; the floor
    is the N environments planned one by one, each in a ``plan_all`` of its own."""
    out = root / "syncset-out"
    rows = []
    for count in counts:
        touched = [Touched(name, "bench") for name in names[:count]]

        def one_by_one(t: list[Touched] = touched) -> None:
            for item in t:
                plan_all(root, [item], out, workers=1)

        floor = best(runs, one_by_one)
        for w in workers:
            wall = best(runs, lambda t=touched, w=w: plan_all(root, t, out, workers=w))
            rows.append((count, w, wall, floor))
    return rows


def table(title: str, rows: list[tuple[int, int, float, float]]) -> str:
    lines = [
        f"**{title}**",
        "",
        "| environments | workers | ci plan (wall) | floor: N plans one by one | ratio | "
        "ideal: floor / N x ceil(N / workers) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count, w, wall, floor in rows:
        ideal = floor / count * math.ceil(count / w)
        lines.append(
            f"| {count} | {w} | {wall:.3f} s | {floor:.3f} s | {wall / floor:.2f}x | "
            f"{ideal:.3f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1,10,50", help="environment counts (1,10,50)")
    parser.add_argument("--workers", default="1,8", help="worker counts to compare (1,8)")
    parser.add_argument("--records", type=int, default=20, help="teams per environment (20)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per read (0.02)")
    parser.add_argument("--runs", type=int, default=3, help="best of this many (3)")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    workers = [int(w) for w in args.workers.split(",")]
    tmp_base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="syncset-bench-fleet-", dir=tmp_base))
    previous = os.getcwd()
    try:
        names = build_fleet(folder, max(counts), args.records)
        os.chdir(folder)
        os.environ["SYNCSET_ROOT"] = str(folder)
        warm = plan_all(folder, [Touched(n, "warm-up") for n in names], folder / "syncset-out")
        failed = [r for r in warm if r.failed]
        if failed:  # a benchmark of errors measures nothing
            sys.exit(f"{failed[0].environment}: {failed[0].error}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {load:.1f}; "
            f"{args.records} teams per environment, best of {args.runs}, wall seconds.\n"
        )
        rows = measure(folder, names, counts, workers, args.runs)
        print(table("sandbox accounts (local SQLite: all CPU)", rows) + "\n")
        with remote_accounts(args.latency):
            rows = measure(folder, names, counts, workers, args.runs)
        title = f"remote accounts (simulated: each read waits {args.latency * 1000:.0f} ms)"
        print(table(title, rows))
    finally:
        os.chdir(previous)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
