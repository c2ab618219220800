"""``environment.yaml``: version, name, account (provider settings), vars, policies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from syncset.errors import RepositoryError

if TYPE_CHECKING:
    from conftest import Repo

ENV = "environments/dev/environment.yaml"


def test_environment_file_is_read_into_config_and_account(repo: Repo) -> None:
    repo.add_environment("sandbox-seed")
    repo.add_environment(
        "dev",
        extra="""
        vars:
          company: Widget Data Center
        promotes_from: sandbox-seed
        policies:
          only_in_account: disable
        """,
    )

    env = repo.validate()

    assert env.name == "dev"
    assert env.relative_folder == "environments/dev"
    assert env.config.vars == {"company": "Widget Data Center"}
    assert env.config.promotes_from == "sandbox-seed"
    assert env.config.policies.only_in_account == "disable"
    assert env.config.policies.allow_empty is False
    assert env.account == {"provider": "sandbox", "path": ".syncset/dev.sqlite"}


def test_account_settings_are_rendered_from_vars_and_env(repo: Repo) -> None:
    repo.add_environment(
        "dev",
        account="provider: sandbox\npath: '.syncset/{{ vars.slot }}-{{ env(\"SLOT\") }}.sqlite'",
        extra="vars:\n  slot: dev\n",
    )

    env = repo.validate(environ={"SLOT": "7"})

    assert env.account["path"] == ".syncset/dev-7.sqlite"


def test_name_must_match_the_folder(repo: Repo) -> None:
    repo.write(
        ENV, "version: 1\nname: prod\naccount:\n  provider: sandbox\n  path: .syncset/p.sqlite\n"
    )

    assert repo.problems() == [
        f"{ENV}:2:7: name: name 'prod' does not match folder 'dev': write name: dev (an "
        "environment is named by its folder below environments/, groups included)"
    ]


def test_promotes_from_an_unknown_environment_is_refused_with_a_did_you_mean(
    repo: Repo,
) -> None:
    repo.add_environment("qa")
    repo.add_environment("dev", extra="promotes_from: qaa\n")

    assert repo.problems() == [
        f"{ENV}:6:16: promotes_from: unknown environment 'qaa': did you mean 'qa'?"
    ]


def test_unknown_provider_is_refused(repo: Repo) -> None:
    repo.add_environment("dev", account="provider: salesforce\npath: x")

    (problem,) = repo.problems()

    assert problem.startswith(
        f"{ENV}:4:13: account.provider: unknown provider 'salesforce': use one of "
    )
    assert "sandbox" in problem


def test_bad_sandbox_settings_are_each_reported(repo: Repo) -> None:
    repo.add_environment(
        "dev", account="provider: sandbox\npaht: .syncset/dev.sqlite\ncreate: maybe"
    )

    problems = repo.problems()

    assert problems[0] == f"{ENV}:4:3: account.path: required field is missing"
    assert problems[1:] == [
        f"{ENV}:5:9: account.paht: Extra inputs are not permitted",
        f"{ENV}:6:11: account.create: Input should be a valid boolean, unable to interpret input",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 2\nname: dev\naccount: {provider: sandbox, path: x}\n",
            f"{ENV}:1:10: version: Input should be 1",
        ),
        (
            "name: dev\naccount: {provider: sandbox, path: x}\n",
            f"{ENV}:1:1: version: required field is missing",
        ),
        (
            "version: 1\nname: dev\naccount: {provider: sandbox, path: x}\npolicy: {}\n",
            f"{ENV}:4:1: policy: unknown field",
        ),
        (
            "version: 1\nname: dev\naccount: {provider: sandbox, path: x}\n"
            "policies: {only_in_account: purge}\n",
            f"{ENV}:4:29: policies.only_in_account: Input should be 'keep', 'disable' or 'delete'",
        ),
        (
            "version: 1\nname: dev\naccount: {provider: sandbox, path: x}\nvars: [a, b]\n",
            f"{ENV}:4:7: vars: Input should be a valid dictionary",
        ),
        ("- version: 1\n", f"{ENV}:1:1: expected exactly one YAML mapping in this file"),
    ],
    ids=["version", "no-version", "unknown-key", "policy", "vars-list", "not-a-mapping"],
)
def test_environment_file_schema_problems(repo: Repo, text: str, expected: str) -> None:
    repo.write(ENV, text)

    assert repo.problems() == [expected]


def test_undefined_var_in_account_settings_is_positioned(repo: Repo) -> None:
    repo.add_environment("dev", account="provider: sandbox\npath: '{{ vars.nope }}'")

    assert repo.problems() == [
        f"{ENV}:5:9: account.path: template error: 'dict object' has no attribute 'nope'"
    ]


def test_template_error_in_a_var_points_at_the_var(repo: Repo) -> None:
    repo.add_environment("dev", extra="vars:\n  token: '{{ env(\"ERP_TOKEN\") }}'\n")

    (problem,) = repo.problems()

    assert problem.startswith(f"{ENV}:7:10: vars.token: template error: environment variable")


def test_problems_in_environment_file_and_records_come_together(repo: Repo) -> None:
    repo.add_environment("dev", account="provider: nowhere")
    repo.write("environments/dev/t.yaml", "kind: team\nid: t\nname: T\nmanager: x\n")

    problems = repo.problems()

    assert [p.split(": ")[0] for p in problems] == [
        f"{ENV}:4:13",
        "environments/dev/t.yaml:4:10",
    ]


def test_unknown_environment_is_a_repository_error(repo: Repo) -> None:
    with pytest.raises(RepositoryError, match=r"unknown environment 'qa'.*environments: dev"):
        repo.validate("qa")
