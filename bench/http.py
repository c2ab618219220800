"""Benchmark: a plan against a 4me/Xurrent account on a 50 ms API, and apply's request rate.

The account is the fake GraphQL server of ``tests/http`` (``xurrent_server``), run in a child
process (so that its work does not share this process's interpreter lock) with every answer held
for ``--latency`` seconds (``serverkit.Faults.latency``, default 50 ms, a real API's round trip)
and the documented burst limit of 20 requests per 2 seconds (``--burst``, ``--window``). It is
filled with the environment's records (holidays, calendars with hours, teams with work hours),
each carrying its ownership marker, 5 % with a different ``remarks``, so the plan finds them.

It times, on the wall clock (a plan on a network mostly waits), best of ``--runs``:

* parse: :func:`syncset.config.validate.validate_environment` without the parse cache;
* fetch: opening the provider and :func:`syncset.plan.resolve.read_live` of the plan's kinds
  (one OAuth token, the list pages; the schema comes from its cache), and the same kinds listed
  one after another, for comparison;
* plan: :func:`syncset.workflow.plan_environment` without the parse cache;

and prints plan / max(parse, fetch), whose target is 1.2 at most (docs/performance.md, "HTTP
providers"). Between runs it waits one burst window, so that every run starts with the
account's window empty. Then, unless ``--apply 0``, it applies ``--apply`` new teams to a fresh
account on the real clock and prints the requests per second the server accepted after the
first burst, and how many it refused with a 429.

Run it with ``.venv/bin/python bench/http.py`` (``--help``); it is a plain script, never part of
the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file's own folder first on the path would make it the standard library's ``http``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "http"))

from fake_sites import CLIENT_SECRET  # noqa: E402
from live_env import SECRET_ENV, teams, xurrent_environment  # noqa: E402

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
MIX = {"holiday": 0.2, "calendar": 0.2, "team": 0.6}
"""Shares of the records per kind."""


def counts(records: int) -> dict[str, int]:
    return {kind: max(1, int(records * share)) for kind, share in MIX.items()}


def documents(records: int) -> list[str]:
    """The environment's YAML records: holidays, calendars (2 holidays, 5 hours), teams."""
    n = counts(records)
    docs = [
        f"kind: holiday\nid: holiday-{i}\nname: Holiday {i}\n"
        f"start_at: '2026-12-{1 + i % 28:02d}T00:00:00Z'\n"
        f"end_at: '2026-12-{2 + i % 28:02d}T00:00:00Z'\n"
        for i in range(n["holiday"])
    ]
    for i in range(n["calendar"]):
        first, second = i % n["holiday"], (i + 1) % n["holiday"]
        hours = "".join(
            f"  - {{weekday: {day}, time_from: '08:00', time_until: '17:00'}}\n" for day in WEEKDAYS
        )
        docs.append(
            f"kind: calendar\nid: calendar-{i}\nname: Calendar {i}\n"
            f"holidays: [holiday-{first}, holiday-{second}]\nhours:\n{hours}"
        )
    for i in range(n["team"]):
        docs.append(
            f"kind: team\nid: team-{i}\nname: Team {i}\nremarks: Team number {i}\n"
            f"work_hours: calendar-{i % n['calendar']}\n"
        )
    return docs


