"""The sandbox a template runs in: Jinja2's immutable sandbox with a size and a time budget.

A template is code from a file, possibly from a pull request, so it must neither fill memory
(``{{ 'a'.ljust(10**9) }}``) nor run until it is killed (loops in loops). Two budgets, per
rendered value:

* **size**: no value a template builds may be longer than :data:`MAX_RENDERED_CHARS`. Where the
  size of a result can be foreseen it is checked *before* the result is built: ``*`` and ``**``,
  ``%`` and ``str.format`` widths, ``ljust``/``center``/``zfill``/``expandtabs``, ``replace``,
  ``join``, ``translate``, and the filters that multiply (``indent``, ``wordwrap``,
  ``center``, ``format``, ``replace``, ``join``). Everything else is checked right after it is
  built: the result of every call and filter, ``+`` and ``~``, every printed value and the
  output stream. So no intermediate value gets past a small multiple of the budget.
* **time**: every call, filter, operator, printed value and loop iteration checks a deadline
  of :data:`TIME_BUDGET_SECONDS` from the start of the value's rendering.

The *weight* of a value (:func:`weight`) is about the length of its text: a string its length, a
list its items' weights plus separators, computed with an early exit.
"""

from __future__ import annotations

import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import update_wrapper
from string import Formatter
from typing import Any, cast

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import Context
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
)
from jinja2.utils import Namespace
from markupsafe import Markup

MAX_RENDERED_CHARS = 100_000
"""A template value, or any value a template builds on the way, longer than this is refused."""
TIME_BUDGET_SECONDS = 1.0
"""Rendering one value may take this long; a longer one is stopped as too slow."""
MAX_EXPONENT = 1000
_MAX_INT_BITS = MAX_RENDERED_CHARS * 10 // 3
"""An integer of more than :data:`MAX_RENDERED_CHARS` digits has about this many bits."""


class BudgetExceeded(TemplateError):
    """A template wanted more than its budget; the message names the budget, never a value."""


class TemplateTooLarge(BudgetExceeded):
    pass


class TemplateTooSlow(BudgetExceeded):
    pass


