"""environment.yaml and mappings.yaml: read and validated before any record, since the records
render with the first's variables and the account they name can be read while the records
parse (plan/prefetch.py); a reused plan (plan/reuse.py) needs nothing more.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from syncset.config.digest import FilesDigest
from syncset.config.load import (
    ENVIRONMENT_FILE,
    ENVIRONMENTS_DIR,
    Document,
    environment_folder,
    environment_names,
    read_environment_header,
)
from syncset.config.problems import Validator, data_path, quoted_safely
from syncset.config.templating import Renderer, TemplateProblem
from syncset.errors import ProviderError
from syncset.model import Environment
from syncset.schemas.environment import EnvironmentConfig, Mappings


def validate_header(
    root: Path, name: str, environ: dict[str, str] | None = None
) -> Environment | None:
    """environment.yaml and mappings.yaml validated, without any record (and no digest): what a
    reused plan (plan/reuse.py) needs to open the account. None when either has a problem:
    :func:`validate_environment` then says what it is."""
    folder = environment_folder(root, name)
    check = Validator(root)
    header = read_header(check, root, folder, name, environ)
    if header.config is None or check.problems:
        return None
    return Environment(name, root, folder, header.config, header.mappings, {}, header.account)


class Header(NamedTuple):
    """environment.yaml and mappings.yaml as read, validated and rendered."""

    config_doc: Document | None
    mappings_doc: Document | None
    config: EnvironmentConfig | None
    renderer: Renderer
    account: dict[str, Any]
    mappings: Mappings


def read_header(
    check: Validator,
    root: Path,
    folder: Path,
    name: str,
    environ: dict[str, str] | None,
    digest: FilesDigest | None = None,
) -> Header:
    """environment.yaml and mappings.yaml read and validated, their problems in ``check``."""
    config_doc, mappings_doc = read_environment_header(root, folder, check.problems, digest)
    config = _environment_config(check, config_doc, name)
    renderer = Renderer(config.vars if config else _declared_vars(config_doc), environ)
    account = _account_settings(check, config_doc, config, renderer)
    return Header(
        config_doc, mappings_doc, config, renderer, account, _mappings(check, mappings_doc)
    )


def _declared_vars(doc: Document | None) -> dict[str, Any]:
    """The ``vars:`` of an environment.yaml that failed validation elsewhere (a bad policy,
    say): the records still render with them, so a correct record file gets no template
    error of its own beside the real problem."""
    data = doc.data if doc is not None else None
    declared = data.get("vars") if isinstance(data, dict) else None
    return declared if isinstance(declared, dict) else {}


def _environment_config(
    check: Validator, doc: Document | None, name: str
) -> EnvironmentConfig | None:
    if doc is None:
        return None
    try:
        config = EnvironmentConfig.model_validate(doc.data)
    except ValidationError as exc:
        check.add_pydantic(doc, exc)
        return None
    if config.name != name:
        check.add(
            doc,
            ("name",),
            f"name {config.name!r} does not match folder {name!r}: write name: {name} (an "
            "environment is named by its folder below environments/, groups included)",
            at_value=True,
        )
    _check_promotes_from(check, doc, config)
    return config


def _check_promotes_from(check: Validator, doc: Document, config: EnvironmentConfig) -> None:
    """``promotes_from`` must name another environment of this repository, or promote and
    ci plan's ordering would follow a name that leads nowhere."""
    source = config.promotes_from
    if source is None:
        return
    if (
        source != config.name
        and (check.root / ENVIRONMENTS_DIR / source / ENVIRONMENT_FILE).is_file()
    ):
        return  # checked without listing every environment: validate runs this for each one
    known = [n for n in environment_names(check.root) if n != config.name]
    close = difflib.get_close_matches(source, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"environments: {', '.join(known) or 'none'}"
    check.add(doc, ("promotes_from",), f"unknown environment {source!r}: {hint}", at_value=True)


def _account_settings(
    check: Validator, doc: Document | None, config: EnvironmentConfig | None, renderer: Renderer
) -> dict[str, Any]:
    if doc is None or config is None:
        return {}
    raw = dict(doc.data.get("account") or {})
    try:
        # vars may themselves use env(); render them first, then the account settings.
        renderer.set_variables(config.vars)
    except TemplateProblem as exc:
        check.add(doc, ("vars", *exc.path), exc.message, at_value=True)
        return {}
    try:
        settings, secrets = renderer.render_tree(raw)
    except TemplateProblem as exc:
        check.add(doc, ("account", *exc.path), exc.message, at_value=True)
        return {}
    provider = settings.pop("provider", "")
    from syncset.providers.registry import REGISTRY

    try:
        REGISTRY.validate_settings(provider, settings)
    except ProviderError as exc:
        check.add(doc, ("account", "provider"), str(exc), at_value=True)
    except ValidationError as exc:
        for item in exc.errors(include_url=False):
            found = data_path(settings, item["loc"])
            if item["type"] == "missing":
                missing = tuple(item["loc"][: len(found) + 1])
                check.add(doc, ("account", *missing), "required field is missing", at_value=True)
                continue
            check.add(doc, ("account", *found), quoted_safely(item, found, secrets), at_value=True)
    return {"provider": provider, **settings}


def _mappings(check: Validator, doc: Document | None) -> Mappings:
    if doc is None:
        return Mappings()
    try:
        return Mappings.model_validate(doc.data)
    except ValidationError as exc:
        check.add_pydantic(doc, exc)
        return Mappings()
