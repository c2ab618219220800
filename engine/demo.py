"""``make demo``: the main job on the embedded sandbox accounts, from a clean start."""

from __future__ import annotations

import shlex
import shutil
import sys

from engine.cli import main


def run(command: str) -> int:
    print(f"\n$ syncset {command}", flush=True)
    try:
        main(shlex.split(command))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def demo() -> int:
    """The dev loop on the sandbox: people made by hand, plan, apply, plan again (no changes)."""
    shutil.rmtree(".syncset", ignore_errors=True)
    steps = [
        "validate",
        "sandbox load dev docs/demo/wdc-people.yaml",
        "plan dev",
        "apply dev --auto-approve",
        "plan dev --detailed-exitcode",
    ]
    for step in steps:
        code = run(step)
        if code != 0:
            print(f"demo step failed: syncset {step} (exit {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(demo())
