"""``make demo``: the main job on the embedded sandbox accounts, from a clean start."""

from __future__ import annotations

import shlex
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
    return run("validate")


if __name__ == "__main__":
    sys.exit(demo())
