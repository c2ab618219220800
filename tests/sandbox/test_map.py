"""``syncset map ENV``: reference mapping status, ``--set`` and ``--suggest`` (the seed's
"Reference Mapping" button), and mapping targets checked against the account.

The environment ``qa`` uses people and an organization of WDC; its sandbox account holds
Widget Europe IT's people. Mappings are written into mappings.yaml keeping the file's comments
and order; suggestions go under ``proposed:`` and stay unmapped until accepted
(tests/sandbox/test_map_proposals.py).
"""

from __future__ import annotations

import json

import pytest
from promotion_helpers import ANDER, FRANK, H_TANNER, HOWARD_EUROPE, RODNEY
from promotion_helpers import QA_MAPPINGS as MAPPINGS
from promotion_helpers import QA_PEOPLE as PEOPLE
from promotion_helpers import map_status_lines as status_lines
from ruamel.yaml import YAML

COMMENTED = f"""
# qa overlay: reviewed by the platform team.
version: 1

overrides: {{}}   # none yet

# People who differ in this account.
references:
  person:
    # Rodney left; Ander took over his roles.
    {RODNEY}: {ANDER}  # agreed with the service owner
links: {{}}
"""


@pytest.fixture
def qa(repo, cli):
    """qa's records use WDC's people; its account holds Widget Europe IT's."""
    repo.add_environment("qa")
    repo.write(
        "environments/qa/team.yaml",
        f"""
        kind: team
        id: app-dev
        name: Application Development
        coordinator: {FRANK}
        manager: {RODNEY}
        members: [{FRANK}, {H_TANNER}]
        ---
        kind: request_template
        id: expense
        subject: Expense request
        supplier: Widget Data Centre
        """,
    )
    repo.write("people.yaml", PEOPLE)
    assert cli("sandbox", "load", "qa", "people.yaml").code == 0
    return repo


# -- status ----------------------------------------------------------------------------------


def test_map_lists_every_reference_with_its_state_and_uses_and_writes_nothing(qa, cli):
    before = qa.files()

    result = cli("map", "qa")

    assert result.code == 0, result.err
    assert status_lines(result.out) == {
        "Widget Data Centre": (
            "unmapped",
            "organization",
            None,
            "request_template/expense.supplier",
        ),
        FRANK: ("automatic", "person", FRANK, "team/app-dev.coordinator, team/app-dev.members"),
        H_TANNER: ("unmapped", "person", None, "team/app-dev.members"),
        RODNEY: ("unmapped", "person", None, "team/app-dev.manager"),
    }
    assert result.out.endswith("qa: 4 references, 3 unmapped\n")
    assert qa.files() == before


# -- --set -----------------------------------------------------------------------------------


def test_set_records_a_mapping_and_keeps_the_files_comments(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace(f"{RODNEY}: {ANDER}", f"{H_TANNER}: {HOWARD_EUROPE}"))
    before = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")

    result = cli("map", "qa", "--set", f"person:{RODNEY}={ANDER}")

    assert result.code == 0, result.err
    assert f"recorded 1 mappings in {MAPPINGS}" in result.out
    after = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if "#" in line]
    assert [line for line in after.splitlines() if "#" in line] == comments
    assert f"\n    {RODNEY}: {ANDER}\nlinks: {{}}\n" in after
    assert status_lines(result.out)[RODNEY][:3] == ("mapped", "person", ANDER)


def test_set_compares_e_mail_addresses_case_insensitively(qa, cli):
    result = cli(
        "map", "qa", "--set", "person:Rodney.Wilson@WDC.example=Ander.Alkin@Widget.example"
    )

    assert result.code == 0, result.err
    assert f"{RODNEY}: {ANDER}" in qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")


def test_set_maps_an_organization_by_name(qa, cli):
    result = cli("map", "qa", "--set", "organization:Widget Data Centre=Widget Data Center")

    assert result.code == 0, result.err
    assert status_lines(result.out)["Widget Data Centre"][:3] == (
        "mapped",
        "organization",
        "Widget Data Center",
    )


