"""``syncset ping ENV…``: test the link to an environment's live account before planning on it.

Like Synatic's "Test Org Link": reach the endpoint, authenticate, check the account, check
every operation against the account's own schema (4me/Xurrent), read one page of each kind, and
say what the rate-limit budget has left. A provider may offer ``ping()`` (the HTTP providers do:
it reads one page per kind and knows the failure classes); any other
provider is pinged by listing each kind it holds. Any failure exits 1 with its class named
(unreachable, timeout, authentication, account, permission, rate-limit, ...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console, console_err
from syncset.errors import ProviderError

if TYPE_CHECKING:  # the HTTP stack costs start-up time; load it only when pinging
    from rich.table import Table

    from syncset.providers.http.limits import Allowance
    from syncset.providers.http.ping import PingReport

# The engine is imported inside the command: start-up (see syncset.cli).


@app.command()
def ping(
    environments: Annotated[
        list[str],
        typer.Argument(help="The environments whose accounts to test (names or globs)."),
    ],
) -> None:
    """Test the link: endpoint, credentials, account, permissions per kind, rate-limit budget."""
    from syncset.config.load import find_root, select_environments

    root = find_root()
    names = select_environments(root, environments)
    failures = []
    for name in names:
        if len(names) > 1:
            console.print(f"== {name}", markup=False)
        try:
            _ping_one(root, name)
        except ProviderError as exc:
            if len(names) == 1:
                raise
            console_err.print(f"error: {exc}", markup=False)
            failures.append(name)
    if failures:
        raise ProviderError(f"ping: {len(failures)} of {len(names)} failed: {', '.join(failures)}")


def _ping_one(root: Path, environment: str) -> None:
    from syncset.config.validate import validate_environment
    from syncset.workflow import opened, ping_provider

    env = validate_environment(root, environment)
    try:
        with opened(env) as provider:
            report = ping_provider(provider)
    except ProviderError as exc:
        category = getattr(exc, "category", "error")
        raise ProviderError(f"ping {environment}: {category}: {exc}") from None
    console.print(f"account: {report.account}", markup=False)
    if report.schema:
        console.print(f"schema: {report.schema}", markup=False)
    console.print(_table(report))
    console.print(f"requests used: {provider.stats.calls}")
    for line in _budget_lines(report):
        console.print(line)
    failed = [check for check in report.kinds if check.problem]
    if failed:
        names = ", ".join(f"{c.kind} ({c.category})" for c in failed)
        raise ProviderError(f"ping {environment}: {len(failed)} kind(s) could not be read: {names}")
    console.print(f"ping {environment}: ok", markup=False)


def _table(report: PingReport) -> Table:
    from rich.table import Table

    table = Table(title="One page of each kind", title_justify="left")
    table.add_column("kind")
    table.add_column("records", justify="right")
    table.add_column("status")
    for check in report.kinds:
        records = "-" if check.records is None else str(check.records)
        status = "ok" if check.problem is None else f"{check.category}: {check.problem}"
        if check.problem is None and check.note:
            status = f"ok ({check.note})"
        table.add_row(check.kind, records, status)
    return table


def _budget_lines(report: PingReport) -> list[str]:
    lines = []
    for name, allowance in (("request", report.requests), ("query-cost", report.cost)):
        if allowance.limit is not None and allowance.remaining is not None:
            lines.append(
                f"hourly {name} budget: {allowance.remaining} of {allowance.limit} left"
                + _resets(allowance)
            )
    return lines or ["rate-limit budget: not reported by this account"]


def _resets(allowance: Allowance) -> str:
    if allowance.reset_at is None:
        return ""
    moment = datetime.fromtimestamp(allowance.reset_at, UTC)
    return f" (refills at {moment:%H:%M:%S} UTC)"
