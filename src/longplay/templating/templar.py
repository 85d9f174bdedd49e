"""Jinja2 with Ansible's semantics.

* A string that is exactly one ``{{ expression }}`` evaluates to the
  expression's native value (a list stays a list, an int an int); anything
  else renders to a string.
* Conditions (``when``, ``until``, ``failed_when``, ``changed_when``,
  assert's ``that``) are bare expressions.
* Variables are resolved lazily: a variable whose value is itself a template
  is rendered when (and only if) something reads it, so variables may refer
  to each other in any order.
* A missing variable or attribute is an :class:`UndefinedError` naming it;
  ``is defined`` and ``| default`` still work on it.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.nativetypes
import jinja2.nodes
import jinja2.parser
from jinja2.runtime import Context

from longplay.errors import TemplateError, UndefinedError
from longplay.playbook.source import UnsafeText

_TEMPLATE_MARKERS = ("{{", "{%", "{#")

#: The value of ``omit``: an argument that templates to this is dropped.
OMIT = "__omit_place_holder__longplay"
BROKEN_CONDITIONAL_HELP = (
    "Broken conditionals can be temporarily allowed with the `ALLOW_BROKEN_CONDITIONALS` "
    "configuration option."
)
#: ansible-core's words for ``omit`` where a value is needed (a condition)
OMIT_REFUSED = "A template was resolved to an Omit scalar."
OMIT_REFUSED_HELP = (
    "Callers must be prepared to handle this value. "
    "This is most likely a bug in the code requesting templating."
)


class StrictUndefined(jinja2.ChainableUndefined, jinja2.StrictUndefined):
    """Undefined that allows ``is defined``, ``default`` and chained lookups
    (``a.b.c | default(1)``), and fails loudly, naming the variable, on any
    other use."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        raise UndefinedError(self.describe())

    def describe(self) -> str:
        if self._undefined_hint:
            return str(self._undefined_hint)
        if self._undefined_obj is jinja2.utils.missing:
            return f"'{self._undefined_name}' is undefined"
        missing = getattr(self._undefined_obj, "describe_missing", None)
        if callable(missing):
            return str(missing(self._undefined_name))
        return (
            f"object of type '{type(self._undefined_obj).__name__}' has no attribute "
            f"'{self._undefined_name}'"
        )


# Jinja binds its own failing function to these at class creation; point
# them at ours so every misuse raises our error, naming the variable.
for _name in (
    "__str__",
    "__iter__",
    "__len__",
    "__eq__",
    "__ne__",
    "__bool__",
    "__hash__",
    "__contains__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__div__",
    "__rdiv__",
    "__truediv__",
    "__rtruediv__",
    "__floordiv__",
    "__rfloordiv__",
    "__mod__",
    "__rmod__",
    "__pos__",
    "__neg__",
    "__call__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__int__",
    "__float__",
    "__complex__",
    "__pow__",
    "__rpow__",
):
    setattr(StrictUndefined, _name, StrictUndefined._fail_with_undefined_error)


def _concat(values: Iterator[Any]) -> Any:
    """One output node keeps its native value; several render to a string."""
    head = list(values)
    if not head:
        return ""
    if len(head) == 1:
        return head[0]
    # None inside text renders as nothing ("a{{ none }}b" is "ab"), as in ansible-core
    return "".join("" if v is None else str(v) for v in head)


class LongplayEnvironment(jinja2.nativetypes.NativeEnvironment):
    concat = staticmethod(_concat)  # type: ignore[assignment]

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Ansible lets ``result.key`` read dict keys before attributes, so
        # ``result.items`` is the registered "items" key, not dict.items.
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def _make_environment() -> LongplayEnvironment:
    from longplay.templating import filters, lookups, tests

    env = LongplayEnvironment(
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
    )
    env.filters.update(filters.FILTERS)
    env.tests.update(tests.TESTS)
    env.globals.update(lookups.GLOBALS)
    env.globals["omit"] = OMIT
    return env


@lru_cache(maxsize=1)
def environment() -> LongplayEnvironment:
    return _make_environment()


_RESULT = "__longplay_result"
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def _escape_backslashes(source: str, env: jinja2.Environment) -> str:
    """Keep backslashes in string literals inside ``{{ }}`` literal, as Ansible
    does, so ``regex_replace('(\\d+)', '\\1')`` means what the YAML says."""
    if "\\" not in source:
        return source
    pieces: list[str] = []
    in_expression = False
    for _, token, value in env.lex(source):
        if token == "variable_begin":
            in_expression = True
        elif token == "variable_end":
            in_expression = False
        elif in_expression and token == "string":
            value = value.replace("\\", "\\\\")
        pieces.append(value)
    return "".join(pieces)


