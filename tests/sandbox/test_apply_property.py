"""Property: after apply, plan shows no changes, for generated configurations of several kinds.

Hypothesis draws environments of holidays, calendars (holidays, hours), teams (calendars,
people, boards), agile boards (columns pointing back at teams: cycles), product backlogs and
scrum workspaces, sometimes with records already made by hand (adoption). Each example runs in
its own temporary repository on the sandbox account, through the engine in-process.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from plan_apply_helpers import WDC_PEOPLE, apply_plan, duplicates, hand_create, load_people

from syncset.apply.run import ApplyReport
from syncset.plan.model import PlanStatus
from syncset.workflow import plan_environment

PEOPLE = ["frank.watson@wdc.example", "rodney.wilson@wdc.example"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
COLUMNS = ["To Do", "In Progress", "Review", "Done"]
ACTIONS = ["none", "accept", "assign", "start", "complete"]
DIALOGS = [None, "full", "minimal", "none"]

Config = dict[tuple[str, str], dict[str, Any]]

SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
"""Examples run on tmpfs when there is one: the journal and SQLite fsync every write."""

# 25 examples, the same ones every run (derandomize, no example database). Each example is a
# whole plan, apply and plan on a fresh account (5-150 ms), and 25 reach every outcome of the
# first property (--hypothesis-show-statistics: creates with adoptions 70%, creates only 15%,
# nothing to do 7%). A fixed set makes a CI failure reproduce on a laptop and keeps the
# suite's time stable; its power lies in what the generator draws, so widen the generator (not
# max_examples) when a bug escapes, and keep that bug as an explicit test, as at the end.
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def maybe(draw: Callable[..., Any], value: Any) -> Any:
    return draw(st.sampled_from([None, value]))


@st.composite
def configurations(draw: Callable[..., Any]) -> Config:
    """One environment's records: ``(kind, id)`` → fields (names unique per kind by id)."""
    version = draw(st.integers(0, 1))
    config: Config = {}

    def name(kind: str, record_id: str) -> str:
        return f"{kind} {record_id} v{draw(st.integers(0, 1)) if version else 0}"

    holidays = draw(st.lists(st.sampled_from(["h1", "h2", "h3"]), unique=True, max_size=3))
    for hid in holidays:
        day = draw(st.integers(1, 28))
        config[("holiday", hid)] = {
            "name": name("Holiday", hid),
            "start_at": f"2027-02-{day:02d}T00:00:00Z",
            "end_at": f"2027-02-{day:02d}T23:00:00Z",
        }
    calendars = draw(st.lists(st.sampled_from(["c1", "c2"]), unique=True, max_size=2))
    for cid in calendars:
        days = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=4))
        config[("calendar", cid)] = {
            "name": name("Calendar", cid),
            "disabled": maybe(draw, False),
            "holidays": draw(st.lists(st.sampled_from(holidays), unique=True)) if holidays else [],
            "hours": [
                {
                    "weekday": d,
                    "time_from": "08:00",
                    "time_until": draw(st.sampled_from(["16:00", "17:00"])),
                }
                for d in days
            ],
        }
    teams = draw(st.lists(st.sampled_from(["t1", "t2", "t3"]), unique=True, max_size=3))
    boards = draw(st.lists(st.sampled_from(["b1", "b2"]), unique=True, max_size=2))
    for tid in teams:
        config[("team", tid)] = {
            "name": name("Team", tid),
            "remarks": maybe(draw, f"Team {tid} remarks {version}"),
            "time_zone": maybe(draw, "Europe/Amsterdam"),
            "work_hours": draw(st.sampled_from([None, *calendars])),
            "manager": draw(st.sampled_from([None, *PEOPLE])),
            "members": draw(st.lists(st.sampled_from(PEOPLE), unique=True)),
            "agile_board": draw(st.sampled_from([None, *boards])),
        }
    for bid in boards:
        names = draw(st.lists(st.sampled_from(COLUMNS), unique=True, min_size=1))
        config[("agile_board", bid)] = {
            "name": name("Board", bid),
            "manager": draw(st.sampled_from([None, *PEOPLE])),
            "columns": [
                {
                    "name": column,
                    "action_type": draw(st.sampled_from(ACTIONS)),
                    "dialog_type": draw(st.sampled_from(DIALOGS)),
                    "remove_after": draw(st.sampled_from([None, 0, 7])),
                    "wip_limit": draw(st.sampled_from([None, 3, 5])),
                    "team": draw(st.sampled_from([None, *teams])),
                }
                for column in names
            ],
        }
    backlogs = draw(st.lists(st.sampled_from(["p1", "p2"]), unique=True, max_size=2))
    for pid in backlogs:
        config[("product_backlog", pid)] = {
            "name": name("Backlog", pid),
            "description": maybe(draw, "What the product needs"),
            "product_owner": draw(st.sampled_from([None, *PEOPLE])),
        }
    if teams and boards and backlogs:
        for wid in draw(st.lists(st.sampled_from(["w1", "w2"]), unique=True, max_size=2)):
            config[("scrum_workspace", wid)] = {
                "name": name("Workspace", wid),
                "team": draw(st.sampled_from(teams)),
                "product_backlog": draw(st.sampled_from(backlogs)),
                "agile_board": draw(st.sampled_from(boards)),
                "sprint_length": draw(st.integers(1, 4)),
            }
    return config


