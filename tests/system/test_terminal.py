"""What a person at a terminal sees: the CLI run in a pseudo-terminal, as a person runs it.

A pty is the only honest test of "on a TTY": rich decides from the real file descriptor, so an
in-process run (not a terminal) would show the plain line log and prove nothing.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading

import pytest
from terminal_helpers import holidays, run_in_pty

ESCAPE = re.compile(r"\x1b\[")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colour and bold: what NO_COLOR must leave out
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COUNT = re.compile(r"(\d+)/2000")


def after_progress(screen: str) -> str:
    """What stays on the screen once the transient progress display (on stderr) is erased."""
    return re.sub(r"^\r?(\x1b\[1A|\x1b\[2K)*", "", screen.rsplit("\x1b[?25h", 1)[-1])


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
    # NO_COLOR: no colour (nor bold); the progress display still moves the cursor, then the
    # plan itself is plain text
    assert not SGR.search(plain), plain
    assert "Plan for dev" in after_progress(plain) and not ESCAPE.search(after_progress(plain))


def test_the_plan_table_fits_the_terminal_width(repo):
    repo.write("environments/dev/holidays.yaml", holidays(3))

    _, narrow = run_in_pty(repo.root, ["plan", "dev"], COLUMNS="60", NO_COLOR="1")

    table = after_progress(narrow).split("+ holiday/")[0].splitlines()[1:]
    assert table and max(len(line.rstrip()) for line in table) <= 60, narrow


FILES = re.compile(r"(\d+)/40 files")
KINDS = re.compile(r"(\d+)/(\d+) kinds")


def forty_files(repo) -> None:  # type: ignore[no-untyped-def]
    for n in range(40):
        repo.write(f"environments/dev/h{n:02d}.yaml", holidays(50).replace("holiday-", f"h{n}-"))


def test_planning_in_a_terminal_shows_the_files_and_the_kinds_read_so_far(repo):
    forty_files(repo)

    code, screen = run_in_pty(repo.root, ["plan", "dev"])

    assert code == 0, screen[-2000:]
    files = [int(n) for n in FILES.findall(screen)]
    assert len(set(files)) >= 2 and files == sorted(files) and files[-1] == 40, screen[:2000]
    kinds = [(int(n), int(total)) for n, total in KINDS.findall(screen)]
    assert kinds and kinds[-1][0] == kinds[-1][1] > 1, screen[:2000]
    assert "Plan: 2000 to create" in CONTROL.sub("", after_progress(screen))


def test_the_progress_goes_to_stderr_so_plan_json_on_stdout_stays_json(repo):
    forty_files(repo)
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "NO_COLOR")}
    env.update(SYNCSET_ROOT=str(repo.root), TERM="xterm-256color", COLUMNS="120")
    process = subprocess.Popen(
        [sys.executable, "-m", "syncset", "plan", "dev", "--format", "json"],
        cwd=repo.root,
        env=env,
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=child,
    )
    os.close(child)
    drawn: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(main, drawn), daemon=True)
    reader.start()
    out, _ = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(main)

    assert process.returncode == 0
    assert json.loads(out)["environment"] == "dev"
    assert FILES.search(b"".join(drawn).decode("utf-8", "replace"))


def _drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the pty
            return
        if not data:
            return
        chunks.append(data)


def test_in_ci_and_off_a_terminal_planning_draws_no_progress(repo, cli):
    forty_files(repo)

    code, screen = run_in_pty(repo.root, ["plan", "dev"], CI="true")
    piped = cli("plan", "dev")

    assert code == 0 and piped.code == 0
    for shown in (screen, piped.out + piped.err):
        assert "Plan: 2000 to create" in CONTROL.sub("", shown)
        assert not FILES.search(shown) and "reading the" not in shown


def test_validate_in_a_terminal_shows_the_files_read_so_far(repo):
    forty_files(repo)

    code, screen = run_in_pty(repo.root, ["validate"])

    assert code == 0, screen[-2000:]
    assert [int(n) for n in FILES.findall(screen)][-1:] == [40], screen[:2000]


def test_syncset_help_does_not_import_the_progress_display():
    probe = (
        "import sys\nfrom syncset.cli import main\ntry:\n    main(['--help'])\n"
        "except SystemExit:\n    pass\nprint(sorted(m for m in sys.modules if m in "
        "('rich.progress', 'rich.live')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "args",
    [["validate"], ["environments"], ["apply", "dev", "--auto-approve"], ["plan", "nope"]],
    ids=["validate", "environments", "apply", "error"],
)
def test_no_color_and_a_dumb_terminal_are_honoured_by_every_command(repo, args):
    repo.write("environments/dev/holidays.yaml", holidays(3))

    _, plain = run_in_pty(repo.root, args, NO_COLOR="1")
    _, dumb = run_in_pty(repo.root, args, TERM="dumb")

    assert not SGR.search(plain), plain
    assert not ESCAPE.search(dumb), dumb
    assert CONTROL.sub("", plain).strip() and dumb.strip()


def test_apply_with_show_plan_prints_every_change_before_asking(repo):
    repo.write("environments/dev/holidays.yaml", holidays(30))

    code, screen = run_in_pty(repo.root, ["apply", "dev", "--auto-approve", "--show-plan"])

    assert code == 0, screen
    before = CONTROL.sub("", screen).split("In progress")[0]
    assert "+ holiday/holiday-7  create" in before and '+ name: "Holiday 29"' in before
    assert "--show-plan prints every change" not in before


def test_an_error_at_a_terminal_is_wrapped_between_words_at_its_width(repo):
    code, screen = run_in_pty(repo.root, ["plan", "nope"], COLUMNS="50")
    _, logged = run_in_pty(repo.root, ["plan", "nope"], COLUMNS="50", TERM="dumb")

    assert code == 1
    lines = [line.rstrip() for line in CONTROL.sub("", screen).splitlines() if line.strip()]
    assert len(lines) > 1 and max(len(line) for line in lines) <= 50, screen
    words = " ".join(lines).split()
    assert words == logged.split() and "environments/nope/environment.yaml" in words
