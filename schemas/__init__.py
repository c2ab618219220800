"""The typed catalog of configuration kinds.

Every kind is a pydantic model on one strict base (:class:`syncset.schemas.base.RecordModel`); what
the engine needs to know about a kind beyond its fields (natural key, references, child
collections, reference-data flag, sensitive fields, removal policy) is declared as data on the
model and collected into a :class:`syncset.schemas.base.KindSpec` by the registry.
"""

from syncset.schemas.base import ChildSpec, KindSpec, RecordModel, RefSpec
from syncset.schemas.registry import CATALOG, Catalog, UnknownKindError

__all__ = [
    "CATALOG",
    "Catalog",
    "ChildSpec",
    "KindSpec",
    "RecordModel",
    "RefSpec",
    "UnknownKindError",
]
