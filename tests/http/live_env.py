"""An environment folder whose account is a fake 4me/Xurrent server (tests and bench/http.py)."""

from __future__ import annotations

from pathlib import Path

from fake_sites import CLIENT_ID

SECRET_ENV = "LIVE_CLIENT_SECRET"
"""The variable the environment's client_secret is read from (``{{ env(...) }}``)."""


def xurrent_environment(
    root: Path, url: str, account: str, documents: list[str], http: str = ""
) -> Path:
    """``environments/live`` in ``root``, on the account at ``url``, with ``documents`` (YAML
    records) in one file; ``http`` is extra ``http:`` settings (``"burst: {...}"``)."""
    live = root / "environments" / "live"
    live.mkdir(parents=True)
    settings = ", ".join(filter(None, ["backoff_seconds: 0.01", http]))
    (live / "environment.yaml").write_text(
        "\n".join(
            [
                "version: 1",
                "name: live",
                "account:",
                "  provider: xurrent",
                f"  account: {account}",
                f"  url: {url}/graphql",
                f"  token_url: {url}/token",
                f"  client_id: {CLIENT_ID}",
                f"  client_secret: '{{{{ env(\"{SECRET_ENV}\") }}}}'",
                f"  http: {{{settings}}}",
                "policies:",
                "  only_in_account: keep",
                "",
            ]
        ),
        encoding="utf-8",
    )
    (live / "records.yaml").write_text("---\n".join(documents), encoding="utf-8")
    return live


def teams(count: int, start: int = 0) -> list[str]:
    """``count`` team records, ``team-<n>`` named ``Team <n>``."""
    return [f"kind: team\nid: team-{n}\nname: Team {n}\n" for n in range(start, start + count)]
