"""Secrets are tainted values: however a template reads one, no output carries it.

The attacks of issue 12, each end to end through the command line with the secret in the
environment: a secret that fails its field's check (in every template form that reaches it), a
secret variable read through any path of ``vars``, a CI variable whose name the template builds,
and ``compare --live``. The masker itself is tested with inline data in test_secret_masker.py.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from syncset.config.templating import Renderer, TemplateProblem

SECRET = "S3cr3t-Value-42"

FIELD_FORMS = {
    "env-double-quotes": '{{ env("SECRET") }}',
    "env-single-quotes": "{{ env('SECRET') }}",
    "vars-attribute": "{{ vars.token }}",
    "vars-get": '{{ vars.get("token") }}',
    "vars-indexed-by-env": '{{ vars[env("SECRET")] }}',
    "env-of-env": '{{ env(env("SECRET")) }}',
    "empty-dict-indexed-by-env": '{{ {}[env("SECRET")] }}',
    "vars-dictsort": "{{ (vars | dictsort | first)[1] }}",
}
"""The 8 template forms that put the secret where an e-mail address is checked (or looked up)."""

VAR_ACCESS = {
    "get": '{{ vars.get("token") }}',
    "computed-key": "{{ vars['to' ~ 'ken'] }}",
    "items": "{% for k, v in vars.items() %}{{ v }}{% endfor %}",
    "dictsort": "{% for k, v in vars | dictsort %}{{ v }}{% endfor %}",
    "values-join": "{{ vars.values() | join(',') }}",
    "string": "{{ vars | string }}",
    "format-map": "{{ '{token}'.format_map(vars) }}",
    "tojson": "{{ vars | tojson }}",
}
"""Ways to read the secret variable ``token`` that a regex over the template does not see."""


def secret_env(repo, monkeypatch):
    repo.add_environment("dev", extra="vars:\n  token: '{{ env(\"SECRET\") }}'\n")
    monkeypatch.setenv("SECRET", SECRET)


def journals(root):
    return "".join(p.read_text() for p in sorted(root.glob(".syncset/journal/**/*.jsonl")))


@pytest.mark.parametrize("form", FIELD_FORMS.values(), ids=FIELD_FORMS.keys())
def test_a_secret_that_fails_its_field_check_is_not_quoted_in_the_error(
    repo, cli, monkeypatch, form
):
    secret_env(repo, monkeypatch)
    repo.write(
        "environments/dev/team.yaml",
        f"kind: team\nid: t1\nname: T1\ncoordinator: {json.dumps(form)}\n",
    )

    runs = [cli("validate", "dev"), cli("plan", "dev"), cli("apply", "dev", "--auto-approve")]

    for run in runs:
        assert run.code == 1
        assert run.err.startswith("error: environments/dev/team.yaml:4:"), run.err
        assert "team/t1: coordinator:" in run.err
        assert SECRET not in run.out + run.err
    problems = repo.problems(environ={"SECRET": SECRET})
    assert len(problems) == 1 and SECRET not in problems[0]


def test_a_field_check_on_a_secret_still_says_what_is_wrong(repo, monkeypatch):
    secret_env(repo, monkeypatch)
    repo.write(
        "environments/dev/team.yaml",
        "kind: team\nid: t1\nname: T1\ncoordinator: '{{ vars.token }}'\n",
    )

    (problem,) = repo.problems(environ={"SECRET": SECRET})

    assert problem.endswith(
        "team/t1: coordinator: *** is not an e-mail address (expected name@domain.example)"
    )


@pytest.mark.parametrize("source", VAR_ACCESS.values(), ids=VAR_ACCESS.keys())
def test_reading_a_secret_var_by_any_path_flags_the_value(source):
    renderer = Renderer({}, {"SECRET": SECRET})
    renderer.set_variables({"token": '{{ env("SECRET") }}', "region": "eu"})

    text, secret = renderer.render_string(source)

    assert SECRET in text and secret


def test_reading_only_plain_vars_or_names_of_vars_does_not_flag_the_value():
    renderer = Renderer({}, {"SECRET": SECRET})
    renderer.set_variables({"token": '{{ env("SECRET") }}', "region": "eu"})

    for source in ("{{ vars.region }}", "{{ vars | length }}", "{{ 'token' in vars }}"):
        assert renderer.render_string(source)[1] is False, source


@pytest.mark.parametrize("source", VAR_ACCESS.values(), ids=VAR_ACCESS.keys())
def test_a_secret_var_read_through_any_path_never_reaches_the_plan_or_the_journal(
    repo, cli, monkeypatch, source
):
    secret_env(repo, monkeypatch)
    repo.write(
        "environments/dev/s.yaml",
        f"kind: solution\nid: s1\nname: S1\ndescription: {json.dumps(source)}\n",
    )

    assert (
        "description"
        in repo.validate(environ={"SECRET": SECRET}).records[("solution", "s1")].secrets
    )
    shown = [cli("plan", "dev", "--format", fmt, "--out", "plan.json") for fmt in ("text", "json")]
    applied = cli("apply", "dev", "--auto-approve")

    assert applied.code == 0
    for text in (
        *(r.out + r.err for r in (*shown, applied)),
        (repo.root / "plan.json").read_text(),
    ):
        assert SECRET not in text
    assert "description: (sensitive value changed)" in shown[0].out
    assert '"description": "***"' in journals(repo.root)
    assert SECRET not in journals(repo.root)


def git(root, *args):
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.test", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize(
    "name",
    ["'CI_' ~ 'TOKEN'", '"CI_\\x54OKEN"', "['CI', 'TOKEN'] | join('_')", "'NEKOT_IC' | reverse"],
    ids=["concatenation", "escaped-quote", "join", "reverse"],
)
@pytest.mark.system  # it starts a process: the system layer
def test_ci_comment_masks_a_variable_whose_name_is_built_by_concatenation(
    repo, cli, monkeypatch, name
):
    monkeypatch.setenv("CI_TOKEN", SECRET)
    (repo.root / ".gitignore").write_text(".syncset/\nsyncset-out/\n")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "base")
    git(repo.root, "checkout", "-q", "-b", "pull-request")
    form = json.dumps("{{ env(" + name + ") }}")
    repo.write(
        "environments/dev/team.yaml",
        f"kind: team\nid: t1\nname: T1\ncoordinator: {form}\n---\n"
        f"kind: solution\nid: s1\nname: {form}\ndescription: {form}\n",
    )
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "print the CI token")

    failed = cli("ci", "plan", "--base", "main")
    comment = (repo.root / "syncset-out" / "comment.md").read_text()

    assert failed.code == 1
    assert "coordinator: *** is not an e-mail address" in comment
    assert SECRET not in comment + failed.out + failed.err


CONNECTION = """
kind: connection
id: crm
name: CRM
type: http
description: 'token {{ env("SECRET") }}'
settings: {host: crm.example, token: '{{ env("SECRET") }}'}
secret: '{{ env("SECRET") }}'
"""


def test_compare_live_marks_env_values_sensitive_and_never_prints_them(repo, cli, monkeypatch):
    monkeypatch.setenv("SECRET", SECRET)
    repo.add_environment("qa")
    repo.write("environments/dev/crm.yaml", CONNECTION)
    repo.write("environments/qa/crm.yaml", "kind: connection\nid: crm\nname: CRM\ntype: http\n")
    for env in ("dev", "qa"):
        assert cli("apply", env, "--auto-approve").code == 0

    text = cli("compare", "dev", "qa", "--live")
    body = cli("compare", "dev", "qa", "--live", "--format", "json")

    assert SECRET not in text.out + text.err + body.out + body.err
    (entry,) = json.loads(body.out)["entries"]
    changes = {c["field"]: c for c in entry["changes"]}
    for field in ("description", "settings", "secret"):  # settings holds settings.token
        assert changes[field] == {"field": field, "before": None, "after": None, "sensitive": True}


def test_an_unset_variable_whose_name_was_made_from_a_secret_is_not_named():
    renderer = Renderer({}, {"SECRET": SECRET})

    for source, shown in (
        ('{{ env(env("SECRET") | reverse) }}', "(whose name was computed from a secret)"),
        ("{{ env('NOT_' ~ 'SET') }}", "NOT_SET"),
        ('{{ env("SECRET") ~ env("NOT_SET") }}', "NOT_SET"),
    ):
        with pytest.raises(TemplateProblem) as caught:
            renderer.render_tree(source)
        assert f"environment variable {shown} is not set" in caught.value.message


def test_an_error_after_a_secret_was_read_is_shown_only_when_it_quotes_what_the_template_spells():
    renderer = Renderer({}, {"SECRET": SECRET})

    for source, message in (
        ('{{ env("SECRET") }}{{ vars.typo }}', "'dict object' has no attribute 'typo'"),
        ('{{ {}[env("SECRET") | reverse] }}', "UndefinedError in an expression that read a secret"),
        ("{{ {'a': 1}[env('SECRET') | upper] }}", "UndefinedError in an expression that read"),
        ('{{ 5 + env("SECRET") }}', "unsupported operand type(s) for +: 'int' and 'str'"),
    ):
        with pytest.raises(TemplateProblem) as caught:
            renderer.render_tree(source)
        assert message in caught.value.message
        assert SECRET[::-1] not in caught.value.message
        assert SECRET.upper() not in caught.value.message
