"""The provider contract: what the engine relies on from every live account, as one test suite.

:class:`ProviderContract` is subclassed once per provider (memory in tests/unit, sandbox in
tests/sandbox, 4me/Xurrent and REST in tests/http); each subclass gives a ``subject`` fixture: a
fresh, empty account behind the provider, and which of its kinds show each promise. A promise a
provider cannot keep is a capability it declares (no child collections on REST, no marker
clearing where the API cannot do it), never a skipped assertion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from syncset.errors import WriteRejected
from syncset.providers.base import LiveRecord, Marker, Provider


@dataclass
class Subject:
    """A provider on an empty account, and the kinds that show each promise."""

    provider: Provider
    kind: str
    """A configuration kind whose natural key is unique (a second record of a name is refused)."""
    fields: Callable[[str], dict[str, Any]]
    """Fields of a new record of ``kind`` named after the argument."""
    change: dict[str, Any]
    """A change to a non-key field of ``kind`` (the update test sends only this)."""
    reference: tuple[str, str, str] | None = None
    """``(kind, field, target kind)``: a kind whose ``field`` holds one live id of the target."""
    reference_fields: Callable[[str, str], dict[str, Any]] | None = None
    """Fields of a record of the referencing kind named arg 1, pointing at live id arg 2."""
    children: tuple[str, str, tuple[str, ...]] | None = None
    """``(kind, field, key)`` of a child collection, if the provider has one."""
    child_items: list[list[dict[str, Any]]] = field(default_factory=list)
    """Two versions of the child list; the first item's key is the same in both."""
    clears_marker: bool = True
    """Whether ``Marker("", "")`` removes the marker (how rollback un-adopts a record)."""


def catalog_subject(provider: Provider) -> Subject:
    """The kinds of the catalog that show each promise, for providers that hold them all."""
    first = [{"name": "To Do", "position": 1}, {"name": "Done", "position": 2}]
    second = [{"name": "To Do", "position": 1}, {"name": "Review", "position": 2}]
    return Subject(
        provider=provider,
        kind="solution",
        fields=lambda name: {"name": name, "description": "Moves expense claims"},
        change={"description": "Moves expense claims and receipts"},
        reference=("flow", "solution", "solution"),
        reference_fields=lambda name, live_id: {"name": name, "solution": live_id},
        children=("agile_board", "columns", ("name",)),
        child_items=[first, second],
    )


def _marker(record_id: str) -> Marker:
    return Marker("syncset", record_id)


