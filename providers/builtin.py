"""Registers the providers that ship with syncset."""

from providers.registry import REGISTRY
from providers.sandbox import SandboxSettings, open_sandbox

REGISTRY.register("sandbox", SandboxSettings, open_sandbox)
