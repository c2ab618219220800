"""The sandbox provider behaves like a real account: its own ids, markers, checks, timestamps."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import Marker, ProviderContext
from syncset.providers.sandbox.provider import SandboxProvider, SandboxSettings


def open_account(tmp_path, create: bool = True) -> SandboxProvider:
    settings = SandboxSettings(path=".syncset/dev.sqlite", create=create)
    return SandboxProvider(settings, ProviderContext(root=str(tmp_path), environment="dev"))


@pytest.fixture
def account(tmp_path):
    opened = open_account(tmp_path)
    yield opened
    opened.close()


def test_reading_an_account_that_does_not_exist_does_not_create_it(tmp_path):
    account = open_account(tmp_path)

    assert account.list("team") == []
    assert account.get("team", "SBX-000000000000") is None
    assert account.describe() == "sandbox .syncset/dev.sqlite (new, empty)"
    assert not (tmp_path / ".syncset").exists()


def test_the_first_write_creates_the_file(account, tmp_path):
    account.create("team", {"name": "Dev"}, None)

    assert (tmp_path / ".syncset/dev.sqlite").is_file()
    assert account.describe() == "sandbox .syncset/dev.sqlite"


def test_a_missing_account_that_may_not_be_created_is_an_error(tmp_path):
    with pytest.raises(ProviderError, match="does not exist \\(create: false"):
        open_account(tmp_path, create=False)


def test_a_file_that_is_not_sqlite_is_an_error_and_is_not_changed(tmp_path):
    path = tmp_path / ".syncset/dev.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"garbage" * 100)

    with pytest.raises(ProviderError, match="is not a usable SQLite database"):
        open_account(tmp_path)

    assert path.read_bytes() == b"garbage" * 100


def test_an_account_of_another_schema_version_is_an_error(account, tmp_path):
    account.create("team", {"name": "Dev"}, None)
    account.close()
    db = sqlite3.connect(tmp_path / ".syncset/dev.sqlite")
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()

    with pytest.raises(ProviderError, match="has schema version 99, expected 1"):
        open_account(tmp_path)


def test_the_account_generates_its_own_ids(account):
    first = account.create("team", {"name": "Dev"}, Marker("syncset", "dev"))
    second = account.create("team", {"name": "Ops"}, None)

    assert first.live_id != second.live_id
    for created in (first, second):
        assert created.live_id.startswith("SBX-")
        assert created.live_id == created.live_id.upper()
        assert created.live_id != "dev"


def test_the_marker_and_timestamps_are_stored(account):
    created = account.create("team", {"name": "Dev"}, Marker("syncset", "dev"))

    assert created.marker == Marker("syncset", "dev")
    assert created.owned_by()
    assert created.disabled is False
    assert created.fields["created_at"] == created.fields["updated_at"]
    time.sleep(0.002)
    updated = account.update("team", created.live_id, {"description": "Builds"})
    assert updated.fields["created_at"] == created.fields["created_at"]
    assert updated.fields["updated_at"] > created.fields["updated_at"]
    assert updated.fields["description"] == "Builds"
    assert updated.marker == Marker("syncset", "dev")


def test_an_update_can_write_the_marker_of_an_adopted_record(account):
    made = account.create("team", {"name": "Dev"}, None)

    adopted = account.update("team", made.live_id, {}, Marker("syncset", "dev"))

    assert adopted.marker == Marker("syncset", "dev")
    assert account.find_by_marker("team", Marker("syncset", "dev")).live_id == made.live_id
    assert account.find_by_marker("team", Marker("syncset", "other")) is None


def test_two_records_cannot_carry_the_same_marker(account):
    account.create("team", {"name": "Dev"}, Marker("syncset", "dev"))

    with pytest.raises(WriteRejected, match="another record already carries this ownership"):
        account.create("team", {"name": "Ops"}, Marker("syncset", "dev"))


def test_a_reference_to_a_record_the_account_does_not_hold_is_refused(account):
    holiday = account.create("holiday", {"name": "X", "start_at": "2026-01-01T00:00:00Z"}, None)

    with pytest.raises(WriteRejected) as caught:
        account.create("team", {"name": "Dev", "work_hours": "SBX-000000000000"}, None)
    assert caught.value.field == "work_hours"
    assert "no calendar with id SBX-000000000000 in the account" in str(caught.value)
    with pytest.raises(WriteRejected, match="no calendar with id"):
        account.create("team", {"name": "Dev", "work_hours": holiday.live_id}, None)
    with pytest.raises(WriteRejected) as child:
        account.create(
            "agile_board", {"name": "B", "columns": [{"name": "C", "team": "SBX-0"}]}, None
        )
    assert child.value.field == "columns"
    assert account.list("team") == []


def test_unique_names_stay_unique_even_against_a_disabled_record(account):
    first = account.create("team", {"name": "Dev"}, None)
    account.remove("team", first.live_id, "disable")

    with pytest.raises(WriteRejected) as caught:
        account.create("team", {"name": "Dev"}, None)

    assert str(caught.value) == "Name has already been taken"
    assert caught.value.field == "name"


def test_a_rename_into_a_taken_name_is_refused(account):
    account.create("team", {"name": "Dev"}, None)
    ops = account.create("team", {"name": "Ops"}, None)

    with pytest.raises(WriteRejected, match="Name has already been taken"):
        account.update("team", ops.live_id, {"name": "Dev"})

    assert account.get("team", ops.live_id).fields["name"] == "Ops"


def test_names_that_are_not_unique_in_the_account_may_repeat(account):
    for _ in range(2):
        account.create("request_template", {"subject": "Expense"}, None)
        account.create("holiday", {"name": "Xmas", "start_at": "2026-12-25T00:00:00Z"}, None)

    assert len(account.list("request_template")) == 2
    assert len(account.list("holiday")) == 2


def test_a_record_in_use_cannot_be_deleted_but_can_be_disabled(account):
    solution = account.create("solution", {"name": "CRM"}, None)
    flow = account.create("flow", {"name": "Accounts", "solution": solution.live_id}, None)

    with pytest.raises(WriteRejected, match=f"is still used by flow {flow.live_id}"):
        account.remove("solution", solution.live_id, "delete")
    account.remove("solution", solution.live_id, "disable")
    account.remove("flow", flow.live_id, "delete")

    assert account.get("solution", solution.live_id).disabled is True
    assert account.get("flow", flow.live_id) is None


def test_list_holds_every_record_of_a_kind_in_creation_order_disabled_included(account):
    ids = [account.create("team", {"name": f"T{n}"}, None).live_id for n in range(5)]
    account.remove("team", ids[2], "disable")
    account.create("calendar", {"name": "C"}, None)

    listed = account.list("team")

    assert [r.live_id for r in listed] == ids
    assert [r.disabled for r in listed] == [False, False, True, False, False]


def test_child_items_keep_their_id_while_their_key_is_unchanged(account):
    hours = [
        {"weekday": "mon", "time_from": "08:00", "time_until": "17:00"},
        {"weekday": "tue", "time_from": "08:00", "time_until": "17:00"},
    ]
    created = account.create("calendar", {"name": "Office", "hours": hours}, None)
    monday_id = created.fields["hours"][0]["id"]

    changed = [
        {"weekday": "mon", "time_from": "08:00", "time_until": "16:00"},
        {"weekday": "fri", "time_from": "08:00", "time_until": "12:00"},
    ]
    updated = account.update("calendar", created.live_id, {"hours": changed})

    items = {item["weekday"]: item["id"] for item in updated.fields["hours"]}
    assert items["mon"] == monday_id
    assert items["fri"] not in (monday_id, created.fields["hours"][1]["id"])
    assert "tue" not in items


def test_every_call_is_counted(account):
    account.list("team")
    account.create("team", {"name": "Dev"}, None)

    assert account.stats.calls >= 2
    assert account.stats.by_kind["team"] >= 2


def test_capabilities_are_declared(account):
    capabilities = account.capabilities

    assert {"team", "calendar", "person", "flow"} <= capabilities.kinds
    assert capabilities.removal == "both"
    assert capabilities.writes_reference_data is True


def test_concurrent_writes_from_threads_all_land(account):
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            account.create("holiday", {"name": f"H{n}", "start_at": "2026-01-01T00:00:00Z"}, None)
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(account.list("holiday")) == 40


# -- syncset sandbox load ---------------------------------------------------------------------

PEOPLE = """
kind: organization
id: wdc
name: Widget Data Center
---
kind: person
id: frank
name: Frank Watson
primary_email: frank.watson@wdc.example
organization: Widget Data Center
---
kind: team
id: service-desk
name: Service Desk
"""


def test_sandbox_load_makes_records_as_by_hand_and_twice_changes_nothing(repo, cli):
    repo.write("people.yaml", PEOPLE)

    first = cli("sandbox", "load", "dev", "people.yaml")
    second = cli("sandbox", "load", "dev", "people.yaml")

    assert first.out == "dev: 3 records created, 0 already there\n"
    assert second.out == "dev: 0 records created, 3 already there\n"
    account = open_account(repo.root)
    (person,) = account.list("person")
    (organization,) = account.list("organization")
    (team,) = account.list("team")
    account.close()
    assert person.fields["organization"] == organization.live_id
    assert [person.marker, organization.marker, team.marker] == [None, None, None]


def test_sandbox_load_of_a_file_outside_the_repository_works(repo, cli, tmp_path):
    outside = tmp_path / "people.yaml"
    outside.write_text(PEOPLE)

    result = cli("sandbox", "load", "dev", str(outside))

    assert result.code == 0, result.err
    assert result.out == "dev: 3 records created, 0 already there\n"
