"""``account:`` settings of the declarative ``rest`` provider: a JSON/REST platform in YAML.

Everything a platform needs is described here instead of in code: per kind its endpoints, where
the records sit in a list response, the id field, the ownership fields, renamed fields and the
pagination style; for the account the base URL and the authentication. Secrets come in as
``{{ env("NAME") }}`` and are held as :class:`pydantic.SecretStr`, so a printed settings object
shows ``**********``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from syncset.providers.http.client import (
    ApiKeyAuth,
    Auth,
    BearerAuth,
    ClientCredentials,
    HttpSettings,
    NoAuth,
    check_url,
)
from syncset.schemas import CATALOG


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RestAuth(_Strict):
    """``bearer`` (``token``), ``api_key`` (``header`` and ``key``), ``oauth_client_credentials``
    (``token_url``, ``client_id``, ``client_secret``, ``scope``) or ``none``."""

    type: Literal["bearer", "api_key", "oauth_client_credentials", "none"]
    token: SecretStr | None = None
    header: str = "X-Api-Key"
    key: SecretStr | None = None
    prefix: str = Field(default="", description="Put before the key, e.g. 'Token '.")
    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = None

    @field_validator("token_url")
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {
            "bearer": ("token",),
            "api_key": ("key",),
            "oauth_client_credentials": ("token_url", "client_id", "client_secret"),
            "none": (),
        }[self.type]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"auth type {self.type} needs {', '.join(missing)}")
        return self

    def build(self) -> Auth:
        if self.type == "bearer" and self.token is not None:
            return BearerAuth(self.token.get_secret_value())
        if self.type == "api_key" and self.key is not None:
            return ApiKeyAuth(self.header, self.key.get_secret_value(), self.prefix)
        if self.type == "oauth_client_credentials" and self.client_secret is not None:
            secret = self.client_secret.get_secret_value()
            return ClientCredentials(self.token_url or "", self.client_id or "", secret, self.scope)
        return NoAuth()

    def secrets(self) -> list[str]:
        values = (self.token, self.key, self.client_secret)
        return [value.get_secret_value() for value in values if value is not None]


class Pagination(_Strict):
    """How a list endpoint pages.

    * ``none``: one request returns everything;
    * ``link-header``: follow ``Link: <…>; rel="next"`` (same host only);
    * ``page``: ``?page=N&per_page=M`` until a short page, or until ``total_pages`` (a JSON
      path in the response) says it was the last, which saves the empty request at the end;
    * ``cursor``: ``?cursor=C&limit=M``, the next cursor read from the JSON path ``next_cursor``.
    """

    style: Literal["none", "link-header", "page", "cursor"] = "none"
    per_page: int = Field(default=100, ge=1, le=1000)
    per_page_param: str = "per_page"
    page_param: str = "page"
    first_page: int = 1
    total_pages: str | None = None
    cursor_param: str = "cursor"
    limit_param: str = "limit"
    next_cursor: str = "next_cursor"


class Ownership(_Strict):
    """The record fields that hold the ownership marker (``source`` and ``source_id``)."""

    source: str = "source"
    source_id: str = "source_id"


class KindEndpoints(_Strict):
    """One kind of the platform. Paths are relative to ``base_url``; ``{id}`` is the live id."""

    list: str
    records: str = Field(default="", description="JSON path of the records ('' = the body).")
    item: str | None = Field(default=None, description="Default: the list path + /{id}.")
    create: str | None = Field(default=None, description="Default: POST to the list path.")
    update_method: Literal["PATCH", "PUT"] = "PATCH"
    record: str = Field(
        default="", description="JSON path of the record in answers about one record (get, writes)."
    )
    removal: Literal["disable", "delete"] = "disable"
    id_field: str = "id"
    ownership: Ownership = Field(default_factory=Ownership)
    fields: dict[str, str] = Field(
        default_factory=dict, description="Catalog field → API field (dotted for nesting)."
    )
    marker_query: dict[str, str] | None = Field(
        default=None,
        description="Query parameters that filter the list by marker, e.g. "
        "{origin_id: '{source_id}'}; without them a look-up scans the list.",
    )
    pagination: Pagination | None = Field(default=None, description="Default: the account's.")

    def item_path(self) -> str:
        return self.item or self.list.rstrip("/") + "/{id}"

    def api_name(self, field: str) -> str:
        return self.fields.get(field, field)

    def catalog_name(self, api_field: str) -> str | None:
        reverse = {api: name for name, api in self.fields.items()}
        return reverse.get(api_field, api_field if api_field not in self.fields else None)


class RestSettings(_Strict):
    """``account:`` settings of a ``rest`` environment."""

    base_url: str
    auth: RestAuth
    headers: dict[str, str] = Field(default_factory=dict, description="Extra, non-secret.")
    pagination: Pagination = Field(default_factory=Pagination)
    kinds: dict[str, KindEndpoints]
    http: HttpSettings = Field(default_factory=HttpSettings)

    @field_validator("base_url")
    @classmethod
    def _secure(cls, value: str) -> str:
        return check_url(value).rstrip("/")

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, KindEndpoints]) -> dict[str, KindEndpoints]:
        unknown = sorted(kind for kind in value if kind not in CATALOG)
        if unknown:
            raise ValueError(
                f"unknown kind {unknown[0]!r}: use one of {', '.join(CATALOG.names())}"
            )
        if not value:
            raise ValueError("declare at least one kind")
        return value

    def pagination_of(self, kind: str) -> Pagination:
        return self.kinds[kind].pagination or self.pagination
