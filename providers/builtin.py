"""Registers the providers that ship with syncset."""

from providers.registry import REGISTRY
from providers.rest import open_rest
from providers.rest_settings import RestSettings
from providers.sandbox import SandboxSettings, open_sandbox
from providers.xurrent import XurrentSettings, open_xurrent

REGISTRY.register("sandbox", SandboxSettings, open_sandbox)
REGISTRY.register("xurrent", XurrentSettings, open_xurrent)
REGISTRY.register("rest", RestSettings, open_rest)
