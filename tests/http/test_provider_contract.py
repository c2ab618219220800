"""The provider contract (tests/provider_contract.py) kept by the HTTP providers, each against
its fake account on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_sites import RestSite
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