def test_set_several_mappings_at_once_into_a_new_mappings_file(qa, cli):
    result = cli(
        "map",
        "qa",
        "--set",
        f"person:{RODNEY}={ANDER}",
        "--set",
        f"person:{H_TANNER}={HOWARD_EUROPE}",
    )

    assert result.code == 0, result.err
    assert qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8") == (
        f"version: 1\nreferences:\n  person:\n    {RODNEY}: {ANDER}\n"
        f"    {H_TANNER}: {HOWARD_EUROPE}\n"
    )
    assert result.out.endswith("qa: 4 references, 1 unmapped\n")


def test_set_refuses_a_target_missing_from_the_account_and_writes_nothing(qa, cli):
    qa.write(MAPPINGS, COMMENTED)
    before = qa.files()

    result = cli("map", "qa", "--set", f"person:{H_TANNER}=howard.tanner@widget.exampel")

    assert result.code == 1
    assert (
        f"--set person:{H_TANNER}=howard.tanner@widget.exampel: no person "
        f"'howard.tanner@widget.exampel' in the account (did you mean {HOWARD_EUROPE}?)"
    ) in result.err
    assert qa.files() == before


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("rodney=ander", "expected KIND:SOURCE=TARGET"),
        (f"person:{RODNEY}", "expected KIND:SOURCE=TARGET"),
        (
            "team:app-dev=ops",
            "team is not a reference-data kind (person, organization, site, service)",
        ),
    ],
)
def test_set_refuses_a_malformed_assignment(qa, cli, assignment, message):
    before = qa.files()

    result = cli("map", "qa", "--set", assignment)

    assert result.code == 1
    assert message in result.err
    assert qa.files() == before


# -- --suggest -------------------------------------------------------------------------------


def mappings_of(repo):
    """qa's mappings.yaml, as data."""
    return YAML(typ="safe").load(repo.root.joinpath(MAPPINGS).read_text(encoding="utf-8"))


def proposals_in(repo):
    """The ``proposed:`` section of qa's mappings.yaml, as data."""
    return mappings_of(repo).get("proposed", {})


def test_suggest_writes_proposals_with_score_and_what_they_matched_never_mappings(qa, cli):
    result = cli("map", "qa", "--suggest")

    assert result.code == 0, result.err
    written = mappings_of(qa)
    assert "references" not in written
    assert written["proposed"]["person"] == {
        H_TANNER: {
            "target": HOWARD_EUROPE,
            "score": 0.76,
            "matched": "name similar to Howard Tanner",
        }
    }
    organization = written["proposed"]["organization"]["Widget Data Centre"]
    assert organization["target"] == "Widget Data Center"
    assert organization["matched"] == "similar name"
    assert 0.6 <= organization["score"] <= 1
    assert (
        f"proposed person {H_TANNER} → {HOWARD_EUROPE} (score 0.76, name similar to Howard "
        "Tanner)" in result.out
    )
    assert "wrote 2 proposals" in result.out
    assert "then syncset map qa --accept" in result.out


def test_suggest_leaves_every_value_unmapped_and_says_what_awaits_review(qa, cli):
    result = cli("map", "qa", "--suggest")

    assert RODNEY not in qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")
    assert status_lines(result.out)[RODNEY][0] == "unmapped"
    assert status_lines(result.out)[H_TANNER][:3] == ("unmapped", "person", None)
    assert f"proposed: {HOWARD_EUROPE} (score 0.76), not reviewed yet" in result.out
    assert result.out.endswith(
        "qa: 4 references, 3 unmapped, 2 proposals await review (syncset map qa --accept)\n"
    )


def test_suggest_matches_the_same_e_mail_local_part_first(repo, cli):
    repo.add_environment("qa")
    repo.write(
        "environments/qa/team.yaml",
        "kind: team\nid: t\nname: T\nmanager: ander.alkin@wdc.example\n",
    )
    repo.write("people.yaml", PEOPLE)
    cli("sandbox", "load", "qa", "people.yaml")

    result = cli("map", "qa", "--suggest")

    assert "proposed person ander.alkin@wdc.example → ander.alkin@widget.example (score 0.95" in (
        result.out
    )
    assert proposals_in(repo)["person"]["ander.alkin@wdc.example"]["matched"] == (
        "same e-mail local part"
    )


