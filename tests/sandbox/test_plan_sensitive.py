"""Secrets never show: not in text, markdown or JSON plans, not in saved plans, not in journals."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import change_of, make_plan, row_of

from syncset.render.values import SENSITIVE

OLD = "old-s3cr3t-value"
NEW = "new-s3cr3t-value"

RECORDS = """
kind: solution
id: crm-sync
name: CRM sync
---
kind: connection
id: crm
name: CRM
type: http
settings: {host: crm.example, port: 443}
secret: '{{ env("CRM_SECRET") }}'
---
kind: flow
id: accounts
name: Accounts to CRM
solution: crm-sync
connections: [crm]
"""


def journals(root):
    return "".join(p.read_text() for p in sorted((root / ".syncset/journal").rglob("*.jsonl")))


def everything_shown(cli, *extra):
    """The plan in the three formats, and a saved plan file."""
    shown = [cli("plan", "dev", "--format", fmt, *extra).out for fmt in ("text", "markdown")]
    shown.append(cli("plan", "dev", "--format", "json", "--out", "plan.json").out)
    return shown


@pytest.fixture
def integration(repo, monkeypatch):
    repo.write("environments/dev/crm.yaml", RECORDS)
    monkeypatch.setenv("CRM_SECRET", OLD)
    return repo


def test_a_new_sensitive_field_shows_no_value_in_any_format(integration, cli):
    text, markdown, body = everything_shown(cli)

    for shown in (text, markdown, body, (integration.root / "plan.json").read_text()):
        assert OLD not in shown
    assert f"secret: {SENSITIVE}" in text
    assert f"secret: {SENSITIVE}" in markdown
    secret = next(c for c in json.loads(body)["changes"] if c["id"] == "crm")["changes"]
    assert {"field": "secret", "before": None, "after": None, "sensitive": True} in secret


def test_a_changed_sensitive_field_is_shown_as_changed_without_either_value(
    integration, cli, monkeypatch
):
    assert cli("apply", "dev", "--auto-approve").code == 0
    monkeypatch.setenv("CRM_SECRET", NEW)

    text, markdown, body = everything_shown(cli)

    for shown in (text, markdown, body):
        assert OLD not in shown and NEW not in shown
    assert f"~ secret: {SENSITIVE}" in text
    change = change_of(make_plan(integration.root), "connection/crm")
    assert [(c.field, c.before, c.after, c.sensitive) for c in change.changes] == [
        ("secret", None, None, True)
    ]


def test_apply_sends_the_secret_but_never_writes_it_to_the_journal_or_the_console(
    integration, cli, monkeypatch
):
    first = cli("apply", "dev", "--auto-approve")
    monkeypatch.setenv("CRM_SECRET", NEW)
    second = cli("apply", "dev", "--auto-approve")

    assert row_of(integration.root, "connection", "CRM")["data"]["secret"] == NEW
    written = journals(integration.root)
    assert '"secret": "***"' in written  # sent on create, sent on update, and the before-image
    for shown in (first.out, first.err, second.out, second.err, written):
        assert OLD not in shown and NEW not in shown


def test_an_unchanged_secret_is_not_a_difference(integration, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0

    assert change_of(make_plan(integration.root), "connection/crm").changes == ()


NESTED = """
kind: connection
id: erp
name: ERP
type: http
settings: {host: erp.example, token: '{{ env("ERP_TOKEN") }}'}
"""


@pytest.fixture
def nested(repo, monkeypatch):
    repo.write("environments/dev/nested.yaml", NESTED)
    monkeypatch.setenv("ERP_TOKEN", OLD)
    return repo


def test_env_values_nested_in_a_new_record_are_not_shown_in_any_format(nested, cli):
    for shown in everything_shown(cli):
        assert OLD not in shown


def test_env_values_nested_in_a_record_are_masked_in_the_journal(nested, cli, monkeypatch):
    cli("apply", "dev", "--auto-approve")
    monkeypatch.setenv("ERP_TOKEN", NEW)
    cli("apply", "dev", "--auto-approve")

    written = journals(nested.root)
    assert OLD not in written and NEW not in written


def test_env_values_nested_in_a_changed_record_are_not_shown(nested, cli, monkeypatch):
    assert cli("apply", "dev", "--auto-approve").code == 0
    monkeypatch.setenv("ERP_TOKEN", NEW)

    text, markdown, body = everything_shown(cli)

    for shown in (text, markdown, body):
        assert OLD not in shown and NEW not in shown
    assert f"settings.token: {SENSITIVE}" in text
