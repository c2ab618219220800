"""``{{ vars.NAME }}`` and ``{{ env("NAME") }}`` inside YAML string values.

Templates are rendered one string value at a time, never over a whole file, so YAML cannot be
injected and every line number stays true. Jinja2 runs in its immutable sandbox with
``StrictUndefined``: an unknown name, an unset environment variable or a reach for Python
internals (``''.__class__``) is an error, not an empty string.

Secrets are tainted values. Every value ``env()`` returns is recorded in :data:`SECRETS`, whatever
expression computed the name, and the value it was rendered into is flagged as secret; so is a
value that reads a *secret variable* (one whose value came from ``env()``). Secret variables are
noticed by access, not by reading the template's text: the template's ``vars`` is a
:class:`SecretVars` mapping that flags the value on every read of a secret key, by any path
(``vars.x``, ``vars['x']``, ``vars.get('x')``, ``vars.items()``, iteration, filters). An error
in a template that read a secret does not repeat Jinja's message, which can quote the secret.
The size and time budgets live in :mod:`syncset.config.template_sandbox`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from syncset.secrets import SECRETS

if TYPE_CHECKING:
    from syncset.config.template_sandbox import BoundedSandbox

__all__ = ["MAX_VALUES_PER_DOCUMENT", "TEMPLATE_PATTERN", "Renderer", "SecretVars"]

MAX_VALUES_PER_DOCUMENT = 100_000
"""A document that expands (through YAML aliases) past this many values is refused."""


class TemplateProblem(Exception):
    """A template could not be rendered; ``path`` is the key path of the value."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(message)


_SIMPLE = re.compile(r"\{\{\s*(?:vars\.([A-Za-z_][A-Za-z0-9_]*)|env\(\s*\"([^\"]+)\"\s*\))\s*\}\}")
"""A template that only reads a variable or an environment variable (two groups per match)."""


_QUOTED = re.compile("'([^']*)'|\"([^\"]*)\"")
_TYPE_NAME = re.compile(r"[A-Za-z_][\w.]* object|int|float|str|bool|bytes|list|dict|tuple|NoneType")


def _alias_bomb() -> TemplateProblem:
    return TemplateProblem(
        (),
        f"document expands to more than {MAX_VALUES_PER_DOCUMENT:,} values through "
        "YAML aliases (an alias bomb?): write the values out instead",
    )


def _plain(value: Any) -> bool:
    """Values Jinja would print exactly as ``str()`` does."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)


class SecretVars(Mapping[str, Any]):
    """The template's ``vars``: reading a secret variable, by any path, calls ``touched``.

    Every way Jinja reads a mapping's values goes through ``__getitem__`` (attribute access
    falls back to it; ``get``, ``items``, ``values`` and the filters use it), so the taint does
    not depend on how the template is written. Names starting with ``_`` are not reachable
    from a sandboxed template, so the plain dict inside cannot be read around it.
    """

    def __init__(self, values: dict[str, Any], secret: set[str], touched: Callable[[], None]):
        self._values = values
        self._secret = secret
        self._touched = touched

    def __getitem__(self, key: str) -> Any:
        value = self._values[key]
        if key in self._secret:
            self._touched()
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values  # a test for a name reads no value

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _as_dict(value: Any) -> Any:
    """``vars | tojson``: ``vars`` is a mapping, not a dict, and is read item by item (so a
    secret variable taints the value as by any other path)."""
    if isinstance(value, Mapping):
        return dict(value.items())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


TEMPLATE_PATTERN = r"\{\{[\s\S]*\}\}|\{%[\s\S]*%\}"
"""A string holding an expression or a statement, as the editor schema recognises a template.