def _lone_expression(tree: jinja2.nodes.Template) -> jinja2.nodes.Expr | None:
    """The expression of a template that is exactly one ``{{ ... }}``, else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], jinja2.nodes.Output):
        return None
    nodes = tree.body[0].nodes
    if len(nodes) != 1 or isinstance(nodes[0], jinja2.nodes.TemplateData):
        return None
    return nodes[0]


@lru_cache(maxsize=4096)
def _compile(source: str, bare: bool = False) -> tuple[jinja2.Template, bool]:
    """Compile a template; a lone ``{{ expr }}`` becomes an assignment so its
    value comes back native (output nodes would fold constants to text).
    ``bare`` marks a condition's bare expression wrapped in braces: its string
    literals keep Jinja's escapes and errors call it an "expression".
    Returns (template, is_expression)."""
    env = environment()
    try:
        tree = env.parse(source if bare else _escape_backslashes(source, env))
        expression = _lone_expression(tree)
        if expression is not None:
            body = [jinja2.nodes.Assign(jinja2.nodes.Name(_RESULT, "store"), expression, lineno=1)]
            return env.from_string(jinja2.nodes.Template(body, lineno=1)), True
        return env.from_string(tree), False
    except jinja2.TemplateSyntaxError as exc:
        # ansible-core's wording; a bare expression (a condition) is an "expression"
        if bare:
            raise _expression_syntax_error(source[3:-3], env) or TemplateError(
                f"Syntax error in expression: {exc.message}"
            )
        raise TemplateError(f"Syntax error in template: {exc.message}")


def _expression_syntax_error(
    expression: str, env: jinja2.Environment | None = None
) -> TemplateError | None:
    """Why ``expression`` does not parse, as ansible-core says it: Jinja's words for the
    expression compiled alone (not inside braces), and when it holds template
    delimiters, that expressions do not take them. None when it parses."""
    try:
        (env or environment()).compile_expression(expression)
    except jinja2.TemplateSyntaxError as exc:
        if is_template(expression):
            return TemplateError(
                "Syntax error in expression. Template delimiters are not supported in "
                f"expressions: {exc.message}"
            )
        return TemplateError(f"Syntax error in expression: {exc.message}")
    return None


#: ansible-core 2.19's words for a condition written as a whole template (it still works)
TEMPLATED_CONDITION = (
    "Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. "
    "This feature will be removed from ansible-core version 2.23."
)


def deprecated_condition(condition: Any) -> str | None:
    """The deprecation ansible-core reports for ``condition``, if any: one written all
    as a template (``when: "{{ x == 1 }}"``) is rendered, then evaluated, as it says."""
    if isinstance(condition, str) and _all_template(condition.strip()):
        return TEMPLATED_CONDITION
    return None


def _all_template(text: str) -> bool:
    """Whether a condition is written all as a template (it starts with ``{{``, ``{%`` or
    ``{#`` and ends with ``}}``, ``%}`` or ``#}``): ansible-core renders it first; any
    other condition is an expression."""
    return text.startswith(("{{", "{%", "{#")) and text.endswith(("}}", "%}", "#}"))


def _finalize(value: Any) -> Any:
    """Reject undefined values hidden in a result; turn views and iterators into lists."""
    if isinstance(value, (KeysView, ValuesView, ItemsView, Iterator, range)):
        value = list(value)
    _check_defined(value)
    return value


def _check_defined(value: Any) -> None:
    if isinstance(value, jinja2.Undefined):
        if isinstance(value, StrictUndefined):
            raise UndefinedError(value.describe())
        raise UndefinedError("undefined value")
    if isinstance(value, dict):
        for item in value.values():
            if not isinstance(item, (str, int, float, bool)) and item is not None:
                _check_defined(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, (str, int, float, bool)) and item is not None:
                _check_defined(item)


def is_template(value: Any) -> bool:
    return (
        isinstance(value, str)
        and not isinstance(value, UnsafeText)
        and any(marker in value for marker in _TEMPLATE_MARKERS)
    )


class Variables(Mapping[str, Any]):
    """A lazy view of a host's variables for one template evaluation.

    ``raw`` holds values as written; names in ``literal`` hold data (registered
    results, facts) that must never be templated again.
    """

    def __init__(
        self, raw: Mapping[str, Any], literal: frozenset[str] | set[str] = frozenset()
    ) -> None:
        self.raw = raw
        self.literal = literal
        self._resolved: dict[str, Any] = {}
        self._resolving: set[str] = set()
        self.templar = Templar(self)

    #: the type ansible-core names when an attribute is missing (``vars.nope``)
    type_name = "dict"

    def describe_missing(self, name: str) -> str:
        return f"object of type '{self.type_name}' has no attribute '{name}'"

    def __getitem__(self, name: str) -> Any:
        if name in self._resolved:
            return self._resolved[name]
        try:
            value = self.raw[name]
        except KeyError:
            globals_ = environment().globals
            if name in globals_:
                return globals_[name]
            if name == "vars":  # every variable, as ansible-core's ``vars``
                return self
            raise
        if name not in self.literal:
            if name in self._resolving:
                raise TemplateError(f"recursive loop detected in template for variable '{name}'")
            self._resolving.add(name)
            try:
                value = self.templar.template(value)
            finally:
                self._resolving.discard(name)
        self._resolved[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return name in self.raw or name in environment().globals or name == "vars"

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def child(self, extra: Mapping[str, Any]) -> Variables:
        """A view with ``extra`` (already-resolved values, e.g. loop items) on top."""
        merged = dict(self.raw)
        merged.update(extra)
        return Variables(merged, frozenset(self.literal) | frozenset(extra))


class Templar:
    """Renders values against a :class:`Variables` view."""

    def __init__(self, variables: Variables) -> None:
        self.variables = variables

    def template(self, value: Any) -> Any:
        """Render ``value`` (recursing into lists and dicts) to native values."""
        if isinstance(value, str):
            return self._template_string(value) if is_template(value) else value
        if isinstance(value, Mapping):
            return {self.template(k): self.template(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.template(item) for item in value]
        return value

    def _render(self, source: str, bare: bool = False) -> Any:
        template, is_expression = _compile(source, bare)
        context: Context = template.new_context(self.variables, shared=True)  # type: ignore[arg-type]
        try:
            if is_expression:
                for _ in template.root_render_func(context):
                    pass
                result = context.vars[_RESULT]
            else:
                result = environment().concat(template.root_render_func(context))
        except UndefinedError:
            raise
        except jinja2.UndefinedError as exc:
            raise UndefinedError(str(exc.message))
        except TemplateError:
            raise
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{type(exc).__name__}: {exc}")
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AttributeError,
            ZeroDivisionError,
            OverflowError,
        ) as exc:
            what = "expression" if bare else "template"
            raise TemplateError(f"Error rendering {what}: {exc}")
        return _finalize(result)

    def template_marking_errors(self, source: str) -> tuple[str, list[str]]:
        """Render text (a task's name), each failing ``{{ }}`` replaced by
        ``<< error N - message >>`` as ansible-core does; also the messages."""
        try:
            return str(self.template(source)), []
        except TemplateError:
            pass
        errors: list[str] = []

        def piece(match: re.Match[str]) -> str:
            try:
                return str(self._render(match.group(0)))
            except TemplateError as exc:
                errors.append(exc.message)
                return f"<< error {len(errors)} - {exc.message} >>"

        return _EXPRESSION.sub(piece, source), errors

    def _template_string(self, source: str) -> Any:
        return self._render(source)

    def evaluate(self, expression: str) -> Any:
        """The native value of a bare expression (no braces).

        Unlike ``{{ }}`` templates, a bare expression's string literals keep
        Jinja's escapes (``"a\\n"`` is a newline), as in Ansible.
        """
        return self._render("{{ " + expression + " }}", bare=True)

    def condition(self, condition: Any, origin: Any = None) -> bool:
        """Evaluate one conditional the way Ansible does: its result must be a boolean
        (``origin``, where the condition is written, names it otherwise)."""
        if isinstance(condition, bool):
            return condition
        if condition is None:
            return False
        if isinstance(condition, (int, float)):
            return bool(condition)
        if isinstance(condition, (dict, list)):
            raise TemplateError(
                f"Conditional expressions must be strings, got {type(condition).__name__}: {condition!r}. "
                "Quote the expression in YAML (a ': ' inside it makes a mapping)."
            )
        text = str(condition).strip()
        if not text:
            return True
        if is_template(text):
            if not _all_template(text):
                error = _expression_syntax_error(text)
                if error is not None:
                    raise error
            value = self._render(text)
            _refuse_omit(value)
            if isinstance(value, str):
                if not value.strip():
                    return False
                # the rendered text is evaluated in turn: "True" is true, "yes" a variable
                value = self.evaluate(value)
        else:
            value = self.evaluate(text)
        _refuse_omit(value)
        if not isinstance(value, bool):
            where = str(origin) if origin is not None else "<unknown>"
            raise TemplateError(
                f"Conditional result ({bool(value)}) was derived from value of type "
                f"'{type(value).__name__}' at {where!r}. Conditionals must have a boolean result.",
                example=BROKEN_CONDITIONAL_HELP,
            )
        return value

    def all_conditions(self, conditions: list[Any], origin: Any = None) -> bool:
        return all(self.condition(c, origin) for c in conditions)


def _refuse_omit(value: Any) -> None:
    """A condition that comes to ``omit`` has no value to test."""
    if isinstance(value, str) and value == OMIT:
        raise TemplateError(OMIT_REFUSED, example=OMIT_REFUSED_HELP)


def template_value(
    value: Any, variables: Mapping[str, Any], literal: frozenset[str] = frozenset()
) -> Any:
    """Convenience: template ``value`` against a plain mapping of variables."""
    return Variables(variables, literal).templar.template(value)
