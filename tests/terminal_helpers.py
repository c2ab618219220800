"""Running the command line in a pseudo-terminal, as a person runs it: rich decides from the
real file descriptor, so only a pty shows what a terminal shows (tests/system/test_terminal.py)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path


def holidays(count: int) -> str:
    return "".join(
        f"---\nkind: holiday\nid: holiday-{n}\nname: Holiday {n}\n"
        f"start_at: 2027-02-{1 + n % 28:02d}\nend_at: 2027-02-{1 + n % 28:02d}\n"
        for n in range(count)
    )


def run_in_pty(root: Path, args: list[str], **environ: str) -> tuple[int, str]:
    """Run ``syncset ARGS`` with stdin/stdout/stderr on a pty; everything it drew, and its code."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "NO_COLOR")}
    env.update({"SYNCSET_ROOT": str(root), "TERM": "xterm-256color", "COLUMNS": "120"}, **environ)
    process = subprocess.Popen(
        [sys.executable, "-m", "syncset", *args],
        cwd=root,
        env=env,
        stdin=child,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the pty
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return process.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")