class EnvMissing(TemplateError):
    """``env("NAME")`` of a variable that is not set (and has no default)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"environment variable {name} is not set: export it (in CI, from the secret store)"
        )


class MappingUndefined(StrictUndefined):
    """Names a mapping (the template's ``vars``) as the dict it stands for, so messages read
    ``'dict object' has no attribute 'x'`` as they did before ``vars`` noticed reads; for a
    dict that is Jinja's own message."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if isinstance(self._undefined_obj, Mapping) and self._undefined_hint is None:
            name = self._undefined_name
            if isinstance(name, str):
                return f"'dict object' has no attribute {name!r}"
            return f"dict object has no element {name!r}"
        return str(super()._undefined_message)


def weight(value: Any, limit: int = MAX_RENDERED_CHARS) -> int:
    """About the length of ``value`` as text; stops counting once past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() * 3 // 10 + 1
        elif isinstance(item, dict):
            total += 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 * len(item)
            stack.extend(item)
        elif isinstance(item, range | Mapping):  # a foreign mapping (vars) is not read here
            total += len(item)
        elif isinstance(item, Namespace):
            stack.append(dict(getattr(item, "_Namespace__attrs", {})))
        else:
            total += 24
    return total


def refuse_above(size: int, what: str) -> None:
    if size > MAX_RENDERED_CHARS:
        raise TemplateTooLarge(
            f"template result too large: {what} would make about {size:,} characters, more "
            f"than the {MAX_RENDERED_CHARS:,} a template value may have: build a shorter value"
        )


def _refuse_large_ints(args: Iterable[Any], what: str) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool):
            refuse_above(abs(value), what)


def _replaced_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    kind = str if isinstance(text, str) else bytes if isinstance(text, bytes) else None
    if kind is None or not (isinstance(old, kind) and isinstance(new, kind)):
        return 0  # the method itself says what is wrong
    found = int(text.count(old)) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _method_size(name: str, owner: Any, args: tuple[Any, ...]) -> tuple[int, tuple[Any, ...]]:
    """The foreseeable size of ``owner.name(*args)``, and the arguments to call it with."""
    if name == "join" and args:
        items = list(args[0])  # a generator is read once: hand the list on
        return weight(items) + len(owner) * max(len(items) - 1, 0), (items, *args[1:])
    if name == "replace" and len(args) >= 2:
        return _replaced_size(owner, *args[:3]), args
    if name == "expandtabs":
        size = args[0] if args and isinstance(args[0], int) else 8
        tab: Any = "\t" if isinstance(owner, str) else b"\t"
        return len(owner) + int(owner.count(tab)) * size, args
    if name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((weight(v) for v in args[0].values()), default=1)
        return len(owner) * max(longest, 1), args
    return 0, args


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")


def percent_size(template: Any, values: Any) -> int:
    """The most ``template % values`` can make; ``*`` widths (taken from values) are refused."""
    if not isinstance(template, str | bytes):
        return 0
    text = template if isinstance(template, str) else template.decode("latin-1")
    specs = _PERCENT_SPEC.findall(text)
    if any("*" in (width, precision) for width, precision in specs):
        raise TemplateTooLarge("template '%' formatting: '*' widths are not allowed")
    widths = sum(int(n or 0) for spec in specs for n in spec)
    return len(text) + len(specs) * weight(values) + widths


class _SizedFields(Formatter):
    """``str.format`` that refuses a wide field before it is built, and a long result."""

    _size = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        for number in re.findall(r"\d+", format_spec):
            refuse_above(int(number), "a str.format width")
        text = super().format_field(value, format_spec)
        self._size += weight(text)
        refuse_above(self._size, "str.format")
        return text


class _BoundedFormatter(_SizedFields, SandboxedFormatter):
    pass


class _BoundedEscapeFormatter(_SizedFields, SandboxedEscapeFormatter):
    pass


class _BoundedCodeGenerator(CodeGenerator):
    """Routes loops and ``~`` through the environment, which checks the budgets."""

    _paced: set[int] | None = None

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if self._paced is None:
            self._paced = set()
        self._paced.add(id(node.iter))
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        """A loop's iterable is written as ``environment.paced(iterable)``."""
        if self._paced and id(node) in self._paced:
            self._paced.discard(id(node))
            self.write("environment.paced(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.joined((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")


_WIDTH_FILTERS = frozenset({"batch", "center", "indent", "pprint", "slice", "tojson", "wordwrap"})
"""Filters whose integer arguments are widths or counts: one past the budget is refused."""


def _filter_size(name: str, value: Any, params: list[Any], kwargs: dict[str, Any]) -> int:
    """The foreseeable size of a filter's result (0 where the result check is enough)."""
    if name == "indent" and isinstance(value, str):
        width = params[0] if params else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        return len(value) + (value.count("\n") + 1) * width
    if name == "wordwrap" and isinstance(value, str):
        width = params[0] if params else kwargs.get("width", 79)
        wrap = params[2] if len(params) > 2 else kwargs.get("wrapstring") or "\n"
        lines = len(value) // max(width if isinstance(width, int) else 1, 1) + value.count("\n")
        return len(value) + (lines + 1) * weight(wrap)
    if name == "replace" and len(params) >= 2:
        return _replaced_size(value, *params[:3])
    if name == "format":
        return percent_size(value, kwargs or tuple(params))
    return 0


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with :data:`MAX_RENDERED_CHARS` and :data:`TIME_BUDGET_SECONDS`."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._deadline = float("inf")
        self.globals["lipsum"] = _bounded_lipsum(cast(Callable[..., str], self.globals["lipsum"]))
        self.filters = {name: self._bounded_filter(name, f) for name, f in self.filters.items()}
        self.finalize = self._finalized

    def render(self, template: Any, **context: Any) -> str:
        """Render with a fresh deadline, refusing output past the size budget as it streams."""
        self._deadline = time.monotonic() + TIME_BUDGET_SECONDS
        parts, size = [], 0
        try:
            for chunk in template.generate(**context):
                size += len(chunk)
                refuse_above(size, "the output")
                parts.append(chunk)
        finally:
            self._deadline = float("inf")  # compiling the next template is not on the clock
        return "".join(parts)

    def tick(self) -> None:
        if time.monotonic() > self._deadline:
            raise TemplateTooSlow(
                f"template too slow: stopped after {TIME_BUDGET_SECONDS:g} s (a loop too "
                "long, or loops in loops?): render less in one value"
            )

    def paced(self, iterable: Iterable[Any]) -> Iterator[Any]:
        self.tick()
        for count, item in enumerate(iterable):
            if not count & 63:
                self.tick()
            yield item

    def joined(self, parts: tuple[Any, ...]) -> str:
        """``a ~ b``: sized before the parts are turned into text."""
        self.tick()
        refuse_above(sum(weight(part) for part in parts), "'~'")
        return "".join(map(str, parts))

    def _finalized(self, value: Any) -> Any:
        self.tick()
        refuse_above(weight(value), "a printed value")
        return value

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        result = super().call(context, obj, *args, **kwargs)
        refuse_above(weight(result), "a call")
        return result

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "%":
            refuse_above(percent_size(left, right), "'%' formatting")
        result = super().call_binop(context, operator, left, right)
        if operator == "+":
            refuse_above(weight(result), "'+'")
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., Any] | None:
        """Bounded stand-ins for the methods of strings, bytes and numbers (at attribute access,
        as Jinja does for ``str.format``, so that no path calls the unbounded method)."""
        if not isinstance(value, types.BuiltinMethodType):
            return None
        owner = value.__self__
        if not self.is_safe_attribute(owner, value.__name__, value):
            return None  # refused by the sandbox as before: the stand-in must not bypass it
        if isinstance(owner, str) and value.__name__ in ("format", "format_map"):
            return self._bounded_format(value)
        if isinstance(owner, str | bytes | int | float):
            return self._bounded_method(value)
        return None

    def _bounded_method(self, method: Callable[..., Any]) -> Callable[..., Any]:
        name, owner = method.__name__, getattr(method, "__self__", None)

        def bounded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            _refuse_large_ints((*args, *kwargs.values()), f"an argument of {name}()")
            size, args = _method_size(name, owner, args)
            refuse_above(size, f"{name}()")
            result = method(*args, **kwargs)
            refuse_above(weight(result), f"{name}()")
            return result

        return update_wrapper(bounded, method)

    def _bounded_format(self, method: Callable[..., Any]) -> Callable[..., str]:
        owner: str = getattr(method, "__self__", "")
        as_map = method.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            self.tick()
            if as_map and (kwargs or len(args) != 1):
                raise TypeError("format_map() takes exactly one argument")
            positional, named = ((), args[0]) if as_map else (args, kwargs)
            formatter: SandboxedFormatter = (
                _BoundedEscapeFormatter(self, escape=owner.escape)
                if isinstance(owner, Markup)
                else _BoundedFormatter(self)
            )
            refuse_above(len(owner), "str.format")
            return type(owner)(formatter.vformat(owner, positional, named))

        return update_wrapper(bounded, method)

    def _bounded_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

        def bounded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            value, params = args[skip] if len(args) > skip else None, list(args[skip + 1 :])
            refuse_above(weight(value), f"the value given to the {name} filter")
            if name in _WIDTH_FILTERS:
                _refuse_large_ints((*params, *kwargs.values()), f"an argument of {name}")
            if name == "join" and value is not None:
                value = list(value)  # a generator is read once: hand the list on
                separator = params[0] if params else kwargs.get("d", "")
                size = weight(value) + weight(separator) * max(len(value) - 1, 0)
                args = (*args[:skip], value, *args[skip + 1 :])
            else:
                size = _filter_size(name, value, params, kwargs)
            refuse_above(size, f"the {name} filter")
            result = function(*args, **kwargs)
            refuse_above(weight(result), f"the {name} filter")
            return result

        return update_wrapper(bounded, function)


def _bounded_lipsum(lipsum: Callable[..., str]) -> Callable[..., str]:
    """Filler text, at most a budget's worth (it loops inside, where no deadline reaches)."""

    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        if isinstance(n, int) and isinstance(max, int):
            refuse_above(n * max * 12, "lipsum()")
        return lipsum(n, html, min, max)

    return update_wrapper(bounded, lipsum)


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(exponent, int) and abs(exponent) > MAX_EXPONENT:
        raise TemplateTooLarge("exponent too large in a template")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        refuse_above(base.bit_length() * exponent * 3 // 10, "'**'")


def _check_product(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        bits = left.bit_length() + right.bit_length()
        refuse_above(bits * 3 // 10 if bits > _MAX_INT_BITS else 0, "'*'")
        return
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(count, int):
            refuse_above(weight(sequence) * count, "'*'")
