"""The dependency graph of the records, as Mermaid (GitHub renders it) or Graphviz DOT.

An edge goes from a record to a record it references, labelled with the field (``columns.team`` for
a child collection's field): the same edges that order apply's waves (:mod:`syncset.plan.order`),
so the picture shows why one record is written before another. Optional references are dashed: they
are the ones apply may defer to break a cycle. Reference data (people, organizations) is left out:
it is mapped, never written, so it orders nothing.

The graph is built from a validated environment alone, without the account, so ``syncset graph``
needs no network. ``ci plan --graph`` draws only what changes, plus the records those need
(unstyled) so a reviewer sees what each change leans on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from syncset.errors import ConfigError
from syncset.model import Environment, RecordKey
from syncset.plan.model import Action, Plan
from syncset.plan.order import Edge, order_records, reference_edges

CLASS_STYLES = {
    "create": "fill:#dafbe1,stroke:#1a7f37",
    "update": "fill:#fff8c5,stroke:#9a6700",
    "adopt": "fill:#ddf4ff,stroke:#0969da",
    "remove": "fill:#ffebe9,stroke:#cf222e",
}
_ACTION_CLASS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.ADOPT: "adopt",
    Action.DISABLE: "remove",
    Action.DELETE: "remove",
}


@dataclass(frozen=True)
class RecordGraph:
    """Nodes in dependency order (what is needed first), edges, and a style class per node."""

    nodes: tuple[RecordKey, ...]
    edges: tuple[Edge, ...]
    classes: Mapping[RecordKey, str] = field(default_factory=dict)


def environment_edges(environment: Environment) -> list[Edge]:
    """One edge per (record, field, target) reference between configuration records."""
    return reference_edges({key: record.fields for key, record in environment.records.items()})


def record_graph(environment: Environment, only: Iterable[RecordKey] | None = None) -> RecordGraph:
    """The graph of the environment's records, or of ``only`` those (e.g. a sync set)."""
    keep = set(environment.records if only is None else only) & set(environment.records)
    edges = [e for e in environment_edges(environment) if e.source in keep and e.target in keep]
    return RecordGraph(_ordered(keep, edges), tuple(edges))


def changes_graph(environment: Environment, plan: Plan) -> RecordGraph:
    """The records a plan changes, styled by action, and the records they reference."""
    classes = {(c.kind, c.id): _ACTION_CLASS[c.action] for c in plan.pending}
    edges = [e for e in environment_edges(environment) if e.source in classes]
    nodes = set(classes) | {e.target for e in edges}
    return RecordGraph(_ordered(nodes, edges), tuple(edges), classes)


def _ordered(nodes: set[RecordKey], edges: list[Edge]) -> tuple[RecordKey, ...]:
    try:
        rank = order_records(nodes, edges).wave_of()
    except ConfigError:  # a required cycle: validate reports it; the picture still draws
        rank = {}
    return tuple(sorted(nodes, key=lambda key: (rank.get(key, 0), key)))


def _ref(key: RecordKey) -> str:
    return f"{key[0]}/{key[1]}"


def mermaid(graph: RecordGraph) -> str:
    """``flowchart LR`` with one node per record, grouped in a subgraph per kind (the kinds in
    dependency order), so that many records without edges do not stack into one tall column;
    node ids are positional, labels are ``kind/id``."""
    ids = {key: f"n{index}" for index, key in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    if not graph.nodes:
        lines.append('  empty["(no records)"]')
    by_kind: dict[str, list[RecordKey]] = {}
    for key in graph.nodes:
        by_kind.setdefault(key[0], []).append(key)
    for kind, keys in by_kind.items():
        lines.append(f'  subgraph kind_{kind}["{_mermaid_text(kind)}"]')
        lines += [f'    {ids[key]}["{_mermaid_text(_ref(key))}"]' for key in keys]
        lines.append("  end")
    for edge in graph.edges:
        arrow = "-->" if edge.required else "-.->"
        label = _mermaid_text(edge.path)
        lines.append(f"  {ids[edge.source]} {arrow}|{label}| {ids[edge.target]}")
    used = sorted(set(graph.classes.values()))
    for name in used:
        lines.append(f"  classDef {name} {CLASS_STYLES[name]}")
    for name in used:
        members = ",".join(ids[k] for k in graph.nodes if graph.classes.get(k) == name)
        lines.append(f"  class {members} {name}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;")


def dot(graph: RecordGraph) -> str:
    """A Graphviz digraph; render it with ``dot -Tsvg``."""
    lines = ["digraph syncset {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for key in graph.nodes:
        style = graph.classes.get(key)
        extra = ""
        if style is not None:
            fill = CLASS_STYLES[style].split(",")[0].removeprefix("fill:")
            extra = f', style=filled, fillcolor="{fill}"'
        lines.append(f"  {_dot_text(_ref(key))} [label={_dot_text(_ref(key))}{extra}];")
    for edge in graph.edges:
        dashed = "" if edge.required else ", style=dashed"
        lines.append(
            f"  {_dot_text(_ref(edge.source))} -> {_dot_text(_ref(edge.target))} "
            f"[label={_dot_text(edge.path)}{dashed}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
