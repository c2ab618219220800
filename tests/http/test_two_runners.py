"""Two applies of one environment started together, from two clones, against one HTTP account.

Each clone holds its own lock, so nothing on the machine keeps them apart: both plan the same
creates. What must keep every record single is apply itself: the batched marker re-check right
before each batch of creates, the look-up by marker when the account refuses a create (another
runner's copy took the name first), and the look-up after each wave that finds a copy both
runners created within the one request the re-check leaves open (docs/ci.md).

The account is the fake Xurrent server on the real clock (the applies are subprocesses), with
each write answered a little late, so that the two runners' requests really overlap; both
processes are started and wait on their stdin, then are released at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fake_sites import CLIENT_ID, CLIENT_SECRET
from serverkit import Faults, Limits, Tokens, serving
from xurrent_server import XurrentAccount, XurrentHandler

TEAMS, BOARDS, TEMPLATES = 40, 40, 40
"""Names of teams and boards are unique in the account; subjects of request templates are not."""

RELEASED_APPLY = (
    "import sys; sys.stdin.readline(); from syncset.cli import main; "
    "main(['apply', 'dev', '--auto-approve'])"
)


def environment(root: Path, url: str, account: str) -> None:
    dev = root / "environments" / "dev"
    (dev / "teams").mkdir(parents=True)
    (dev / "environment.yaml").write_text(
        "\n".join(
            [
                "version: 1",
                "name: dev",
                "account:",
                "  provider: xurrent",
                f"  account: {account}",
                f"  url: {url}/graphql",
                f"  token_url: {url}/token",
                f"  client_id: {CLIENT_ID}",
                "  client_secret: '{{ env(\"DEV_CLIENT_SECRET\") }}'",
                "  http: {backoff_seconds: 0.05, timeout_seconds: 10}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    documents = []
    for i in range(TEAMS):
        documents.append(f"kind: team\nid: team-{i}\nname: Team {i}\n")
    for i in range(BOARDS):
        documents.append(f"kind: agile_board\nid: board-{i}\nname: Board {i}\n")
    for i in range(TEMPLATES):
        team = f"team-{i % TEAMS}"
        documents.append(
            f"kind: request_template\nid: template-{i}\nsubject: Reset password\nteam: {team}\n"
        )
    (dev / "teams" / "all.yaml").write_text("---\n".join(documents), encoding="utf-8")


def runner_environ(root: Path) -> dict[str, str]:
    env = {**os.environ, "DEV_CLIENT_SECRET": CLIENT_SECRET, "SYNCSET_ROOT": str(root)}
    env.pop("GITHUB_ACTIONS", None)
    return env


def start_released_apply(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RELEASED_APPLY],
        cwd=root,
        env=runner_environ(root),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_two_applies_started_together_from_two_clones_create_every_record_once(
    tmp_path: Path, seed: int
) -> None:
    account = XurrentAccount(
        limits=Limits(burst=10_000, window=1.0),
        tokens=Tokens(clients={CLIENT_ID: CLIENT_SECRET}),
        faults=Faults(write_slow_after=1.0, slow_seconds=0.02, seed=seed),
    )
    with serving(XurrentHandler, account) as server:
        clones = [tmp_path / "laptop", tmp_path / "ci"]
        for root in clones:
            environment(root, server.url, account.account)
        runners = [start_released_apply(root) for root in clones]
        for runner in runners:
            assert runner.stdin is not None
            runner.stdin.write("go\n")
            runner.stdin.flush()
        outputs = [runner.communicate(timeout=240)[0] for runner in runners]
        replan = subprocess.run(
            [sys.executable, "-c", "from syncset.cli import main; main(['plan', 'dev'])"],
            cwd=clones[0],
            env=runner_environ(clones[0]),
            capture_output=True,
            text=True,
            timeout=120,
        )

    markers = Counter(r["sourceID"] for r in account.records.values() if r.get("sourceID"))
    wanted = {f"team-{i}" for i in range(TEAMS)}
    wanted |= {f"board-{i}" for i in range(BOARDS)} | {f"template-{i}" for i in range(TEMPLATES)}
    assert set(markers) == wanted, outputs
    twice = {marker: n for marker, n in markers.items() if n > 1}
    assert not twice, f"created more than once: {twice}\n" + "\n".join(outputs)
    assert account.counters["slow"] > 0, "the writes really were answered late"
    codes = [runner.returncode for runner in runners]
    assert codes == [0, 0], "\n".join(outputs)
    assert replan.returncode == 0 and "no changes" in replan.stdout, replan.stdout + replan.stderr