def test_suggest_never_changes_an_existing_mapping(qa, cli):
    qa.write(
        MAPPINGS,
        f"""
        version: 1
        references:
          person:
            {H_TANNER}: howard.t@nowhere.example  # a typo, for a person to fix
        """,
    )
    before = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")

    result = cli("map", "qa", "--suggest")

    after = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")
    assert before.splitlines()[:4] == after.splitlines()[:4]
    assert f"proposed person {H_TANNER}" not in result.out
    assert H_TANNER not in proposals_in(qa).get("person", {})
    assert status_lines(result.out)[H_TANNER][:3] == (
        "missing_target",
        "person",
        "howard.t@nowhere.example",
    )
    assert "1 mapped to values missing from the account" in result.out.splitlines()[-1]


def test_map_exits_1_when_a_mapping_target_is_missing_from_the_account(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace(ANDER, "ander.alkin@widget.exampel"))

    assert cli("map", "qa").code == 1


def test_suggest_keeps_comments_and_the_order_of_sections_and_adds_proposed_last(qa, cli):
    qa.write(MAPPINGS, COMMENTED)
    before = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")

    result = cli("map", "qa", "--suggest")

    assert result.code == 0, result.err
    after = qa.root.joinpath(MAPPINGS).read_text(encoding="utf-8")
    kept = [line for line in before.splitlines() if line.lstrip().startswith("#") or ": " in line]
    assert [line for line in after.splitlines() if line in kept] == kept
    assert [line.split(":")[0] for line in after.splitlines() if line[:1].isalpha()] == [
        "version",
        "overrides",
        "references",
        "links",
        "proposed",
    ]


def test_suggest_keeps_a_comment_line_that_follows_the_last_mapping(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace("links: {}", "# Links come last.\nlinks: {}"))

    result = cli("map", "qa", "--suggest")

    assert result.code == 0, result.err
    assert "\n# Links come last.\nlinks: {}\n" in qa.root.joinpath(MAPPINGS).read_text(
        encoding="utf-8"
    )


# -- mapping targets checked against the account ---------------------------------------------


def test_validate_online_reports_a_mapping_target_missing_from_the_sandbox_account(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace(ANDER, "ander.alkin@widget.exampel"))

    result = cli("validate", "qa", "--online")

    assert result.code == 1
    assert (
        f"{MAPPINGS}:10:32: references.person: person 'ander.alkin@widget.exampel' does not "
        f"exist in the qa account: map {RODNEY} to a person that does (syncset map qa --suggest)"
    ) in result.err


def test_validate_leaves_mapping_targets_to_plan_and_says_so(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace(ANDER, "ander.alkin@widget.exampel"))

    result = cli("validate", "qa")

    assert result.code == 0, result.err
    assert "mapping targets not checked against the accounts" in result.out


def test_validate_needs_no_sandbox_file_even_one_that_must_exist(qa, cli):
    """A teammate's fresh clone has no .syncset/: validate reads YAML only."""
    qa.write(MAPPINGS, COMMENTED)
    environment = qa.root / "environments/qa/environment.yaml"
    text = environment.read_text(encoding="utf-8").replace("qa.sqlite", "absent.sqlite")
    environment.write_text(text.replace("account:\n", "account:\n  create: false\n"), "utf-8")
    before = qa.files()

    result = cli("validate", "qa")

    assert result.code == 0, result.err
    assert qa.files() == before


def test_plan_reports_a_mapping_target_missing_from_the_account_at_its_line(qa, cli):
    qa.write(MAPPINGS, COMMENTED.replace(ANDER, "ander.alkin@widget.exampel"))

    result = cli("plan", "qa", "--format", "json")

    assert result.code == 1
    assert f"{MAPPINGS}:10:32: person 'ander.alkin@widget.exampel' does not exist" in result.err


def test_a_mapping_to_an_existing_value_validates_and_plans_as_mapped(qa, cli):
    qa.write(MAPPINGS, COMMENTED)

    assert cli("validate", "qa").code == 0
    plan = json.loads(cli("plan", "qa", "--format", "json").out)

    assert {m["value"]: m["state"] for m in plan["mappings"]}[RODNEY] == "mapped"
