"""Shared fixtures: a small repository in ``tmp_path`` and the CLI run in-process.

Tests build exactly the YAML they need with :class:`Repo` (``repo`` fixture), then either call
the engine (``repo.validate`` / ``repo.problems``) or the command line (``cli`` fixture), which
runs :func:`syncset.cli.main` in this process, so no test pays for a Python start-up unless it
is about the console script itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncset.config.validate import validate_environment
from syncset.errors import ConfigError
from syncset.model import Environment
from syncset.secrets import SECRETS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout these tests belong to (holds ``environments/`` with the examples)."""

MEMORY = Path("/dev/shm")
if MEMORY.is_dir() and os.access(MEMORY, os.W_OK):
    # tmp_path in memory where the machine has a tmpfs: every apply fsyncs its journal and its
    # SQLite account, and on a shared disk those waits were half the suite's time. Processes
    # the tests kill lose nothing more for it (the page cache outlives them, as on a disk).
    # pytest's own variable for the root of its temporary folders; one set by hand wins.
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(MEMORY))
# Hypothesis caches into .hypothesis/ of the working directory (read when it first writes).
_scratch = Path(os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir())
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_scratch / "syncset-tests-hypothesis"))


@dataclass
class Repo:
    """A syncset repository under construction in a temporary folder.

    ``write`` takes YAML as an indented triple-quoted string (it is dedented), so a test reads
    like the file it creates. Line numbers in assertions count from the first line of that text.
    """

    root: Path

    def write(self, relative: str, text: str) -> Path:
        """Write ``text`` (dedented, leading newline dropped) to ``root / relative``."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write raw bytes (for encodings, tabs and other byte-exact cases)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def add_environment(
        self,
        name: str,
        *,
        account: str | None = None,
        extra: str = "",
    ) -> Path:
        """Create ``environments/<name>/environment.yaml`` on a sandbox account.

        ``account`` replaces the account block's body (indented two spaces, one key a line);
        ``extra`` is appended as top-level YAML (``vars:``, ``policies:``, ``promotes_from:``).
        The default account is ``provider: sandbox`` with ``path: .syncset/<name>.sqlite``.
        """
        body = (
            account if account is not None else f"provider: sandbox\npath: .syncset/{name}.sqlite"
        )
        lines = ["version: 1", f"name: {name}", "account:"]
        lines += [f"  {line}" for line in body.splitlines()]
        text = "\n".join(lines) + "\n" + textwrap.dedent(extra).lstrip("\n")
        path = self.root / "environments" / name / "environment.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def validate(self, env: str = "dev", environ: Mapping[str, str] | None = None) -> Environment:
        """Validate one environment in-process (``environ`` replaces ``os.environ`` for env())."""
        return validate_environment(self.root, env, dict(environ) if environ is not None else {})

    def problems(self, env: str = "dev", environ: Mapping[str, str] | None = None) -> list[str]:
        """The problem lines validation reports (``path:line:col: ...``); fails if none."""
        with pytest.raises(ConfigError) as caught:
            self.validate(env, environ)
        return [str(problem) for problem in caught.value.problems]

    def files(self) -> dict[str, bytes]:
        """Every file below the root with its content: compare two calls to prove no writes."""
        return {
            path.relative_to(self.root).as_posix(): path.read_bytes()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        }


LAYERS = ("unit", "sandbox", "system", "http")
"""The test layers, one folder each (tests/README.md): a test is marked with its folder's name."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder's layer, unless it says its own (a test of the sandbox
    folder that starts a process is marked ``system`` where it stands, beside its fixtures)."""
    tests = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests)
        layer = relative.parts[0] if len(relative.parts) > 1 else ""
        if layer not in LAYERS:
            raise pytest.UsageError(f"{relative}: every test lives in one of tests/{LAYERS}")
        if not any(item.get_closest_marker(name) for name in LAYERS):
            item.add_marker(layer)


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """Each test is one process for the secret masker: values read by one test (``env()``,
    credentials) are not masked in the next one's output."""
    yield
    SECRETS.forget()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An empty-but-valid repository with one environment, ``dev`` (sandbox account).

    The working directory is the repository root and ``SYNCSET_ROOT`` points at it, so both
    in-process CLI runs and engine calls find it. Add records with ``repo.write(...)``.
    """
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("SYNCSET_ROOT", str(root))
    built = Repo(root)
    built.add_environment("dev")
    return built


@dataclass(frozen=True)
class CliResult:
    """What one command printed and its exit code."""

    code: int
    out: str
    err: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``syncset ARGS...`` in-process: ``cli("validate", "dev")`` → :class:`CliResult`.

    ``SystemExit`` becomes the exit code (0 when the command returns normally); any other
    exception propagates, so a traceback fails the test.
    """
    from syncset.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the shipped example (as committed) in ``tmp_path``: tests may apply it, and
    the checkout's own ``environments/`` may be in any state a user left it."""
    from example_root import EXAMPLE_ROOT

    root = tmp_path / "example"
    shutil.copytree(EXAMPLE_ROOT, root)
    return root
