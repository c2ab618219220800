"""The in-memory shapes shared by the phases: a record as YAML declares it, and an environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncset.schemas import CATALOG
from syncset.schemas.environment import EnvironmentConfig, Mappings

RecordKey = tuple[str, str]
"""``(kind, id)``: a record's identity across environments."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was declared: repository-relative path and document index in the file."""

    path: str
    document: int


@dataclass(frozen=True, slots=True)
class Record:
    """One validated configuration record.

    ``fields`` holds only what the YAML declares (plus ``disabled``), normalised to JSON values:
    references as record ids or reference-data natural keys, timestamps in UTC, e-mails lower
    case, child collections as lists of dicts. ``secrets`` are the dotted paths whose values
    must never be shown (sensitive fields and values read from ``env()``).
    """

    kind: str
    id: str
    fields: dict[str, Any]
    origin: Origin
    secrets: frozenset[str] = frozenset()

    @property
    def key(self) -> RecordKey:
        return (self.kind, self.id)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.id}"


@dataclass(frozen=True)
class Environment:
    """A loaded and validated environment folder."""

    name: str
    root: Path
    folder: Path
    config: EnvironmentConfig
    mappings: Mappings
    records: dict[RecordKey, Record]
    account: dict[str, Any] = field(default_factory=dict)
    """The account settings with templates rendered (may hold secrets: never print them)."""
    digest: str = ""
    """sha256 of the files the environment was loaded from (names and bytes)."""
    stamps: tuple[tuple[str, int, int, int, int, int], ...] = field(default=(), repr=False)
    """Each of those files' ``stat`` before it was read: (shown path, size, mtime ns, ctime
    ns, inode, device); what plan/reuse.py keeps a plan under."""

    @property
    def relative_folder(self) -> str:
        return self.folder.relative_to(self.root).as_posix()

    def of_kind(self, kind: str) -> list[Record]:
        return [record for record in self.records.values() if record.kind == kind]

    def reference_kinds_used(self) -> list[str]:
        """The reference-data kinds the records point at or mappings.yaml maps, in catalog
        order: the only reference data a plan or ``map`` needs to read from the account (each
        kind read costs requests, and a token may not be allowed to read every kind).
        Worked out once (it walks every record's references; a plan asks three times)."""
        known = self.__dict__.get("_reference_kinds")
        if known is None:
            used = set(self.mappings.references)
            for record in self.records.values():
                spec = CATALOG[record.kind]
                used |= {target for _, target, _ in spec.reference_values(record.fields)}
            known = [spec.name for spec in CATALOG.reference_kinds() if spec.name in used]
            self.__dict__["_reference_kinds"] = known  # frozen: not through __setattr__
        return list(known)