def write_environment(root: Path, config: Config, policy: str = "keep") -> None:
    """One file per record (JSON is YAML), replacing whatever the folder held."""
    folder = root / "environments/dev"
    for old in folder.rglob("*.yaml"):
        if old.name != "environment.yaml":
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(
        "version: 1\nname: dev\naccount:\n  provider: sandbox\n  path: .syncset/dev.sqlite\n"
        f"policies:\n  only_in_account: {policy}\n  allow_empty: true\n"
    )
    for (kind, record_id), fields in config.items():
        body = {"kind": kind, "id": record_id, **_without_none(fields)}
        path = folder / f"{kind}s" / f"{record_id}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(body, indent=2))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def apply_now(root: Path) -> ApplyReport | None:
    run = plan_environment(root, "dev")
    try:
        assert run.plan.status is PlanStatus.PREPARED
        if not run.plan.pending:
            return None
        return apply_plan(run)
    finally:
        run.provider.close()


def pending_after(root: Path) -> dict[str, list[Any]]:
    run = plan_environment(root, "dev")
    run.provider.close()
    return {c.ref: [(f.field, f.before, f.after) for f in c.changes] for c in run.plan.pending}


def assert_applied(report: ApplyReport | None) -> None:
    if report is not None:
        problems = [(r.change.ref, r.outcome.value, r.message) for r in report.results]
        assert report.ok, [p for p in problems if p[1] != "applied"]


HAND_MADE_KINDS = ("holiday", "calendar", "product_backlog")


@PROPERTY
@given(data=st.data())
def test_after_apply_plan_shows_no_changes(data):
    config = data.draw(configurations(), label="config")
    candidates = sorted(key for key in config if key[0] in HAND_MADE_KINDS)
    by_hand = (
        data.draw(st.lists(st.sampled_from(candidates), unique=True), label="by_hand")
        if candidates
        else []
    )
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        root = Path(folder)
        write_environment(root, config)
        load_people(root, WDC_PEOPLE)
        for kind, record_id in by_hand:  # made by hand first (no marker): apply adopts them
            fields = config[(kind, record_id)]
            made = {"name": fields["name"]}
            if kind == "holiday":
                made |= {"start_at": fields["start_at"], "end_at": "2027-03-01T00:00:00Z"}
            elif kind == "product_backlog":
                made["description"] = "By hand"
            else:
                made["hours"] = [{"weekday": "sun", "time_from": "00:00", "time_until": "24:00"}]
            hand_create(root, kind, made)

        report = apply_now(root)
        actions = sorted({r.change.action.value for r in report.results} if report else [])
        event(f"actions: {', '.join(actions) or 'none'}")
        assert_applied(report)

        assert pending_after(root) == {}
        assert duplicates(root) == {}


@PROPERTY
@given(first=configurations(), second=configurations(), policy=st.sampled_from(["keep", "disable"]))
def test_after_applying_a_changed_configuration_plan_shows_no_changes(first, second, policy):
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        root = Path(folder)
        write_environment(root, first)
        load_people(root, WDC_PEOPLE)
        assert_applied(apply_now(root))

        write_environment(root, second, policy)
        assert_applied(apply_now(root))

        assert pending_after(root) == {}
        assert duplicates(root) == {}


def test_an_existing_board_whose_columns_need_a_new_team_that_needs_the_board(tmp_path):
    """The cycle is broken for an update as for a create: the columns are set last."""
    board = {"name": "Board", "columns": [{"name": "Doing"}]}
    write_environment(tmp_path, {("agile_board", "b1"): board})
    load_people(tmp_path, WDC_PEOPLE)
    assert_applied(apply_now(tmp_path))

    board = {"name": "Board", "columns": [{"name": "Doing", "team": "t1"}]}
    team = {"name": "Team", "agile_board": "b1"}
    write_environment(tmp_path, {("agile_board", "b1"): board, ("team", "t1"): team})
    assert_applied(apply_now(tmp_path))

    assert pending_after(tmp_path) == {}
