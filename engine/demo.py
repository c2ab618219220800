"""``make demo``: the seed story on the embedded sandbox accounts, from a clean start.

It runs in a scratch copy of the repository (``.syncset/demo``, a fresh git repository) so that
promotion's branch and commit never touch the checkout the demo was started from:
the dev loop (people made by hand, plan, apply, plan again), then dev → qa as 4me Account Sync's
page tells it: promote the scrum sync set, the plan is Being Prepared with the two people to map
(Frank Watson and Rodney Wilson), they are mapped (a suggestion reviewed and accepted, a mapping
by hand), the plan is Prepared, apply, and no differences remain.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import git

from syncset.cli import main
from syncset.example import EXAMPLE_PATHS, copy_example

COPIED = EXAMPLE_PATHS

STORY = [
    ("The dev account: Widget Data Center's people exist, made by hand.", None),
    ("", "validate"),
    ("", "sandbox load dev docs/demo/wdc-people.yaml"),
    ("", "plan dev"),
    ("", "apply dev --auto-approve"),
    ("Planning again shows the account matches.", "plan dev --detailed-exitcode"),
    ("The scrum sync set: the workspace and everything it needs.", "syncset show scrum --env dev"),
    ("Promote it to qa as a git branch for a pull request.", "promote dev qa --sync-set scrum"),
    (
        "qa's account has neither Frank Watson nor Rodney Wilson: Being Prepared.",
        "plan qa --format markdown",
    ),
    (
        "Widget Europe IT's people, made by hand in qa.",
        "sandbox load qa docs/demo/widget-europe-people.yaml",
    ),
    (
        "syncset proposes Widget Europe's Frank Watson for Frank's role: a proposal to review, "
        "not yet a mapping.",
        "map qa --suggest",
    ),
    ("Still Being Prepared: the proposal awaits review.", "plan qa"),
    ("Reviewed: accept it.", "map qa --accept"),
    (
        "Rodney Wilson's roles go to Ander Alkin.",
        "map qa --set person:rodney.wilson@wdc.example=ander.alkin@widget.example",
    ),
    ("Prepared: apply it.", "apply qa --auto-approve"),
    ("No differences remain.", "plan qa --detailed-exitcode"),
]


def run(command: str) -> int:
    print(f"\n$ syncset {command}", flush=True)
    try:
        main(shlex.split(command))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def scratch_repository(source: Path) -> Path:
    target = source / ".syncset" / "demo"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    # The example as committed: whatever the user did to the checkout's copy is left out.
    copy_example(source, target, COPIED)
    (target / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    repo = git.Repo.init(target)
    repo.index.add([*COPIED, ".gitignore"])
    actor = git.Actor("syncset demo", "demo@syncset.invalid")
    repo.index.commit("The example environments", author=actor, committer=actor)
    return target


def demo() -> int:
    target = scratch_repository(Path.cwd())
    os.chdir(target)
    os.environ["SYNCSET_ROOT"] = str(target)
    print(f"Demo repository: {target}")
    for note, command in STORY:
        if note:
            print(f"\n# {note}")
        if command is None:
            continue
        code = run(command)
        if code != 0:
            print(f"demo step failed: syncset {command} (exit {code})", file=sys.stderr)
            return code
    print("\nDone: dev and qa match their YAML; see .syncset/demo for the repository and journals.")
    return 0


if __name__ == "__main__":
    sys.exit(demo())