# -- the account, in a child process ----------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """The child: a filled account on 127.0.0.1; prints its URL, then answers ``stats`` lines
    on stdin with the server's view (arrivals accepted and refused) until stdin closes."""
    from serverkit import Faults, Limits, LoopbackServer
    from xurrent_server import XurrentAccount, XurrentHandler

    limits = Limits(burst=args.burst, window=args.window)
    account = XurrentAccount(limits=limits, faults=Faults(latency=args.latency))
    fill(account, args.records)
    with LoopbackServer(XurrentHandler, account) as server:
        print(json.dumps({"url": server.url, "account": account.account}), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                view = {"accepted": limits.accepted_at, "refused": limits.refused_at}
                print(json.dumps(view), flush=True)


def fill(account: Any, records: int) -> None:
    """The live twins of :func:`documents`, markers on, 5 % of the teams' remarks changed."""
    if records == 0:
        return
    n = counts(records)
    marker = {"source": "syncset"}
    holidays = [
        account.seed(
            "Holiday",
            name=f"Holiday {i}",
            startAt=f"2026-12-{1 + i % 28:02d}T00:00:00+00:00",
            endAt=f"2026-12-{2 + i % 28:02d}T00:00:00+00:00",
            sourceID=f"holiday-{i}",
            **marker,
        )
        for i in range(n["holiday"])
    ]
    calendars = []
    for i in range(n["calendar"]):
        hours = [{"weekday": d, "timeFrom": "08:00", "timeUntil": "17:00"} for d in WEEKDAYS]
        pair = [holidays[i % n["holiday"]], holidays[(i + 1) % n["holiday"]]]
        calendars.append(
            account.seed(
                "Calendar",
                name=f"Calendar {i}",
                holidays=pair,
                calendarHours=hours,
                sourceID=f"calendar-{i}",
                **marker,
            )
        )
    for i in range(n["team"]):
        account.seed(
            "Team",
            name=f"Team {i}",
            remarks=f"Team number {i}" + (" (changed)" if i % 20 == 0 else ""),
            workHours=calendars[i % n["calendar"]],
            sourceID=f"team-{i}",
            **marker,
        )


class Account:
    """A child process serving an account, and its URL."""

    def __init__(self, args: argparse.Namespace, records: int) -> None:
        command = [sys.executable, __file__, "--serve", "--records", str(records)]
        command += ["--latency", str(args.latency), "--burst", str(args.burst)]
        command += ["--window", str(args.window)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        started = json.loads(self.process.stdout.readline())
        self.url, self.account = started["url"], started["account"]

    def stats(self) -> dict[str, list[float]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        view: dict[str, list[float]] = json.loads(self.process.stdout.readline())
        return view

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


# -- measuring ---------------------------------------------------------------------------------


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def measure_plan(root: Path, runs: int, window: float) -> dict[str, float]:
    from syncset.config.validate import validate_environment
    from syncset.plan.resolve import read_live
    from syncset.providers.base import LiveRecord
    from syncset.workflow import kinds_for_plan, open_provider, plan_environment

    environment = validate_environment(root, "live", parse_cache=False)
    kinds = kinds_for_plan(environment)

    def fetch() -> None:
        provider = open_provider(environment)
        try:
            read_live(provider, kinds)
        finally:
            provider.close()

    def fetch_sequential() -> None:
        provider = open_provider(environment)
        try:
            listed: dict[str, list[LiveRecord]] = {}
            for kind in kinds:
                if kind in provider.capabilities.kinds:
                    listed[kind] = provider.list(kind)
        finally:
            provider.close()

    def plan() -> None:
        with plan_environment(root, "live", parse_cache=False) as run:
            assert run.plan.changes

    plan()  # the account's schema into its cache, as on every run after the first
    best: dict[str, float] = {}
    steps = {
        "parse": lambda: validate_environment(root, "live", parse_cache=False),
        "fetch": fetch,
        "fetch, one kind after another": fetch_sequential,
        "plan": plan,
    }
    for _ in range(runs):
        for name, step in steps.items():
            time.sleep(window * 1.1)  # the account's burst window empties
            best[name] = min(best.get(name, float("inf")), timed(step))
    return best


def measure_apply(root: Path, account: Account, creates: int, burst: int) -> dict[str, float]:
    from syncset.apply.flow import ApplySteps, apply_environment
    from syncset.plan.model import Selection

    xurrent_environment(root, account.url, account.account, teams(creates))
    started = time.perf_counter()
    attempt = apply_environment(root, "live", None, Selection(), ApplySteps())
    elapsed = time.perf_counter() - started
    assert attempt.report is not None, attempt.message
    view = account.stats()
    accepted, refused = sorted(view["accepted"]), sorted(view["refused"])
    rate = (len(accepted) - burst) / (accepted[-1] - accepted[0])
    return {
        "requests": len(accepted),
        "refused": len(refused),
        "rate": rate,
        "seconds": elapsed,
        "refused_after_first": sum(1 for t in refused if refused and t - refused[0] > 0.5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apply", type=int, default=100, help="teams to create (0: skip)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    os.environ[SECRET_ENV] = CLIENT_SECRET
    os.environ.pop("SYNCSET_ROOT", None)
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="syncset-bench-http-", dir=base) as tmp:
        account = Account(args, args.records)
        try:
            root = Path(tmp) / "plan"
            burst = f"burst: {{requests: {args.burst}, per_seconds: {args.window}}}"
            xurrent_environment(root, account.url, account.account, documents(args.records), burst)
            best = measure_plan(root, args.runs, args.window)
        finally:
            account.close()
        report_plan(args, best)
        if args.apply:
            account = Account(args, 0)
            try:
                applied = measure_apply(Path(tmp) / "apply", account, args.apply, args.burst)
            finally:
                account.close()
            report_apply(args, applied)


def report_plan(args: argparse.Namespace, best: dict[str, float]) -> None:
    floor = max(best["parse"], best["fetch"])
    print(
        f"\n{args.records} records, {args.latency * 1000:.0f} ms API, burst {args.burst} per "
        f"{args.window:g} s; wall seconds, best of {args.runs}\n"
    )
    print("| step | seconds |\n| --- | ---: |")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.3f} |")
    print(
        f"\nplan / max(parse, fetch) = {best['plan'] / floor:.2f} (target <= 1.2); "
        f"plan / (parse + fetch) = {best['plan'] / (best['parse'] + best['fetch']):.2f}"
    )


def report_apply(args: argparse.Namespace, applied: dict[str, float]) -> None:
    print(
        f"\napply of {args.apply} new teams, real clock: {applied['requests']:.0f} requests "
        f"accepted in {applied['seconds']:.1f} s, {applied['rate']:.1f} requests/s after the "
        f"first burst (target >= 9), {applied['refused']:.0f} refused with 429 "
        f"({applied['refused_after_first']:.0f} after the first)"
    )


if __name__ == "__main__":
    main()
