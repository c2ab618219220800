"""The output formats a command can print, kept apart from the renderers that produce them.

Typer reads a command's option defaults when ``syncset --help`` builds the command tree, so
``Format`` must be importable without the renderers (which pull in the pydantic plan model);
keeping it here is what lets ``--help`` start fast (issue #15). ``syncset.render`` re-exports it.
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