class ProviderContract:
    """Every test takes ``subject``, a fixture the subclass defines."""

    def test_a_created_record_is_listed_read_and_found_by_its_marker(
        self, subject: Subject
    ) -> None:
        p = subject.provider
        created = p.create(subject.kind, subject.fields("Alpha"), _marker("alpha"))

        listed = [r for r in p.list(subject.kind) if r.live_id == created.live_id]
        assert len(listed) == 1 and listed[0].marker == _marker("alpha")
        read = p.get(subject.kind, created.live_id)
        assert read is not None and _holds(read, subject.fields("Alpha"))
        found = p.find_by_marker(subject.kind, _marker("alpha"))
        assert found is not None and found.live_id == created.live_id
        assert not created.disabled

    def test_markers_are_found_in_one_batch_with_one_query_per_page(self, subject: Subject) -> None:
        p = subject.provider
        one = p.create(subject.kind, subject.fields("One"), _marker("one"))
        two = p.create(subject.kind, subject.fields("Two"), _marker("two"))
        p.create(subject.kind, subject.fields("Three"), None)
        asked = [_marker("one"), _marker("two"), _marker("none")]
        calls = p.stats.calls

        found = p.find_by_markers(subject.kind, asked)

        assert {m.source_id: [r.live_id for r in rs] for m, rs in found.items()} == {
            "one": [one.live_id],
            "two": [two.live_id],
        }
        assert p.stats.calls - calls == 1, "one page of records: one query, not one per marker"
        assert p.find_by_markers(subject.kind, []) == {}

    def test_live_ids_never_look_like_yaml_ids(self, subject: Subject) -> None:
        created = subject.provider.create(subject.kind, subject.fields("Beta"), _marker("beta"))
        assert created.live_id != "beta" and created.live_id

    def test_unknown_ids_and_markers_are_not_found(self, subject: Subject) -> None:
        p = subject.provider
        p.create(subject.kind, subject.fields("Gamma"), _marker("gamma"))
        assert p.find_by_marker(subject.kind, _marker("delta")) is None
        unknown = p.list(subject.kind)[0].live_id + "0"
        assert p.get(subject.kind, unknown) is None

    def test_an_update_sends_only_the_given_fields_and_keeps_the_rest(
        self, subject: Subject
    ) -> None:
        p = subject.provider
        created = p.create(subject.kind, subject.fields("Epsilon"), _marker("epsilon"))

        p.update(subject.kind, created.live_id, subject.change)

        read = p.get(subject.kind, created.live_id)
        assert read is not None
        assert _holds(read, {**subject.fields("Epsilon"), **subject.change})
        assert read.marker == _marker("epsilon"), "an update without a marker keeps it"

    def test_an_unmarked_record_is_adopted_by_an_update_with_the_marker(
        self, subject: Subject
    ) -> None:
        p = subject.provider
        created = p.create(subject.kind, subject.fields("Zeta"), None)
        assert created.marker is None and p.find_by_marker(subject.kind, _marker("zeta")) is None

        p.update(subject.kind, created.live_id, {}, _marker("zeta"))

        found = p.find_by_marker(subject.kind, _marker("zeta"))
        assert found is not None and found.live_id == created.live_id

    def test_a_marker_is_rewritten_to_another_id_by_an_update(self, subject: Subject) -> None:
        """A re-key (the YAML id changed) moves the marker: same record, new id, old one gone."""
        p = subject.provider
        created = p.create(subject.kind, subject.fields("Omicron"), _marker("omicron-old"))

        p.update(subject.kind, created.live_id, dict(subject.change), _marker("omicron"))

        found = p.find_by_marker(subject.kind, _marker("omicron"))
        assert found is not None and found.live_id == created.live_id
        assert _holds(found, {**subject.fields("Omicron"), **subject.change})
        assert p.find_by_marker(subject.kind, _marker("omicron-old")) is None
        listed = [r for r in p.list(subject.kind) if r.live_id == created.live_id]
        assert [r.marker for r in listed] == [_marker("omicron")]

    def test_an_empty_marker_clears_the_marker(self, subject: Subject) -> None:
        if not subject.clears_marker:
            pytest.skip("this provider declares that it cannot clear a marker")
        p = subject.provider
        created = p.create(subject.kind, subject.fields("Eta"), _marker("eta"))

        p.update(subject.kind, created.live_id, {}, Marker("", ""))

        read = p.get(subject.kind, created.live_id)
        assert read is not None and not read.owned_by()

    def test_a_disabled_record_is_still_listed_and_says_so(self, subject: Subject) -> None:
        p = subject.provider
        if p.capabilities.removal == "delete":
            pytest.skip("this provider deletes instead of disabling")
        created = p.create(subject.kind, subject.fields("Theta"), _marker("theta"))

        p.remove(subject.kind, created.live_id, "disable")

        listed = {r.live_id: r for r in p.list(subject.kind)}
        assert listed[created.live_id].disabled

    def test_a_second_record_with_a_taken_name_is_refused(self, subject: Subject) -> None:
        p = subject.provider
        p.create(subject.kind, subject.fields("Iota"), _marker("iota"))

        with pytest.raises(WriteRejected):
            p.create(subject.kind, subject.fields("Iota"), _marker("iota-2"))
        assert p.find_by_marker(subject.kind, _marker("iota-2")) is None

    def test_a_reference_is_written_and_read_back_as_the_live_id(self, subject: Subject) -> None:
        assert subject.reference is not None and subject.reference_fields is not None
        kind, name, target = subject.reference
        p = subject.provider
        pointed = p.create(target, _target_fields(subject, target), _marker("kappa-target"))

        created = p.create(kind, subject.reference_fields("Kappa", pointed.live_id), None)

        read = p.get(kind, created.live_id)
        assert read is not None and read.fields.get(name) == pointed.live_id

    def test_unchanged_child_items_keep_their_live_ids(self, subject: Subject) -> None:
        if subject.children is None:
            pytest.skip("this provider's kinds have no child collections")
        kind, name, key = subject.children
        first, second = subject.child_items

        def key_of(item: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(item.get(k) for k in key)

        p = subject.provider
        created = p.create(kind, {"name": "Mu", name: first}, _marker("mu"))
        before = {key_of(item): item["id"] for item in created.fields[name]}

        p.update(kind, created.live_id, {name: second})

        read = p.get(kind, created.live_id)
        assert read is not None
        after = {key_of(item): item["id"] for item in read.fields[name]}
        assert after.keys() == {key_of(item) for item in second}
        kept = key_of(first[0])
        assert after[kept] == before[kept], "an item whose key did not change keeps its id"

    def test_every_call_is_counted(self, subject: Subject) -> None:
        p = subject.provider
        before = p.stats.calls
        p.list(subject.kind)
        p.create(subject.kind, subject.fields("Nu"), _marker("nu"))
        assert p.stats.calls >= before + 2


def _target_fields(subject: Subject, target: str) -> dict[str, Any]:
    return subject.fields("Target") if target == subject.kind else {"name": f"{target} target"}


def _holds(record: LiveRecord, expected: dict[str, Any]) -> bool:
    """Whether the record holds every expected field value (the account may add others)."""
    return all(record.fields.get(name) == value for name, value in expected.items())
