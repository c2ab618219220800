"""Snapshot of a Xurrent account whose ``sourceID`` is no record id: no file named by it.

A record of the account says ``source: syncset`` with a ``sourceID`` that climbs out of the
environment folder. syncset writes ``sourceID`` only as a record id, so such a marker is not
believed: the record is written under a slug of its name, and nothing else in the repository
(environment.yaml least of all) changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_sites import CLIENT_SECRET


def account_for(site) -> str:
    return "\n".join(
        [
            "provider: xurrent",
            f"account: {site.account.account}",
            f"url: {site.server.url}/graphql",
            f"token_url: {site.server.url}/token",
            "client_id: syncset-ci",
            "client_secret: '{{ env(\"DEV_CLIENT_SECRET\") }}'",
            "http: {backoff_seconds: 0.01}",
        ]
    )


def files_below(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("source_id", ["../environment", "../../../../../outside/pwned"])
def test_xurrent_snapshot_refuses_a_marker_id_that_climbs_out_of_the_environment_folder(
    repo, cli, xurrent_site, monkeypatch, tmp_path, source_id
):
    site = xurrent_site()
    site.account.seed("Calendar", name="Office", source="syncset", sourceID=source_id)
    repo.add_environment("dev", account=account_for(site))
    monkeypatch.setenv("DEV_CLIENT_SECRET", CLIENT_SECRET)
    before = files_below(tmp_path)

    result = cli("snapshot", "dev", "--kind", "calendar")

    after = files_below(tmp_path)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    state = {name for name in changed if name.startswith("repo/.syncset/xurrent-schema/")}
    assert result.code == 0, result.err
    assert changed - state == {"repo/environments/dev/calendars/office.yaml"}
    assert len(state) == 1, "besides the file, only the account's schema cache is written"
    assert f"marker says {source_id!r}, which is not a valid record id" in result.out
