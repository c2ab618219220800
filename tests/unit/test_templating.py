"""Templates inside string values: vars, env(), strict undefined names, the sandbox, secrets."""

from __future__ import annotations

from typing import Any

import pytest

from syncset.config.templating import MAX_VALUES_PER_DOCUMENT, Renderer, TemplateProblem, dotted


def render(value: Any, variables: dict[str, Any] | None = None, **environ: str) -> Any:
    rendered, _ = Renderer(variables or {}, environ).render_tree(value)
    return rendered


def problem_of(value: Any, variables: dict[str, Any] | None = None) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        Renderer(variables or {}, {}).render_tree(value)
    return caught.value


def test_vars_are_rendered_inside_string_values() -> None:
    document = {"name": "{{ vars.team }} board", "columns": [{"name": "{{ vars.first }}"}]}

    assert render(document, {"team": "Application Development", "first": "To Do"}) == {
        "name": "Application Development board",
        "columns": [{"name": "To Do"}],
    }


def test_values_without_template_markers_are_returned_as_they_are() -> None:
    document = {"n": 2, "on": True, "when": None, "text": "a } b { c", "list": [1.5]}

    assert render(document) == document


def test_statements_and_filters_work() -> None:
    assert render("{% if vars.prod %}live{% else %}test{% endif %}", {"prod": False}) == "test"
    assert render("{{ vars.name | upper }}", {"name": "wdc"}) == "WDC"


def test_rendered_text_cannot_inject_yaml() -> None:
    injected = "x\nkind: person\nid: evil"

    assert render({"description": "{{ vars.text }}"}, {"text": injected}) == {
        "description": injected
    }


def test_env_reads_the_given_environment() -> None:
    assert render("Bearer {{ env('API_TOKEN') }}", API_TOKEN="t0k") == "Bearer t0k"


def test_env_default_is_used_when_unset() -> None:
    assert render("{{ env('REGION', 'eu') }}") == "eu"


def test_env_reads_os_environ_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSET_TEST_REGION", "us")

    text, used_env = Renderer({}).render_string("{{ env('SYNCSET_TEST_REGION') }}")

    assert (text, used_env) == ("us", True)


def test_values_read_through_env_are_recorded_as_secret_paths() -> None:
    document = {
        "name": "{{ vars.name }}",
        "secret": "{{ env('TOKEN') }}",
        "settings": {"user": "{{ env('USER_NAME') }}", "host": "h"},
        "hours": [{"x": "a"}, {"x": "{{ env('TOKEN') }}"}],
    }

    _, secrets = Renderer({"name": "n"}, {"TOKEN": "t", "USER_NAME": "u"}).render_tree(document)

    assert secrets == {"secret", "settings.user", "hours[1].x"}


def test_render_string_says_whether_env_was_read() -> None:
    renderer = Renderer({"a": "1"}, {"B": "2"})

    assert renderer.render_string("{{ vars.a }}") == ("1", False)
    assert renderer.render_string("{{ env('B') }}") == ("2", True)
    assert renderer.render_string("{{ vars.a }}") == ("1", False)


def test_unset_env_name_is_a_problem_at_its_path() -> None:
    problem = problem_of({"account": {"token": "{{ env('NOT_SET_ANYWHERE') }}"}})

    assert problem.path == ("account", "token")
    assert problem.message == (
        "template error: environment variable NOT_SET_ANYWHERE is not set: export it "
        "(in CI, from the secret store)"
    )


@pytest.mark.parametrize(
    "source",
    ["{{ vars.nope }}", "{{ nope }}", "{{ vars.team.nope }}", "{{ vars.nope ~ 'x' }}"],
)
def test_undefined_names_are_errors_not_empty_strings(source: str) -> None:
    problem = problem_of({"name": source}, {"team": {"name": "t"}})

    assert problem.path == ("name",)
    assert problem.message.startswith("template error: ")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ vars.__class__.__init__.__globals__ }}",
        "{{ env.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
    ],
)
def test_sandbox_refuses_python_internals(source: str) -> None:
    problem = problem_of({"name": source})

    assert problem.path == ("name",)
    assert problem.message.startswith("template error: access to attribute ")
    assert problem.message.endswith(" is unsafe.")


def test_default_filter_is_the_way_to_make_a_var_optional() -> None:
    assert render("{{ vars.suffix | default('') }}x") == "x"


@pytest.mark.parametrize(
    "source",
    ["{{ vars.team.update({'x': 1}) }}", "{{ vars.list.append(1) }}", "{{ vars.x.clear() }}"],
)
def test_sandbox_is_immutable(source: str) -> None:
    variables = {"team": {}, "list": [], "x": {"a": 1}}

    problem = problem_of({"name": source}, variables)

    assert problem.message.endswith(" object is unsafe.")
    assert variables == {"team": {}, "list": [], "x": {"a": 1}}


def test_template_syntax_error_is_a_problem() -> None:
    problem = problem_of({"hours": [{"time_from": "{{ vars.start "}]})

    assert problem.path == ("hours", 0, "time_from")
    assert problem.message.startswith("template error: unexpected end of template")


def test_skipped_top_level_keys_are_not_rendered() -> None:
    document = {"kind": "{{ x }}", "id": "{{ y }}", "name": "{{ vars.n }}"}

    rendered, _ = Renderer({"n": "N"}, {}).render_tree(document, frozenset({"kind", "id"}))

    assert rendered == {"kind": "{{ x }}", "id": "{{ y }}", "name": "N"}


def test_alias_expansion_past_the_budget_is_refused_quickly() -> None:
    leaf = ["lol"] * 10
    for _ in range(8):
        leaf = [leaf] * 10  # shared, as YAML aliases are: 10**9 values when expanded

    problem = problem_of({"a": leaf})

    assert problem.path == ()
    assert f"more than {MAX_VALUES_PER_DOCUMENT:,} values" in problem.message


def test_document_within_the_budget_renders() -> None:
    shared = ["x"] * 1000

    assert render({"a": [shared] * 50}) == {"a": [shared] * 50}


@pytest.mark.parametrize("source", ["{{ 1 / 0 }}", "{{ env() }}", "{{ vars.n + 1 }}"])
def test_runtime_error_in_an_expression_is_a_problem(source: str) -> None:
    problem = problem_of({"hours": [{"time_from": source}]}, {"n": "text"})

    assert problem.path == ("hours", 0, "time_from")
    assert problem.message.startswith("template error: ")


def test_nesting_too_deep_to_walk_is_a_problem() -> None:
    value: list[object] = ["x"]
    for _ in range(5000):
        value = [value]

    problem = problem_of({"a": value})

    assert problem.message == "values nested too deeply: flatten the document"


@pytest.mark.parametrize(
    ("path", "expected"),
    [((), ""), (("name",), "name"), (("hours", 0, "time_from"), "hours[0].time_from")],
)
def test_dotted_paths(path: tuple[str | int, ...], expected: str) -> None:
    assert dotted(path) == expected
