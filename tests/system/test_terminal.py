"""What a person at a terminal sees: the CLI run in a pseudo-terminal, as a person runs it.

A pty is the only honest test of "on a TTY": rich decides from the real file descriptor, so an
in-process run (not a terminal) would show the plain line log and prove nothing.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

ESCAPE = re.compile(r"\x1b\[")
COUNT = re.compile(r"(\d+)/2000")


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


def test_an_apply_of_2000_records_in_a_terminal_shows_a_moving_count(repo):
    repo.write("environments/dev/holidays.yaml", holidays(2000))

    code, screen = run_in_pty(repo.root, ["apply", "dev", "--auto-approve"])

    assert code == 0, screen[-2000:]
    counts = [int(n) for n in COUNT.findall(screen)]
    assert len(set(counts)) >= 3, screen[-2000:]
    assert counts == sorted(counts)
    assert "failed" in screen and "ETA" in screen
    assert "created" not in screen.split("In progress")[1].split("Apply of")[0]
    assert "Apply of dev: Completed" in screen


def test_apply_shows_the_summary_and_not_every_change_before_asking(repo):
    repo.write("environments/dev/holidays.yaml", holidays(30))

    _, full = run_in_pty(repo.root, ["plan", "dev"])
    code, screen = run_in_pty(repo.root, ["apply", "dev", "--auto-approve"], CI="true")

    assert code == 0, screen
    assert "holiday/holiday-7" in full
    assert "holiday/holiday-7" not in screen.split("In progress")[0]
    assert "--show-plan prints every change" in screen


def test_in_ci_the_apply_log_is_a_line_per_record(repo):
    repo.write("environments/dev/holidays.yaml", holidays(5))

    code, screen = run_in_pty(repo.root, ["apply", "dev", "--auto-approve"], CI="true")

    assert code == 0, screen
    assert len(re.findall(r"applied +\+ holiday/holiday-\d", screen)) == 5


def test_a_dumb_terminal_and_no_color_get_no_escape_codes(repo):
    repo.write("environments/dev/holidays.yaml", holidays(3))

    _, coloured = run_in_pty(repo.root, ["plan", "dev"])
    _, dumb = run_in_pty(repo.root, ["plan", "dev"], TERM="dumb")
    _, plain = run_in_pty(repo.root, ["plan", "dev"], NO_COLOR="1")

    assert ESCAPE.search(coloured)
    assert not ESCAPE.search(dumb), dumb
    assert not ESCAPE.search(plain), plain


def test_the_plan_table_fits_the_terminal_width(repo):
    repo.write("environments/dev/holidays.yaml", holidays(3))

    _, narrow = run_in_pty(repo.root, ["plan", "dev"], COLUMNS="60", NO_COLOR="1")

    table = narrow.split("+ holiday/")[0].splitlines()[1:]
    assert table and max(len(line.rstrip()) for line in table) <= 60, narrow
