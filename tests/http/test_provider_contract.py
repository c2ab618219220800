"""The provider contract (tests/provider_contract.py) kept by the HTTP providers, each against
its fake account on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_sites import RestSite, XurrentSite
from provider_contract import ProviderContract, Subject


class TestRestProvider(ProviderContract):
    @pytest.fixture
    def subject(self, rest_site: Callable[..., RestSite]) -> Subject:
        return Subject(
            provider=rest_site().provider(),
            kind="solution",
            fields=lambda name: {"name": name, "description": "Moves expense claims"},
            change={"description": "Moves expense claims and receipts"},
            reference=("flow", "solution", "solution"),
            reference_fields=lambda name, live_id: {"name": name, "solution": live_id},
        )


class TestXurrentProvider(ProviderContract):
    @pytest.fixture
    def subject(self, xurrent_site: Callable[..., XurrentSite]) -> Subject:
        first = [{"name": "To Do", "position": 1}, {"name": "Done", "position": 2}]
        second = [{"name": "To Do", "position": 1}, {"name": "Review", "position": 2}]
        return Subject(
            provider=xurrent_site().provider(),
            kind="team",
            fields=lambda name: {"name": name, "remarks": "Builds the expense application"},
            change={"remarks": "Builds and runs the expense application"},
            reference=("team", "work_hours", "calendar"),
            reference_fields=lambda name, live_id: {"name": name, "work_hours": live_id},
            children=("agile_board", "columns", ("name",)),
            child_items=[first, second],
        )
