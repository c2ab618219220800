"""The provider contract (tests/provider_contract.py) kept by the in-memory test account."""

from __future__ import annotations

import pytest
from memory_provider import MemoryProvider
from provider_contract import ProviderContract, Subject, catalog_subject


class TestMemoryProvider(ProviderContract):
    @pytest.fixture
    def subject(self) -> Subject:
        return catalog_subject(MemoryProvider())
