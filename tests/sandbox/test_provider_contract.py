"""The provider contract (tests/provider_contract.py) kept by the sandbox account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_contract import ProviderContract, Subject, catalog_subject

from syncset.providers.base import ProviderContext
from syncset.providers.sandbox.provider import SandboxProvider, SandboxSettings


class TestSandboxProvider(ProviderContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Iterator[Subject]:
        context = ProviderContext(root=str(tmp_path), environment="test")
        provider = SandboxProvider(SandboxSettings(path="account.sqlite"), context)
        yield catalog_subject(provider)
        provider.close()
