"""``syncset init``: the files of a new configuration repository, decided before any is written.

A team installs syncset as a tool and keeps its configuration in a repository of its own. init
writes that repository's starting point: dev, qa and prod on sandbox accounts (promotion links
dev → qa → prod), sync sets, the version pin CI installs (``.syncset-version``, the version that
ran init), the CI pipelines (GitHub and GitLab) reading that pin, editor schemas and pre-commit.

Everything is rendered in memory first (:func:`scaffold_files`), so that a refusal to overwrite
names every file at once and writes nothing. The templates are package data (``templates/``),
filled in by plain token replacement: the workflows are full of ``${{ }}`` and ``$(...)``, which
a template language would have to escape.
"""

from __future__ import annotations

import tempfile
from importlib.resources import files
from pathlib import Path

from syncset import __version__
from syncset.ci.plan import PIN_FILE
from syncset.config.schema_export import export_schemas
from syncset.errors import RefusedError, SyncsetError
from syncset.safepath import atomic_write_text, confined

ENVIRONMENTS = (("dev", None), ("qa", "dev"), ("prod", "qa"))
"""The environments init creates, each with the one it promotes from."""
SCHEMA_DIR = ".schemas"
"""Where the exported JSON Schemas go (committed: editors work offline, on a fresh clone)."""
WORKFLOWS = ("syncset-plan.yml", "syncset-apply.yml", "syncset-drift.yml")


def _template(name: str) -> str:
    return files("syncset.init").joinpath("templates", name).read_text(encoding="utf-8")


def _render(text: str, tokens: dict[str, str]) -> str:
    for token, value in tokens.items():
        text = text.replace(f"@{token}@", value)
    if "@NAME@" in text or "@VERSION@" in text or "@UPPER@" in text:
        raise AssertionError("a template token was left unfilled")  # a bug in the templates
    return text


def _environment_files(name: str, promotes_from: str | None) -> dict[str, str]:
    promotes = f"promotes_from: {promotes_from}\n" if promotes_from else ""
    tokens = {"NAME": name, "UPPER": name.upper(), "PROMOTES": promotes}
    folder = f"environments/{name}"
    return {
        f"{folder}/environment.yaml": _render(_template("environments/environment.yaml"), tokens),
        f"{folder}/mappings.yaml": _render(_template("environments/mappings.yaml"), tokens),
    }


def _schema_files() -> dict[str, str]:
    """The schemas as ``syncset schema export`` writes them, read back from a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="syncset-init-") as scratch:
        written = export_schemas(Path(scratch))
        return {f"{SCHEMA_DIR}/{p.name}": p.read_text(encoding="utf-8") for p in written}


def scaffold_files(version: str = __version__) -> dict[str, str]:
    """Every file init writes, relative path (posix) → content."""
    tokens = {"VERSION": version}
    out: dict[str, str] = {}
    for name, source in ENVIRONMENTS:
        out |= _environment_files(name, source)
    out["syncsets.yaml"] = _template("syncsets.yaml")
    out[".gitignore"] = _template("gitignore")
    out[PIN_FILE] = version + "\n"
    out[".pre-commit-config.yaml"] = _render(_template("pre-commit-config.yaml"), tokens)
    out[".vscode/settings.json"] = _template("vscode-settings.json")
    out |= _schema_files()
    for workflow in WORKFLOWS:
        out[f".github/workflows/{workflow}"] = _template(f"workflows/{workflow}")
    out[".gitlab-ci.yml"] = _template("gitlab-ci.yml")
    return out


def existing(directory: Path, planned: dict[str, str]) -> list[str]:
    """The planned files that already exist in ``directory`` (what --force would overwrite)."""
    return sorted(rel for rel in planned if (directory / rel).exists())


def write_scaffold(directory: Path, force: bool = False) -> list[str]:
    """Write the scaffold into ``directory``; refuse, writing nothing, if any file exists."""
    if directory.exists() and not directory.is_dir():
        raise SyncsetError(f"{directory}: exists and is not a folder: give a folder to init")
    planned = scaffold_files()
    clashes = existing(directory, planned)
    if clashes and not force:
        shown = "\n".join(f"  {rel}" for rel in clashes)
        raise RefusedError(
            f"{directory}: init would overwrite {len(clashes)} existing file(s); nothing was "
            f"written. Move them away, or run syncset init --force to overwrite them:\n{shown}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for rel, text in planned.items():
        atomic_write_text(confined(directory, directory / rel), text)
    return sorted(planned)
