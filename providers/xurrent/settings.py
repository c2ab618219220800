"""``account:`` settings of a 4me/Xurrent environment, checked by ``syncset validate``.

Besides the endpoint and the credentials: ``reference_views`` (a wider ``view`` for reference
data, per kind, where mapping needs it; configuration is always read from the account's own
records) and ``schema_file`` (the account's schema pinned in the repository instead of fetched).
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from syncset.providers.http.client import HttpSettings, check_url
from syncset.providers.xurrent.queries import REFERENCE_VIEWS

Domain = Literal[
    "4me.com", "xurrent.com", "4me.qa", "xurrent.qa", "4me-demo.com", "xurrent-demo.com"
]


class XurrentSettings(BaseModel):
    """``account:`` settings of a 4me/Xurrent environment."""

    model_config = ConfigDict(extra="forbid")
    domain: Domain | None = None
    region: Literal["au", "uk", "ch", "us"] | None = None
    account: str = Field(min_length=1, description="The account id sent in the account header.")
    url: str | None = Field(default=None, description="GraphQL endpoint (default from domain).")
    token_url: str | None = Field(default=None, description="OAuth token endpoint.")
    token: SecretStr | None = Field(default=None, description="A personal access token.")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = None
    account_header: str | None = None
    marker_filter: bool = Field(
        default=True, description="Find records by `filter: {sourceID}`; false scans lists."
    )
    reference_views: dict[str, str] = Field(
        default_factory=dict,
        description="`view:` of reference-data lists, e.g. {person: all}; default none.",
    )
    schema_file: str | None = Field(
        default=None, description="The account's schema (SDL) in the repository, not fetched."
    )
    http: HttpSettings = Field(default_factory=HttpSettings)

    @model_validator(mode="before")
    @classmethod
    def _no_list_view(cls, data: Any) -> Any:
        if isinstance(data, dict) and "list_view" in data:
            raise ValueError(
                "list_view is gone: configuration kinds are read from the account's own "
                "records (no view: all, which returns other accounts' records too); a wider "
                "view for reference data is set per kind with reference_views: {person: all}"
            )
        return data

    @field_validator("reference_views")
    @classmethod
    def _known_views(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, view in value.items():
            if kind not in REFERENCE_VIEWS:
                raise ValueError(f"{kind}: reference_views takes {', '.join(REFERENCE_VIEWS)}")
            if view not in REFERENCE_VIEWS[kind]:
                raise ValueError(f"{kind}: view {view!r} is not one of {REFERENCE_VIEWS[kind]}")
        return value

    @field_validator("url", "token_url")
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.domain is None and self.url is None:
            raise ValueError("give domain (and region) or url")
        if self.region and self.domain and self.domain.endswith("-demo.com"):
            raise ValueError(f"{self.domain} has no regions: leave region out")
        oauth = self.client_id is not None or self.client_secret is not None
        if (self.token is None) == (not oauth):
            raise ValueError("give either token, or client_id and client_secret")
        if oauth and (self.client_id is None or self.client_secret is None):
            raise ValueError("OAuth needs both client_id and client_secret")
        if oauth and self.domain is None and self.token_url is None:
            raise ValueError("with url instead of domain, OAuth needs token_url too")
        return self

    def endpoints(self) -> tuple[str, str | None, str]:
        """GraphQL URL, token URL (None with a personal token), and the account header name."""
        host = f"{self.region}.{self.domain}" if self.region else f"{self.domain}"
        url = self.url or f"https://graphql.{host}/"
        token_url = self.token_url or (f"https://oauth.{host}/token" if self.domain else None)
        default_header = "X-4me-Account" if (self.domain or "").startswith("4me") else None
        header = self.account_header or default_header or "X-Xurrent-Account"
        return url, token_url if self.token is None else None, header
