"""GitHub Actions error annotations: each configuration problem shown at its line in the
pull request's diff (``::error file=…,line=…,col=…::message``), when run in Actions."""

from __future__ import annotations

import os

from syncset.errors import Problem


def in_github_actions() -> bool:
    """GitHub sets ``GITHUB_ACTIONS=true`` in every step of a workflow run."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def annotation(problem: Problem) -> str:
    """One workflow command; values escaped as GitHub's toolkit escapes them."""
    message = ": ".join(part for part in (problem.subject, problem.field, problem.message) if part)
    return (
        f"::error file={_property(problem.path)},line={problem.line},col={problem.col}"
        f"::{_data(message)}"
    )


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