Every string value of a record but its ``kind`` and ``id`` is rendered before the kind's model
reads it (:meth:`Renderer.render_tree`), so a template may stand where an integer, a boolean, an
enum value or an id is expected; the model reads the rendered text as that type."""


def _looks_templated(value: str) -> bool:
    return "{{" in value or "{%" in value


class Renderer:
    """Renders the string values of one environment with its variables.

    Compiled templates are cached by source, since the same expression recurs across records.
    Jinja is imported with the first template that is more than a plain ``{{ vars.x }}`` or
    ``{{ env("X") }}`` (those are substituted without it): it costs 15 ms of every command's
    start-up, which most environments need not pay.
    """

    def __init__(self, variables: Mapping[str, Any], environ: Mapping[str, str] | None = None):
        self._environ = os.environ if environ is None else environ
        self._jinja: BoundedSandbox | None = None
        self._variables = dict(variables)
        self._secret_vars: set[str] = set()
        self._vars = SecretVars(self._variables, self._secret_vars, self._read_secret)
        self._cache: dict[str, Any] = {}
        self._used_env = False
        self._source = ""

    def set_variables(self, variables: Mapping[str, Any]) -> None:
        """Render the variables themselves (they may read ``env()``) and use the result.

        A variable that read an environment variable is secret, and so is every value that
        uses it later. Problems are reported with the variable's name as the path.
        """
        rendered: dict[str, Any] = {}
        for name, value in variables.items():
            try:
                result, secrets = self.render_tree(value)
            except TemplateProblem as exc:
                raise TemplateProblem((name, *exc.path), exc.message) from None
            rendered[name] = result
            if secrets:
                self._secret_vars.add(name)
        self._variables = rendered
        self._vars = SecretVars(rendered, self._secret_vars, self._read_secret)

    def _sandbox(self) -> BoundedSandbox:
        if self._jinja is None:
            from syncset.config.template_sandbox import BoundedSandbox, MappingUndefined

            self._jinja = BoundedSandbox(
                undefined=MappingUndefined, autoescape=False, keep_trailing_newline=True
            )
            self._jinja.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _as_dict}
        return self._jinja

    def _read_secret(self) -> None:
        self._used_env = True

    def _env(self, name: str | None = None, default: Any = None) -> Any:
        # Called only from inside a Jinja template, so Jinja is loaded by then.
        from jinja2 import TemplateError

        from syncset.config.template_sandbox import EnvMissing

        if not isinstance(name, str) or not name:
            raise TemplateError('env() needs the name of an environment variable: env("TOKEN")')
        value = self._environ.get(name)
        if value is None and default is None:
            raise EnvMissing(self._shown_name(name))
        self._used_env = True
        if value is None:
            return default  # written in the template: not a secret, though the value is flagged
        SECRETS.add(value)
        return value

    def _shown_name(self, name: str) -> str:
        """A name computed after a secret was read may be made of the secret: it is shown only
        when the template spells it out."""
        if not self._used_env or name in self._source:
            return name
        return "(whose name was computed from a secret)"

    def render_string(self, source: str) -> tuple[str, bool]:
        """Render one string; returns the result and whether it read an environment variable."""
        simple = self._render_simple(source)
        if simple is not None:
            return simple
        self._used_env = False
        self._source = source
        jinja = self._sandbox()
        template = self._cache.get(source)
        if template is None:
            template = jinja.from_string(source)
            self._cache[source] = template
        text = jinja.render(template, vars=self._vars, env=self._env)
        return text, self._used_env

    def _render_simple(self, source: str) -> tuple[str, bool] | None:
        """Plain ``{{ vars.name }}`` and ``{{ env("NAME") }}`` without Jinja.

        Compiling a template costs about a millisecond and nearly every templated value is
        just these, each string a little different. Anything else, or a name that is not
        defined (so that the error is Jinja's), returns None and goes the Jinja way.
        """
        parts = _SIMPLE.split(source)
        if len(parts) == 1 or any("{{" in p or "{%" in p or "{#" in p for p in parts[::3]):
            return None
        out: list[str] = []
        used_env = False
        for index in range(0, len(parts) - 1, 3):
            out.append(parts[index])
            name, variable = parts[index + 1], parts[index + 2]
            if name is not None:
                if name not in self._variables or not _plain(self._variables[name]):
                    return None
                out.append(str(self._variables[name]))
                used_env = used_env or name in self._secret_vars
            else:
                if variable not in self._environ:
                    return None
                out.append(self._environ[variable])
                SECRETS.add(self._environ[variable])
                used_env = True
        out.append(parts[-1])
        return "".join(out), used_env

    def _spelt_out(self, message: str) -> bool:
        """Whether everything a message quotes is written in the template (``vars.typo``) or
        names a type (``'dict object'``): then it cannot be quoting a value made of a secret."""
        quoted = [single or double for single, double in _QUOTED.findall(message)]
        return all(q in self._source or _TYPE_NAME.fullmatch(q) for q in quoted)

    def _failure(self, exc: Exception) -> str:
        """What a failed template says: Jinja's message, unless the template had read a
        secret by then (``{}[env("X")]`` quotes the value it could not find)."""
        from syncset.config.template_sandbox import BudgetExceeded, EnvMissing

        if isinstance(exc, BudgetExceeded):
            return str(exc.message)
        message = f"template error: {getattr(exc, 'message', None) or exc}"
        if isinstance(exc, EnvMissing) or not self._used_env or self._spelt_out(message):
            return SECRETS.mask(message)
        return (
            f"template error: {type(exc).__name__} in an expression that read a secret; its "
            "message is withheld because it may quote the secret"
        )

    def render_tree(
        self, value: Any, skip_top: frozenset[str] = frozenset()
    ) -> tuple[Any, set[str]]:
        """Render every templated string in a document.

        Returns the rendered copy and the dotted paths of values that came from ``env()``.
        Shared sub-trees (YAML aliases) are counted each time they are reached, and a document
        that expands past :data:`MAX_VALUES_PER_DOCUMENT` values is refused, which stops
        "billion laughs" alias bombs before anything walks their expansion.
        """
        secrets: set[str] = set()
        budget = [MAX_VALUES_PER_DOCUMENT]
        try:
            rendered = self._walk(value, (), secrets, budget, skip_top)
        except RecursionError:
            raise TemplateProblem((), "values nested too deeply: flatten the document") from None
        return rendered, secrets

    def _walk(
        self,
        value: Any,
        path: tuple[str | int, ...],
        secrets: set[str],
        budget: list[int],
        skip_top: frozenset[str],
    ) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise _alias_bomb()
        if isinstance(value, str):
            if not _looks_templated(value):
                return value
            try:
                text, used_env = self.render_string(value)
            except Exception as exc:  # Jinja's, or a runtime error in an expression: 1 / 0
                raise TemplateProblem(path, self._failure(exc)) from None
            if used_env:
                secrets.add(dotted(path))
            return text
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not path and key in skip_top:
                    out[key] = item
                elif _kept_as_is(item):  # most values: counted and kept without a call per value
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise _alias_bomb()
                    out[key] = item
                else:
                    out[key] = self._walk(item, (*path, key), secrets, budget, skip_top)
            return out
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                if _kept_as_is(item):
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise _alias_bomb()
                    items.append(item)
                else:
                    items.append(self._walk(item, (*path, index), secrets, budget, skip_top))
            return items
        return value


def _kept_as_is(value: Any) -> bool:
    """A value :meth:`Renderer._walk` returns as it is: not a container, not a template."""
    if isinstance(value, str):
        return not ("{{" in value or "{%" in value)
    return not isinstance(value, (dict, list))


def dotted(path: tuple[str | int, ...] | list[str | int]) -> str:
    """``("hours", 0, "time_from")`` → ``hours[0].time_from``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out
