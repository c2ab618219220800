"""What ``syncset ping`` reports: reached, authenticated, and what each kind said."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncset.providers.http.limits import Allowance


@dataclass
class KindCheck:
    """What ``syncset ping`` found for one kind: records on the first page, or the problem."""

    kind: str
    records: int | None = None
    problem: str | None = None
    category: str | None = None
    note: str | None = None
    """Said beside ``ok``: e.g. a field this account's schema lacks, left out."""


@dataclass
class PingReport:
    """The result of a provider's ``ping()``: reached, authenticated, and what each kind said."""

    account: str
    kinds: list[KindCheck] = field(default_factory=list)
    schema: str | None = None
    """Where the account's schema came from and what it has, when the provider checks one."""
    requests: Allowance = field(default_factory=Allowance)
    cost: Allowance = field(default_factory=Allowance)
