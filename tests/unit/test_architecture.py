"""The shape of the package, checked: imports point one way and never in a circle.

docs/architecture.md promises that dependencies point one way (cli → workflow → stages →
model/errors) and that providers and schemas never import a stage; this reads every import of
the shipped code (function-level imports too, which can hide a cycle) and holds it to that.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"engine": "syncset", "schemas": "syncset.schemas", "providers": "syncset.providers"}
STAGES = ("config", "plan", "apply", "promotion", "ci", "render", "cli", "workflow", "demo")


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts]
            parts = [p for p in parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            modules = [name for name in names if name in MODULES]
            yield from modules
            if len(modules) < len(names) and node.module in MODULES:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)


GRAPH = {module: set(_imports(path)) - {module} for module, path in MODULES.items()}


def _cycle_through(start: str) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in sorted(GRAPH[node]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_module_imports_itself_through_others() -> None:
    cycles = [cycle for module in sorted(GRAPH) if (cycle := _cycle_through(module))]
    assert cycles == [], " ; ".join(" → ".join(c) for c in cycles[:3])


def test_providers_and_schemas_never_import_a_stage() -> None:
    stage_prefixes = tuple(f"syncset.{stage}" for stage in STAGES)
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.startswith(("syncset.providers", "syncset.schemas"))
        for target in targets
        if target.startswith(stage_prefixes)
    )
    assert offenders == []


def test_the_stages_never_import_the_command_line() -> None:
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if not module.startswith(("syncset.cli", "syncset.demo", "syncset.__main__"))
        for target in targets
        if target.startswith("syncset.cli")
    )
    assert offenders == []
