"""The installed shape: one import package, ``syncset``, and nothing that a generic top-level
name (``schemas``, ``engine``, ``providers``) on the same path could shadow or break."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from example_root import EXAMPLE_ROOT

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"engine": "syncset", "schemas": "syncset.schemas", "providers": "syncset.providers"}


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, name in FOLDERS.items():
        for init in (PROJECT_ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(PROJECT_ROOT / folder).parts
            found.add(".".join((name, *parts)))
    return found


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the sources, so the build leaves nothing in the checkout."""
    source = tmp_path_factory.mktemp("source")
    for name in (*FOLDERS, "pyproject.toml", "README.md", "LICENSE"):
        copy = shutil.copytree if (PROJECT_ROOT / name).is_dir() else shutil.copy2
        copy(PROJECT_ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    # The PEP 517 hook that pip would call (without isolation: no download), minus pip's start.
    build = f"from setuptools import build_meta; build_meta.build_wheel({str(out)!r})"
    subprocess.run([sys.executable, "-c", build], cwd=source, check=True, capture_output=True)
    (built,) = out.glob("syncset_gitops-*.whl")
    return built


def test_the_wheel_holds_only_the_syncset_package_and_its_metadata(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"syncset", next(t for t in tops if t.endswith(".dist-info"))}
    modules = {name.removesuffix(".py").replace("/", ".") for name in names if name.endswith(".py")}
    assert {f"{package}.__init__" for package in _packages_on_disk()} <= modules
    assert {"syncset.__main__", "syncset.cli.__init__", "syncset.schemas.xurrent"} <= modules


def test_the_wheel_is_syncset_gitops_with_its_types_and_licence(wheel: Path) -> None:
    """``syncset`` on PyPI is another project; type checkers need py.typed (PEP 561)."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "syncset/py.typed" in names
    [info] = {name.split("/", 1)[0] for name in names if ".dist-info/" in name}
    assert info.startswith("syncset_gitops-")
    assert any(n.startswith(f"{info}/licenses/LICENSE") for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "Name: syncset-gitops" in metadata and "License-Expression: Apache-2.0" in metadata
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "syncset = syncset.cli:main" in entry_points


def test_the_wheel_ships_every_template_of_syncset_init(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = PROJECT_ROOT / "engine" / "init" / "templates"
    shipped = {
        f"syncset/init/templates/{p.relative_to(templates).as_posix()}"
        for p in templates.rglob("*")
        if p.is_file()
    }
    assert len(shipped) >= 10
    assert shipped <= names


def test_syncset_runs_next_to_unrelated_top_level_packages_of_the_same_names(
    tmp_path: Path,
) -> None:
    """``pip install schemas`` (or engine, providers) next to syncset must change nothing."""
    decoys = tmp_path / "site"
    for name in FOLDERS:
        (decoys / name).mkdir(parents=True)
        (decoys / name / "__init__.py").write_text("raise SyntaxError('not syncset')\n")
    env = {"PYTHONPATH": str(decoys), "PATH": "/usr/bin:/bin", "SYNCSET_ROOT": str(EXAMPLE_ROOT)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ written into the checkout
    version = subprocess.run(
        [sys.executable, "-m", "syncset", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("syncset ")
    validated = subprocess.run(
        [sys.executable, "-m", "syncset", "validate", "dev"], capture_output=True, env=env
    )
    assert validated.returncode == 0, validated.stderr
