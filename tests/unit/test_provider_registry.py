"""The provider registry loads a provider's module once, even when threads ask at once."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from syncset.errors import ProviderError
from syncset.providers.registry import ProviderRegistry

SLOW_MODULE = """
import time
from pydantic import BaseModel

time.sleep(0.2)  # a provider whose import takes a while (the HTTP stack does)


class Settings(BaseModel):
    path: str


def open_slow(settings, context):
    raise NotImplementedError
"""


def test_threads_asking_for_a_provider_still_loading_all_get_it(tmp_path, monkeypatch):
    """``ci plan --workers`` validates environments in threads: the second thread must wait
    for the import the first started, not find the provider unknown."""
    (tmp_path / "slow_provider_for_test.py").write_text(SLOW_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_provider_for_test", raising=False)
    registry = ProviderRegistry({"slow": ("slow_provider_for_test", "Settings", "open_slow")})
    start = threading.Barrier(8)

    def ask(_: int) -> str:
        start.wait()
        return registry.settings_model("slow").__name__

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(ask, range(8))) == ["Settings"] * 8


def test_an_unknown_provider_names_the_known_ones():
    registry = ProviderRegistry({})

    with pytest.raises(ProviderError, match="unknown provider 'nope'"):
        registry.settings_model("nope")
