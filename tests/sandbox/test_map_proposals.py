"""``map --suggest`` proposes, a person reviews: ``--accept`` makes proposals mappings,
``--reject`` drops them (issue #13).

A suggestion is a fuzzy guess (h.tanner@wdc.example → Howard Tanner scores 0.76), so it is
written under ``proposed:`` in mappings.yaml and does not count as mapped: the plan stays Being
Prepared and says how many proposals await review, until ``map ENV --accept`` moves them into
``references``. Real files, the sandbox account.
"""

from __future__ import annotations

import json
import re

import pytest
from promotion_helpers import (
    ANDER,
    FRANK,
    H_TANNER,
    HOWARD_EUROPE,
    RODNEY,
)
from promotion_helpers import QA_MAPPINGS as MAPPINGS
from promotion_helpers import QA_PEOPLE as PEOPLE
from promotion_helpers import map_status_lines as status_lines
from ruamel.yaml import YAML

MAPPED_BY_HAND = f"""
# qa overlay: reviewed by the platform team.
version: 1
references:
  person:
    {RODNEY}: {ANDER}  # agreed with the service owner
# Links come last.
links: {{}}
"""


@pytest.fixture
def qa(repo, cli):
    """qa uses Frank (in the account as he is), Rodney (mapped by hand) and Howard Tanner by
    an address the account does not have: the only value left to map, and to suggest."""
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
        """,
    )
    repo.write(MAPPINGS, MAPPED_BY_HAND)
    repo.write("people.yaml", PEOPLE)
    assert cli("sandbox", "load", "qa", "people.yaml").code == 0
    return repo


def text_of(repo):
    return repo.root.joinpath(MAPPINGS).read_text(encoding="utf-8")


def data_of(repo):
    return YAML(typ="safe").load(text_of(repo))


def plan_json(cli):
    result = cli("plan", "qa", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


# -- proposals do not count as mapped --------------------------------------------------------


def test_after_suggest_the_plan_is_still_being_prepared_and_mappings_are_unchanged(qa, cli):
    before = data_of(qa)["references"]

    result = cli("map", "qa", "--suggest")

    assert result.code == 0, result.err
    assert data_of(qa)["references"] == before
    assert data_of(qa)["proposed"] == {
        "person": {
            H_TANNER: {
                "target": HOWARD_EUROPE,
                "score": 0.76,
                "matched": "name similar to Howard Tanner",
            }
        }
    }
    plan = plan_json(cli)
    assert plan["status"] == "being_prepared"
    assert [(u["value"], u["proposed"]) for u in plan["unmapped"]] == [
        (
            H_TANNER,
            {"target": HOWARD_EUROPE, "score": 0.76, "matched": "name similar to Howard Tanner"},
        )
    ]
    assert {m["value"]: m["state"] for m in plan["mappings"]}[H_TANNER] == "unmapped"


def test_the_plan_says_how_many_proposals_await_review_and_how_to_accept_them(qa, cli):
    cli("map", "qa", "--suggest")

    text = cli("plan", "qa")
    markdown = cli("plan", "qa", "--format", "markdown")

    assert "Being Prepared" in text.out
    assert f"    proposed: {HOWARD_EUROPE} (score 0.76, name similar to Howard Tanner)" in text.out
    assert (
        "1 proposal awaits review in environments/qa/mappings.yaml: accept with syncset map qa "
        "--accept, or reject with --reject"
    ) in text.out
    assert "| kind | value | used by | proposed |" in markdown.out
    assert "accept with `syncset map qa --accept`" in markdown.out


def test_apply_refuses_while_proposals_await_review_and_names_the_command(qa, cli):
    cli("map", "qa", "--suggest")

    result = cli("apply", "qa", "--auto-approve")

    assert result.code == 1
    assert "Being Prepared" in result.err
    assert "1 proposed by map --suggest await review: syncset map qa --accept" in result.err


def test_validate_online_does_not_treat_a_proposal_as_a_mapping(qa, cli):
    cli("map", "qa", "--suggest")
    qa.write(MAPPINGS, text_of(qa).replace(f"target: {HOWARD_EUROPE}", "target: x@nowhere.example"))

    result = cli("validate", "qa", "--online")

    assert result.code == 0, result.err


# -- --accept ---------------------------------------------------------------------------------


def test_after_accept_the_plan_is_prepared_and_the_mapping_keeps_its_score(qa, cli):
    cli("map", "qa", "--suggest")

    result = cli("map", "qa", "--accept")

    assert result.code == 0, result.err
    assert f"accepted person {H_TANNER} → {HOWARD_EUROPE}" in result.out
    assert "accepted 1 proposals in environments/qa/mappings.yaml" in result.out
    assert result.out.endswith("qa: 3 references, 0 unmapped\n")
    data = data_of(qa)
    assert data["references"]["person"] == {RODNEY: ANDER, H_TANNER: HOWARD_EUROPE}
    assert "proposed" not in data
    assert re.search(
        rf"^    {re.escape(H_TANNER)}: {re.escape(HOWARD_EUROPE)} +# accepted proposal: score "
        r"0\.76 \(name similar to Howard Tanner\)$",
        text_of(qa),
        re.MULTILINE,
    ), text_of(qa)
    plan = plan_json(cli)
    assert plan["status"] == "prepared"
    assert plan["unmapped"] == []


def test_accept_keeps_the_files_comments_and_order(qa, cli):
    before = text_of(qa)
    cli("map", "qa", "--suggest")

    assert cli("map", "qa", "--accept").code == 0

    after = text_of(qa)
    assert [line for line in after.splitlines() if "#" in line and "accepted" not in line] == [
        line for line in before.splitlines() if "#" in line
    ]
    assert after.endswith("\n# Links come last.\nlinks: {}\n"), after


def test_accept_refuses_a_target_missing_from_the_account_and_writes_nothing(qa, cli):
    cli("map", "qa", "--suggest")
    qa.write(
        MAPPINGS, text_of(qa).replace(f"target: {HOWARD_EUROPE}", "target: h.tanner@widget.exampel")
    )
    before = qa.files()

    result = cli("map", "qa", "--accept")

    assert result.code == 1
    assert "Traceback" not in result.err
    assert re.search(
        rf"{MAPPINGS}:\d+:\d+: .*cannot accept person:{re.escape(H_TANNER)}: person "
        r"'h.tanner@widget.exampel' does not exist in the qa account \(did you mean "
        rf"{re.escape(HOWARD_EUROPE)}\?\): correct the target, or reject it \(syncset map qa "
        rf"--reject person:{re.escape(H_TANNER)}\)",
        result.err,
    ), result.err
    line = next(
        n for n, text in enumerate(text_of(qa).splitlines(), 1) if "h.tanner@widget.exampel" in text
    )
    assert f"{MAPPINGS}:{line}:" in result.err
    assert qa.files() == before


def test_accept_takes_selectors_and_leaves_the_other_proposals(repo, cli):
    repo.add_environment("qa")
    repo.write(
        "environments/qa/team.yaml",
        f"""
        kind: team
        id: app-dev
        name: Application Development
        manager: ander.alkin@wdc.example
        members: [{H_TANNER}]
        ---
        kind: request_template
        id: expense
        subject: Expense request
        supplier: Widget Data Centre
        """,
    )
    repo.write("people.yaml", PEOPLE)
    cli("sandbox", "load", "qa", "people.yaml")
    cli("map", "qa", "--suggest")

    result = cli("map", "qa", "--accept", f"person:{H_TANNER.upper()}", "organization")

    assert result.code == 0, result.err
    data = data_of(repo)
    assert data["references"] == {
        "person": {H_TANNER: HOWARD_EUROPE},
        "organization": {"Widget Data Centre": "Widget Data Center"},
    }
    assert data["proposed"] == {
        "person": {
            "ander.alkin@wdc.example": {
                "target": ANDER,
                "score": 0.95,
                "matched": "same e-mail local part",
            }
        }
    }
    assert "1 proposals await review (syncset map qa --accept)" in result.out


def test_a_selector_that_names_no_proposal_is_refused_with_the_closest_one(qa, cli):
    cli("map", "qa", "--suggest")
    before = qa.files()

    result = cli("map", "qa", "--accept", "person:h.taner@wdc.example")

    assert result.code == 1
    assert (
        f"--accept person:h.taner@wdc.example: no such proposal in {MAPPINGS} (did you mean "
        f"person:{H_TANNER}?)"
    ) in result.err
    assert qa.files() == before


def test_accept_without_proposals_says_how_to_make_them(qa, cli):
    result = cli("map", "qa", "--accept")

    assert result.code == 1
    assert f"--accept: {MAPPINGS} has no proposals to accept: syncset map qa --suggest" in (
        result.err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--suggest", "--accept"), "review the proposals first"),
        (("--accept", "--reject"), "--accept and --reject: choose one"),
        ((f"person:{H_TANNER}",), "proposals are selected only with --accept or --reject"),
    ],
)
def test_map_refuses_options_that_do_not_go_together(qa, cli, args, message):
    before = qa.files()

    result = cli("map", "qa", *args)

    assert result.code == 1
    assert message in result.err
    assert qa.files() == before


# -- --reject, --set, and --suggest again ----------------------------------------------------


def test_reject_drops_the_proposal_and_the_value_stays_unmapped(qa, cli):
    before = text_of(qa)
    cli("map", "qa", "--suggest")

    result = cli("map", "qa", "--reject", f"person:{H_TANNER}")

    assert result.code == 0, result.err
    assert f"rejected person {H_TANNER} → {HOWARD_EUROPE}" in result.out
    assert text_of(qa) == before
    assert status_lines(result.out)[H_TANNER][0] == "unmapped"
    assert plan_json(cli)["unmapped"][0]["proposed"] is None


def test_set_replaces_a_proposal_for_the_same_value(qa, cli):
    cli("map", "qa", "--suggest")

    result = cli("map", "qa", "--set", f"person:{H_TANNER}={ANDER}")

    assert result.code == 0, result.err
    assert "proposed" not in data_of(qa)
    assert data_of(qa)["references"]["person"][H_TANNER] == ANDER


def test_suggest_again_neither_duplicates_proposals_nor_touches_accepted_mappings(qa, cli):
    cli("map", "qa", "--suggest")
    once = text_of(qa)

    again = cli("map", "qa", "--suggest")

    assert again.code == 0, again.err
    assert text_of(qa) == once
    assert "wrote 0 proposals" in again.out
    assert "(1 already proposed, left as they are)" in again.out
    assert text_of(qa).count(H_TANNER) == 1

    cli("map", "qa", "--accept")
    accepted = text_of(qa)
    third = cli("map", "qa", "--suggest")

    assert third.code == 0, third.err
    assert text_of(qa) == accepted
    assert "proposed" not in data_of(qa)


def test_suggest_keeps_a_proposal_its_reviewer_edited(qa, cli):
    cli("map", "qa", "--suggest")
    qa.write(MAPPINGS, text_of(qa).replace(f"target: {HOWARD_EUROPE}", f"target: {ANDER}"))
    edited = text_of(qa)

    cli("map", "qa", "--suggest")

    assert text_of(qa) == edited


# -- validate checks the shape of proposed: --------------------------------------------------


@pytest.mark.parametrize(
    ("proposal", "where", "message"),
    [
        (
            f"    {H_TANNER}:\n      score: 0.7\n",
            (11, 7),
            "proposed.person.h.tanner@wdc.example.target: required field is missing",
        ),
        (
            f"    {H_TANNER}:\n      target: {HOWARD_EUROPE}\n      score: 1.5\n",
            (12, 14),
            "Input should be less than or equal to 1",
        ),
        (
            f"    {H_TANNER}:\n      target: howard\n      score: 0.7\n",
            (11, 15),
            "'howard' is not an e-mail address",
        ),
        (
            f"    {H_TANNER}:\n      target: {HOWARD_EUROPE}\n      score: 0.7\n"
            "      reviewed: yes\n",
            (13, 7),
            "unknown field",
        ),
        (
            f"    {RODNEY}:\n      target: {HOWARD_EUROPE}\n      score: 0.7\n",
            (10, 5),
            f"{RODNEY} is already mapped to '{ANDER}' in references: delete this proposal",
        ),
    ],
)
def test_validate_places_a_malformed_proposal_at_its_line(qa, cli, proposal, where, message):
    qa.write(MAPPINGS, MAPPED_BY_HAND + "proposed:\n  person:\n" + proposal)

    result = cli("validate", "qa")

    assert result.code == 1
    line, col = where
    assert f"{MAPPINGS}:{line}:{col}: " in result.err, result.err
    assert message in result.err
    assert "Traceback" not in result.err


def test_validate_refuses_a_proposal_of_a_kind_that_is_not_reference_data(qa, cli):
    qa.write(
        MAPPINGS,
        MAPPED_BY_HAND + "proposed:\n  team:\n    a:\n      target: b\n      score: 0.7\n",
    )

    result = cli("validate", "qa")

    assert result.code == 1
    assert f"{MAPPINGS}:9:3: proposed.team: not a reference-data kind (use person," in result.err


def test_a_name_from_the_account_cannot_write_yaml_through_the_accepted_comment(repo, cli):
    """The account's data (a person's name, in the comment of an accepted proposal) never
    leaves its comment: a line break in it would otherwise write keys of its own."""
    repo.add_environment("qa")
    repo.write(
        "environments/qa/team.yaml",
        f"kind: team\nid: app-dev\nname: App Dev\nmembers: [{H_TANNER}]\n",
    )
    repo.write(
        "people.yaml",
        f'kind: person\nid: howard\nname: "Howard Tanner\\nx: 1"\nprimary_email: {HOWARD_EUROPE}\n',
    )
    assert cli("sandbox", "load", "qa", "people.yaml").code == 0
    assert cli("map", "qa", "--suggest").code == 0

    result = cli("map", "qa", "--accept")

    assert result.code == 0, result.out + result.err
    data = data_of(repo)
    assert "x" not in data
    assert data["references"]["person"] == {H_TANNER: HOWARD_EUROPE}
    assert "# accepted proposal: score" in text_of(repo)
