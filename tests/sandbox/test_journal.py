"""The journal of an apply: a JSON line per step, before-images, masked secrets, clear errors."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import PROJECT_ROOT, row_of

from syncset.apply.journal import read_journal
from syncset.errors import SyncsetError
from syncset.secrets import MASK, mask_paths

TEAM = """
kind: team
id: dev
name: Dev
remarks: Builds things.
"""


@pytest.fixture
def two_applies(repo, cli):
    """A create, then an update of the same team: two journals."""
    repo.write("environments/dev/team.yaml", TEAM)
    assert cli("apply", "dev", "--auto-approve").code == 0
    repo.write("environments/dev/team.yaml", TEAM.replace("Builds things.", "Runs things."))
    assert cli("apply", "dev", "--auto-approve").code == 0
    return repo


def journal_files(root):
    return sorted((root / ".syncset/journal/dev").glob("*.jsonl"))


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_apply_writes_a_journal_of_start_intents_results_and_end(two_applies):
    first, second = journal_files(two_applies.root)
    events = lines(second)

    assert [e["event"] for e in events] == ["start", "intent", "result", "end"]
    start, intent, result, end = events
    assert (start["version"], start["environment"], start["command"]) == (1, "dev", "apply")
    assert isinstance(start["pid"], int)
    assert (intent["seq"], intent["ref"], intent["action"]) == (1, "team/dev", "update")
    assert (result["seq"], result["outcome"], result["live_id"]) == (
        1,
        "applied",
        intent["live_id"],
    )
    assert end["status"] == "Completed"
    assert [e["event"] for e in lines(first)] == ["start", "intent", "result", "end"]


def test_an_update_records_the_before_image_and_only_what_was_sent(two_applies):
    _, second = journal_files(two_applies.root)
    intent = lines(second)[1]

    live = row_of(two_applies.root, "team", "Dev")
    assert intent["live_id"] == live["live_id"]
    assert intent["sent"] == {"remarks": "Runs things."}
    assert intent["before"]["remarks"] == "Builds things."
    assert intent["before"]["__marker__"] == ["syncset", "dev"]
    assert intent["before"]["__disabled__"] is False
    assert "created_at" not in intent["before"] and "updated_at" not in intent["before"]


def test_a_create_has_no_before_image(two_applies):
    first, _ = journal_files(two_applies.root)
    intent = lines(first)[1]

    assert (intent["action"], intent["before"], intent["live_id"]) == ("create", None, None)
    assert intent["sent"]["name"] == "Dev"


def test_read_journal_pairs_intents_with_their_results(two_applies):
    _, second = journal_files(two_applies.root)

    start, entries = read_journal(second)

    assert start["command"] == "apply"
    (entry,) = entries
    assert (entry.seq, entry.ref, entry.kind, entry.action, entry.outcome) == (
        1,
        "team/dev",
        "team",
        "update",
        "applied",
    )
    assert entry.sent == {"remarks": "Runs things."}


def test_an_intent_without_a_result_is_an_unknown_outcome(two_applies):
    _, second = journal_files(two_applies.root)
    kept = second.read_text().splitlines()[:2]
    second.write_text("\n".join(kept) + "\n")

    _, (entry,) = read_journal(second)

    assert entry.outcome == "unknown"


def test_a_last_line_cut_short_by_a_kill_is_ignored(two_applies):
    _, second = journal_files(two_applies.root)
    text = second.read_text().splitlines()
    second.write_text("\n".join(text[:2]) + "\n" + text[2][:17])

    _, (entry,) = read_journal(second)

    assert entry.outcome == "unknown"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"event": "start", "version": 1}\n{garbage\n{"event": "end"}\n',
            ":2: corrupt journal line: the journal cannot be trusted for a rollback",
        ),
        ('{"event": "start"}\n[1, 2]\n{"event": "end"}\n', ":2: corrupt journal line"),
        ('{"event": "intent", "seq": 1}\n', ": not a syncset journal (no start line)"),
        ("", ": not a syncset journal (no start line)"),
    ],
)
def test_a_corrupt_journal_is_a_clear_message(tmp_path, content, expected):
    path = tmp_path / "broken.jsonl"
    path.write_text(content)

    with pytest.raises(SyncsetError) as caught:
        read_journal(path)

    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_a_journal_that_is_not_text_is_a_clear_message(tmp_path):
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b"\xff\xfe\x00\x01")

    with pytest.raises(SyncsetError, match="not a syncset journal \\(not UTF-8 text\\)"):
        read_journal(path)


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_rollback_of_a_bad_journal_is_one_line_and_changes_nothing(two_applies, cli, damage):
    _, second = journal_files(two_applies.root)
    if damage == "corrupt":
        text = second.read_text().splitlines()
        text[1] = "this is not JSON"
        second.write_text("\n".join(text) + "\n")
    else:
        second.unlink()
    before = row_of(two_applies.root, "team", "Dev")

    result = cli("rollback", str(second), "--auto-approve")

    assert result.code == 1
    assert result.err.count("\n") == 1
    assert result.err.startswith(f"error: {second}")
    assert row_of(two_applies.root, "team", "Dev") == before


def test_a_saved_plan_is_named_in_the_journal_by_its_checksum(two_applies, cli):
    two_applies.write("environments/dev/team.yaml", TEAM)
    assert cli("plan", "dev", "--out", "plan.json").code == 0

    assert cli("apply", "plan.json").code == 0

    checksum = json.loads((two_applies.root / "plan.json").read_text())["checksum"]
    assert lines(journal_files(two_applies.root)[-1])[0]["plan_checksum"] == checksum


def test_journals_are_ignored_by_git():
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()

    assert ".syncset/" in ignored


def test_sensitive_values_are_masked_in_what_was_sent_and_in_the_before_image(
    repo, cli, monkeypatch
):
    repo.write(
        "environments/dev/crm.yaml",
        "kind: connection\nid: crm\nname: CRM\ntype: http\nsecret: '{{ env(\"CRM_SECRET\") }}'\n",
    )
    monkeypatch.setenv("CRM_SECRET", "first-secret")
    assert cli("apply", "dev", "--auto-approve").code == 0
    monkeypatch.setenv("CRM_SECRET", "second-secret")
    assert cli("apply", "dev", "--auto-approve").code == 0

    create, update = (lines(path)[1] for path in journal_files(repo.root))

    assert create["sent"]["secret"] == MASK
    assert update["sent"] == {"secret": MASK}
    assert update["before"]["secret"] == MASK
    text = "".join(path.read_text() for path in journal_files(repo.root))
    assert "first-secret" not in text and "second-secret" not in text


def test_mask_hides_top_level_secrets_and_keeps_the_rest():
    fields = {"name": "CRM", "secret": "t0p", "settings": {"host": "crm.example"}}

    assert mask_paths(fields, frozenset({"secret"})) == {
        "name": "CRM",
        "secret": MASK,
        "settings": {"host": "crm.example"},
    }
    assert mask_paths(None, frozenset({"secret"})) is None


def test_mask_hides_env_values_inside_mappings_and_child_items():
    fields = {
        "settings": {"host": "erp.example", "token": "t0p"},
        "columns": [{"name": "Todo"}, {"name": "Vault", "remarks": "t0p"}],
    }

    masked = mask_paths(fields, frozenset({"settings.token", "columns[1].remarks"}))

    assert "t0p" not in json.dumps(masked)
    assert masked["settings"]["host"] == "erp.example"
