"""``syncset environments``: the fleet as text, markdown or JSON.

The JSON is the model (``format_version`` 1, docs/fleet.md); text and markdown show the same
facts. The promotion links are drawn as a tree whose straight runs read as chains
(``dev → qa → prod``); a branch point splits into ``├─``/``└─`` lines. Everything returned
passes the secret masker, as every renderer's output does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from syncset.fleet import EnvironmentView, Fleet, Health, LastApply, PromotionNode
from syncset.formats import Format
from syncset.secrets import SECRETS

FLEET_FORMAT_VERSION = 1


def render_fleet(fleet: Fleet, fmt: Format) -> str:
    if fmt is Format.JSON:
        text = json.dumps(fleet_json(fleet), indent=2, ensure_ascii=False) + "\n"
    elif fmt is Format.MARKDOWN:
        text = fleet_markdown(fleet)
    else:
        text = fleet_text(fleet)
    return SECRETS.mask(text)


def tree_lines(nodes: Sequence[PromotionNode], prefix: str = "", top: bool = True) -> list[str]:
    """The promotion forest as lines: one chain per straight run, branches indented."""
    lines: list[str] = []
    for index, node in enumerate(nodes):
        chain = [node]
        while len(chain[-1].children) == 1 and not chain[-1].cycle:
            chain.append(chain[-1].children[0])
        label = " → ".join(f"{n.name} (cycle)" if n.cycle else n.name for n in chain)
        if node.outside:
            label = f"({node.outside} →) {label}"
        last = index == len(nodes) - 1
        if top:
            lines.append(label)
            inner = ""
        else:
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{label}")
            inner = prefix + ("   " if last else "│  ")
        if len(chain[-1].children) > 1:
            lines.extend(tree_lines(chain[-1].children, inner, top=False))
    return lines


# -- JSON --------------------------------------------------------------------------------------


def fleet_json(fleet: Fleet) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format_version": FLEET_FORMAT_VERSION,
        "environments": [_environment_json(fleet, view) for view in fleet.environments],
        "promotions": [_node_json(node) for node in fleet.promotions],
        "checked": fleet.checked,
    }
    body["healthy"] = fleet.healthy
    return body


def _environment_json(fleet: Fleet, view: EnvironmentView) -> dict[str, Any]:
    account = None
    if view.account is not None:
        account = {"provider": view.account.provider, **dict(view.account.where)}
    return {
        "name": view.name,
        "promotes_from": view.promotes_from,
        "promotes_to": fleet.promotes_to(view.name),
        "account": account,
        "records": view.records,
        "record_count": sum(view.records.values()),
        "last_apply": _last_apply_json(view.last_apply),
        "error": view.error,
        "health": _health_json(view.health),
        "healthy": view.healthy,
    }


def _last_apply_json(last: LastApply | None) -> dict[str, Any] | None:
    if last is None:
        return None
    return {
        "at": last.at,
        "command": last.command,
        "result": last.result,
        "commit": last.commit,
        "records": last.records,
        "journal": last.journal,
    }


def _health_json(health: Health | None) -> dict[str, Any] | None:
    if health is None:
        return None
    return {
        "healthy": health.healthy,
        "reachable": health.reachable,
        "credentials": health.credentials,
        "account": health.account,
        "schema": health.schema,
        "budget": [
            {"allowance": name, "remaining": left, "limit": limit}
            for name, left, limit in health.budget
        ],
        "failed_kinds": list(health.failed_kinds),
        "drift": health.drift,
        "unmapped": health.unmapped,
        "problem": health.problem,
    }


def _node_json(node: PromotionNode) -> dict[str, Any]:
    body: dict[str, Any] = {"name": node.name}
    if node.cycle:
        body["cycle"] = True
    if node.outside:
        body["promotes_from"] = node.outside
    body["promotes_to"] = [_node_json(child) for child in node.children]
    return body


# -- text and markdown -------------------------------------------------------------------------


def fleet_text(fleet: Fleet) -> str:
    count = len(fleet.environments)
    lines = [f"{count} environment{'s' if count != 1 else ''}", "", "Promotion:"]
    lines += [f"  {line}" for line in tree_lines(fleet.promotions)]
    for view in fleet.environments:
        lines += ["", view.name, *(f"  {k:<12} {v}" for k, v in _facts(fleet, view))]
    if fleet.checked:
        sick = [v.name for v in fleet.environments if not v.healthy]
        verdict = f"unhealthy: {', '.join(sick)}" if sick else "all healthy"
        lines += ["", f"Health: {verdict}"]
    return "\n".join(lines) + "\n"


def fleet_markdown(fleet: Fleet) -> str:
    columns = ["environment", "account", "promotes from", "records", "last apply"]
    if fleet.checked:
        columns.append("health")
    lines = ["## Environments", "", "```", *tree_lines(fleet.promotions), "```", ""]
    lines += [f"| {' | '.join(columns)} |", f"|{'|'.join(' --- ' for _ in columns)}|"]
    for view in fleet.environments:
        facts = dict(_facts(fleet, view))
        cells = [
            f"`{view.name}`",
            facts.get("account", "-"),
            view.promotes_from or "-",
            facts.get("records", "-"),
            facts.get("last apply", "-"),
        ]
        if fleet.checked:
            cells.append(facts.get("health", "-"))
        if view.error:
            cells[1] = f"❌ {view.error.splitlines()[0]}"
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _facts(fleet: Fleet, view: EnvironmentView) -> Iterator[tuple[str, str]]:
    if view.error:
        yield "error", view.error
    if view.account is not None:
        where = " ".join(f"{key}={value}" for key, value in view.account.where)
        yield "account", f"{view.account.provider} {where}".strip()
    targets = fleet.promotes_to(view.name)
    if targets:
        yield "promotes to", ", ".join(targets)
    if view.account is not None:
        total = sum(view.records.values())
        kinds = ", ".join(f"{kind} {count}" for kind, count in view.records.items())
        yield "records", f"{total}" + (f" ({kinds})" if kinds else "")
        yield "last apply", _last_apply_text(view.last_apply)
    if view.health is not None:
        yield "health", _health_text(view.health)
    elif fleet.checked and view.error:
        yield "health", "unhealthy: the environment could not be read"


def _last_apply_text(last: LastApply | None) -> str:
    if last is None:
        return "never"
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(last.records.items()))
    when = f"{last.at[:19].replace('T', ' ')} UTC" if last.at else "?"
    parts = [when, last.command, last.result + (f" ({counts})" if counts else "")]
    if last.commit:
        parts.append(f"commit {last.commit[:10]}")
    return " · ".join(parts)


def _health_text(health: Health) -> str:
    facts = []
    if health.reachable:
        facts.append("reachable")
    if health.credentials:
        facts.append("credentials accepted")
    elif health.credentials is False:
        facts.append("credentials refused")
    elif health.reachable and health.account and health.problem is None:
        facts.append("no credentials needed")
    if health.schema:
        facts.append(f"schema {health.schema}")
    for name, left, limit in health.budget:
        facts.append(f"{name} budget {left:,}" + (f" of {limit:,} left" if limit else " left"))
    if health.drift is not None:
        facts.append(f"drift {health.drift} change{'s' if health.drift != 1 else ''}")
    if health.unmapped:
        facts.append(f"{health.unmapped} references to map")
    state = "ok" if health.healthy else f"UNHEALTHY: {health.problem or 'see failed kinds'}"
    if health.failed_kinds:
        facts.append(f"failed kinds: {', '.join(health.failed_kinds)}")
    return state + (f" ({', '.join(facts)})" if facts else "")
