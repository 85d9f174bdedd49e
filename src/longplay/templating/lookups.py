"""Lookups (``lookup('file', ...)``, ``with_items``) and template globals.

A lookup plugin here is a function ``(terms, variables, **options) -> list``.
Templates reach them through the ``lookup``/``query``/``q`` globals, which
find the current :class:`Variables` through Jinja's context; the executor
calls :func:`run_lookup` for ``with_<name>:`` loops. Relative paths (file,
fileglob, first_found, template) are searched the way Ansible searches them:
in the role, then in the playbook directory, each time first in the
``files/`` (or ``templates/``) subdirectory, then in the directory itself.
"""

from __future__ import annotations

import copy
import datetime
import glob
import inspect
import itertools
import logging
import os
import random
import re
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2
from jinja2.runtime import Context

from longplay.errors import TemplateError, UndefinedError
from longplay.templating.filters import fail_if_undefined, type_debug
from longplay.templating.templar import StrictUndefined, Variables, environment

log = logging.getLogger(__name__)

LookupPlugin = Callable[..., list[Any]]

_MISSING: Any = object()


# --------------------------------------------------------------------------
# Helpers: variables and the search path
# --------------------------------------------------------------------------


def _var(variables: Mapping[str, Any], name: str, default: Any = None) -> Any:
    try:
        return variables[name]
    except KeyError:
        return default


def search_bases(variables: Mapping[str, Any]) -> list[str]:
    """Directories relative lookup paths are resolved against, in order:
    ``ansible_search_path`` when set, else the role then the playbook dir."""
    configured = _var(variables, "ansible_search_path")
    if isinstance(configured, list) and configured:
        return [str(path) for path in configured]
    bases = [str(v) for v in (_var(variables, "role_path"), _var(variables, "playbook_dir")) if v]
    return bases or [os.getcwd()]


def find_file(variables: Mapping[str, Any], subdir: str, name: str) -> str | None:
    """The first existing ``base/subdir/name`` or ``base/name``; None if none."""
    name = os.path.expanduser(name)
    if os.path.isabs(name):
        return name if os.path.exists(name) else None
    for base in search_bases(variables):
        for candidate in (os.path.join(base, subdir, name), os.path.join(base, name)):
            if os.path.exists(candidate):
                return candidate
    return None


def _flatten_once(terms: Sequence[Any]) -> list[Any]:
    """What Ansible's ``items`` does: splice lists one level deep."""
    flat: list[Any] = []
    for term in terms:
        if isinstance(term, (list, tuple)):
            flat.extend(term)
        else:
            flat.append(term)
    return flat


def _is_list_like(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _run_command(kind: str, command: str, variables: Mapping[str, Any]) -> str:
    """Run a shell command on the controller in the playbook directory."""
    cwd = _var(variables, "playbook_dir")
    done = subprocess.run(
        command,
        shell=True,
        cwd=cwd if cwd and os.path.isdir(str(cwd)) else None,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        detail = f": {stderr}" if stderr else ""
        raise TemplateError(f"lookup_plugin.{kind}({command}) returned {done.returncode}{detail}")
    return done.stdout.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------
# Plugins: files and the environment
# --------------------------------------------------------------------------


def lookup_file(
    terms: list[Any], variables: Variables, lstrip: bool = False, rstrip: bool = True
) -> list[Any]:
    """The contents of controller files (trailing whitespace stripped by default)."""
    contents = []
    for term in terms:
        path = find_file(variables, "files", str(term))
        if path is None or not os.path.isfile(path):
            raise TemplateError(
                f"Unable to access the file '{term}': File not found. "
                "Use -vvvvv to see paths searched."
            )
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        if lstrip:
            text = text.lstrip()
        if rstrip:
            text = text.rstrip()
        contents.append(text)
    return contents


def lookup_fileglob(terms: list[Any], variables: Variables) -> list[Any]:
    """Controller files matching each glob; a relative pattern is tried in each
    search directory's ``files/`` and the directory itself, first hit wins."""
    found: list[Any] = []
    for term in terms:
        pattern = os.path.expanduser(str(term))
        directory, base = os.path.split(pattern)
        if os.path.isabs(pattern):
            candidates = [directory]
        elif directory:
            located = find_file(variables, "files", directory)
            candidates = [located] if located else []
        else:
            bases = search_bases(variables)
            candidates = [p for b in bases for p in (os.path.join(b, "files"), b)]
        for candidate in candidates:
            matches = glob.glob(os.path.join(candidate, base))
            # in directory order, unsorted, as ansible-core lists them
            files = [m for m in matches if os.path.isfile(m)]
            if files:
                found.extend(files)
                break
    return found


def _split_names(value: Any, separators: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(f"[{re.escape(separators)}]", value) if part]
    names: list[str] = []
    for item in value:
        names.extend(_split_names(item, separators))
    return names


def _first_found_candidates(
    terms: Sequence[Any], default_paths: Any, skip: bool
) -> tuple[list[str], bool]:
    candidates: list[str] = []
    for term in terms:
        if isinstance(term, Mapping):
            names = _split_names(term.get("files", term.get("file")), ",;")
            dirs = _split_names(term.get("paths", term.get("path", default_paths)), ",:;")
            skip = bool(term.get("skip", skip))
        elif isinstance(term, str):
            names, dirs = _split_names(term, ",;"), _split_names(default_paths, ",:;")
        elif _is_list_like(term):
            nested, skip = _first_found_candidates(term, default_paths, skip)
            candidates.extend(nested)
            continue
        else:
            raise TemplateError(
                "Invalid term supplied, can handle string, mapping or list of strings "
                f"but got: {type_debug(term)} for {term}"
            )
        if dirs:
            candidates.extend(os.path.join(d, n) for d in dirs for n in names)
        else:
            candidates.extend(names)
    return candidates, skip


def lookup_first_found(
    terms: list[Any],
    variables: Variables,
    files: Any = None,
    paths: Any = None,
    skip: bool = False,
) -> list[Any]:
    """The path of the first file that exists among the candidates.

    Terms are file names, lists of them, or ``{files, paths, skip}`` dicts;
    every name is tried in each of ``paths`` (or on the search path)."""
    if not terms:
        terms = [{"files": files or [], "paths": paths or [], "skip": skip}]
    candidates, skip = _first_found_candidates(terms, paths, bool(skip))
    for candidate in candidates:
        path = find_file(variables, "files", candidate)
        if path is not None:
            return [path]
    if skip:
        return []
    raise TemplateError("No file was found when using first_found.")


def _render_file(path: str, variables: Variables) -> str:
    """Render a template file to text with the current variables."""
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    try:
        template = environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template error while templating file {path}: {exc.message}")
    context = template.new_context(variables, shared=True)  # type: ignore[arg-type]
    return "".join(str(part) for part in template.root_render_func(context))


def lookup_template(
    terms: list[Any],
    variables: Variables,
    template_vars: Mapping[str, Any] | None = None,
    convert_data: bool = True,
) -> list[Any]:
    """Render template files (searched in ``templates/``) to strings.

    ``template_vars`` adds variables for the rendering; ``convert_data`` is
    accepted for compatibility and has no effect (results are text)."""
    rendered = []
    for term in terms:
        path = find_file(variables, "templates", str(term))
        if path is None or not os.path.isfile(path):
            raise TemplateError(f"the template file {term} could not be found for the lookup")
        extra = {"template_path": str(term), "template_fullpath": os.path.abspath(path)}
        extra.update(template_vars or {})
        rendered.append(_render_file(path, variables.child(extra)))
    return rendered


def lookup_env(terms: list[Any], variables: Variables, default: Any = "") -> list[Any]:
    """Controller environment variables; unset ones give ``default`` (an
    ``undef()`` default makes an unset variable an error)."""
    values = []
    for term in terms:
        value = os.environ.get(str(term))
        if value is None:
            if isinstance(default, jinja2.Undefined):
                raise UndefinedError(f"The environment variable '{term}' is not set.")
            value = default
        values.append(value)
    return values


def lookup_pipe(terms: list[Any], variables: Variables) -> list[Any]:
    """Each command's standard output, trailing whitespace stripped."""
    return [_run_command("pipe", str(term), variables).rstrip() for term in terms]


def lookup_lines(terms: list[Any], variables: Variables) -> list[Any]:
    """Each line of each command's standard output."""
    lines: list[Any] = []
    for term in terms:
        lines.extend(_run_command("lines", str(term), variables).splitlines())
    return lines


# --------------------------------------------------------------------------
# Plugins: variables
# --------------------------------------------------------------------------


def lookup_vars(terms: list[Any], variables: Variables, default: Any = _MISSING) -> list[Any]:
    """Variables by (possibly computed) name, templated."""
    values = []
    for term in terms:
        if not isinstance(term, str):
            raise TemplateError(f"Variable name must be 'str' not '{type_debug(term)}'.")
        try:
            values.append(variables[term])
        except KeyError:
            if default is _MISSING:
                raise UndefinedError(f"No variable named '{term}' was found.")
            values.append(default)
    return values


def lookup_varnames(terms: list[Any], variables: Variables) -> list[Any]:
    """Names of the variables matching each regular expression."""
    names: list[Any] = []
    for term in terms:
        if not isinstance(term, str):
            raise TemplateError(
                f'Invalid setting identifier, "{term}" is not a string, it is a {type(term)}'
            )
        pattern = re.compile(term)
        names.extend(name for name in variables if pattern.search(name))
    return names


# --------------------------------------------------------------------------
# Plugins: shaping lists
# --------------------------------------------------------------------------


def lookup_items(terms: list[Any], variables: Variables) -> list[Any]:
    """The terms with nested lists spliced in one level (``with_items``)."""
    return _flatten_once(terms)


def lookup_list(terms: list[Any], variables: Variables) -> list[Any]:
    """The terms unchanged (``with_list``)."""
    return list(terms)


def lookup_dict(terms: list[Any], variables: Variables) -> list[Any]:
    """``{key, value}`` items of each dict (``with_dict``)."""
    items: list[Any] = []
    for term in terms:
        if not isinstance(term, Mapping):
            raise TemplateError(
                f"the 'dict' lookup plugin expects a dictionary, got '{term}' "
                f"of type {type_debug(term)}"
            )
        items.extend({"key": key, "value": value} for key, value in term.items())
    return items


def lookup_indexed_items(terms: list[Any], variables: Variables) -> list[Any]:
    """``[index, item]`` pairs over the items (``with_indexed_items``)."""
    return [[index, item] for index, item in enumerate(_flatten_once(terms))]


def lookup_together(terms: list[Any], variables: Variables) -> list[Any]:
    """The lists zipped, shorter ones padded with None (``with_together``)."""
    if not terms:
        raise TemplateError("with_together requires at least one element in each list")
    return [list(group) for group in itertools.zip_longest(*terms)]


def lookup_nested(terms: list[Any], variables: Variables) -> list[Any]:
    """Every combination of one item from each list (``with_nested``)."""
    if not terms:
        raise TemplateError("with_nested requires at least one element in the nested list")
    return [_flatten_once(group) for group in itertools.product(*terms)]


def lookup_random_choice(terms: list[Any], variables: Variables) -> list[Any]:
    """One of the terms, at random."""
    if not terms:
        return []
    return [random.SystemRandom().choice(terms)]


# --------------------------------------------------------------------------
# Plugins: sequence
# --------------------------------------------------------------------------

_SEQUENCE_SHORTCUT = re.compile(
    r"^(?:(?P<start>[0-9a-zA-Z]+)-)?(?P<end>[0-9a-zA-Z]+)"
    r"(?:/(?P<stride>[0-9a-zA-Z]+))?(?::(?P<format>.+))?$"
)
_SEQUENCE_KEYS = ("start", "end", "count", "stride", "format")


def _to_int(name: str, value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = str(value).strip()
    for base in (10, 0):
        try:
            return int(text, base)
        except ValueError:
            continue
    raise TemplateError(f"can't parse {name}={value} as integer")


def _parse_sequence_term(term: str) -> dict[str, Any]:
    """``'2-10/2:host%02d'`` or ``'start=2 end=10 stride=2 format=host%02d'``."""
    shortcut = _SEQUENCE_SHORTCUT.match(term.strip())
    if shortcut:
        return {k: v for k, v in shortcut.groupdict().items() if v is not None}
    params: dict[str, Any] = {}
    unknown = []
    for token in shlex.split(term):
        key, sep, value = token.partition("=")
        if not sep or key not in _SEQUENCE_KEYS:
            unknown.append(key if sep else token)
        else:
            params[key] = value
    if unknown:
        raise TemplateError(f"unrecognized arguments to with_sequence: {unknown}")
    return params


def _sequence(params: Mapping[str, Any]) -> list[str]:
    """Generate one sequence after Ansible's sanity checks."""
    start = _to_int("start", params.get("start", 1)) or 0
    end = _to_int("end", params.get("end"))
    count = _to_int("count", params.get("count"))
    stride = _to_int("stride", params.get("stride", 1)) or 0
    fmt = str(params.get("format", "%d"))
    if count is None and end is None:
        raise TemplateError("must specify count or end in with_sequence")
    if count is not None and end is not None:
        raise TemplateError("can't specify both count and end in with_sequence")
    if count is not None:
        if count == 0:
            return []
        end = start + count * stride - 1
    assert end is not None
    if stride == 0:
        return []
    if stride > 0 and end < start:
        raise TemplateError("to count backwards make stride negative")
    if stride < 0 and end > start:
        raise TemplateError("to count forward don't make stride negative")
    if fmt.count("%") != 1:
        raise TemplateError(f"bad formatting string: {fmt}")
    return [_format_number(fmt, n) for n in range(start, end + (1 if stride > 0 else -1), stride)]


def _format_number(fmt: str, number: int) -> str:
    try:
        return fmt % number
    except (ValueError, TypeError):
        raise TemplateError(f"problem formatting {fmt!r} with {number!r}")


def lookup_sequence(terms: list[Any], variables: Variables, **options: Any) -> list[Any]:
    """Numbers as formatted strings (``with_sequence: start=1 end=5 format=x%02d``).

    Keyword options (start, end, count, stride, format) are defaults for
    every term; with no terms they describe the one sequence."""
    unknown = sorted(set(options) - set(_SEQUENCE_KEYS))
    if unknown:
        raise TemplateError(f"unrecognized arguments to with_sequence: {unknown}")
    results: list[Any] = []
    for term in terms or [""]:
        params = dict(options)
        if str(term).strip():
            params.update(_parse_sequence_term(str(term)))
        results.extend(_sequence(params))
    return results


# --------------------------------------------------------------------------
# Plugins: subelements
# --------------------------------------------------------------------------


def _subelements_args(terms: list[Any]) -> tuple[list[Any], list[str], bool]:
    if len(terms) not in (2, 3):
        raise TemplateError("subelements lookup expects a list of two or three items")
    container, key = terms[0], terms[1]
    flags = terms[2] if len(terms) == 3 else {}
    if not isinstance(flags, Mapping) or set(flags) - {"skip_missing"}:
        raise TemplateError(
            f"the optional third item must be a dict with flags skip_missing, got {flags!r}"
        )
    if isinstance(container, Mapping):
        elements = list(container.values())
    elif _is_list_like(container):
        elements = list(container)
    else:
        raise TemplateError("subelements lookup expects a list or a dict as the first item")
    if not isinstance(key, str):
        raise TemplateError("subelements lookup expects a string as the second item")
    return elements, key.split("."), bool(flags.get("skip_missing", False))


def _take_subelement(item: dict, path: list[str], skip_missing: bool) -> list[Any] | None:
    """Remove and return the list at ``path`` inside ``item`` (a copy);
    None when it is missing and ``skip_missing``."""
    holder: Any = item
    for depth, key in enumerate(path):
        if not isinstance(holder, Mapping):
            raise TemplateError(
                f"the key {path[depth - 1]} should point to a dictionary, got '{holder}'"
            )
        if key not in holder:
            if skip_missing:
                return None
            raise TemplateError(f"could not find '{key}' key in iterated item '{holder}'")
        if depth < len(path) - 1:
            holder = holder[key]
    values = holder[path[-1]]
    if not isinstance(values, list):
        raise TemplateError(f"the key {path[-1]} should point to a list, got '{values}'")
    del holder[path[-1]]
    return values


def lookup_subelements(terms: list[Any], variables: Variables) -> list[Any]:
    """``[item, subitem]`` for each item's list at a (dotted) key.

    The item handed out is a copy without that key, as in Ansible; items
    marked ``skipped`` are left out."""
    elements, path, skip_missing = _subelements_args(terms)
    pairs: list[Any] = []
    for element in elements:
        if not isinstance(element, Mapping):
            raise TemplateError(f"subelements lookup expects a dictionary, got '{element}'")
        if element.get("skipped", False) is not False:
            continue
        item = copy.deepcopy(dict(element))
        values = _take_subelement(item, path, skip_missing)
        if values is not None:
            pairs.extend([item, value] for value in values)
    return pairs


# --------------------------------------------------------------------------
# Registry and entry points
# --------------------------------------------------------------------------

#: Lookup plugins by name.
LOOKUPS: dict[str, LookupPlugin] = {
    "file": lookup_file,
    "fileglob": lookup_fileglob,
    "first_found": lookup_first_found,
    "template": lookup_template,
    "env": lookup_env,
    "pipe": lookup_pipe,
    "lines": lookup_lines,
    "vars": lookup_vars,
    "varnames": lookup_varnames,
    "items": lookup_items,
    "list": lookup_list,
    "dict": lookup_dict,
    "indexed_items": lookup_indexed_items,
    "together": lookup_together,
    "nested": lookup_nested,
    "random_choice": lookup_random_choice,
    "sequence": lookup_sequence,
    "subelements": lookup_subelements,
}

_PREFIXES = ("ansible.builtin.", "ansible.legacy.")


def _plugin(name: str) -> LookupPlugin:
    short = str(name)
    for prefix in _PREFIXES:
        if short.startswith(prefix):
            short = short[len(prefix) :]
    try:
        return LOOKUPS[short]
    except KeyError:
        raise TemplateError(f"The lookup plugin '{name}' was not found.")


def has_lookup(name: str) -> bool:
    """Whether ``with_<name>`` names a known lookup."""
    try:
        _plugin(name)
    except TemplateError:
        return False
    return True


def _listify(terms: Any) -> list[Any]:
    if isinstance(terms, (list, tuple)):
        return list(terms)
    return [terms]


def run_lookup(name: str, terms: Any, variables: Variables, **kwargs: Any) -> list[Any]:
    """Run lookup ``name`` and return its list of results.

    ``terms`` are already templated; a single string or dict counts as one
    term (``with_sequence: start=1 end=3``, ``with_dict: {...}``). Any
    failure is a :class:`TemplateError` naming the lookup."""
    plugin = _plugin(name)
    terms = _listify(terms)
    try:
        inspect.signature(plugin).bind(terms, variables, **kwargs)
    except TypeError:
        raise TemplateError(
            f"The lookup plugin '{name}' does not accept the option(s) {', '.join(kwargs)}"
        )
    try:
        return list(plugin(terms, variables, **kwargs))
    except (UndefinedError, jinja2.UndefinedError):
        raise
    except TemplateError as exc:
        raise TemplateError(f"The lookup plugin '{name}' failed: {exc.message}")
    except Exception as exc:
        raise TemplateError(f"The lookup plugin '{name}' failed: {exc}")


def _variables_of(context: Context) -> Variables:
    """The Variables a template is being rendered with (the templar passes
    them as the context's parent); a plain mapping is wrapped."""
    if isinstance(context.parent, Variables):
        return context.parent
    return Variables(dict(context.get_all()))


def _join(results: list[Any]) -> Any:
    """What ``lookup()`` returns without ``wantlist``: strings comma-joined,
    a single non-string as itself, otherwise the list."""
    if not results:
        return results
    if all(isinstance(item, str) for item in results):
        return ",".join(results)
    if len(results) == 1:
        return results[0]
    return results


def _invoke(context: Context, name: str, terms: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a lookup for a template, applying ``errors=strict|warn|ignore``;
    returns the list, or None when an error is ignored."""
    errors = kwargs.pop("errors", "strict")
    for term in terms:
        fail_if_undefined(term)
    _plugin(name)
    try:
        return run_lookup(name, list(terms), _variables_of(context), **kwargs)
    except TemplateError as exc:
        if errors == "warn":
            log.warning("%s", exc.message)
            return None
        if errors == "ignore":
            return None
        raise


@jinja2.pass_context
def lookup(context: Context, name: str, *terms: Any, **kwargs: Any) -> Any:
    """``lookup('file', 'a.txt')``: a comma-joined string unless ``wantlist=True``."""
    wantlist = kwargs.pop("wantlist", False)
    results = _invoke(context, name, terms, kwargs)
    if results is None or wantlist:
        return results
    return _join(results)


@jinja2.pass_context
def query(context: Context, name: str, *terms: Any, **kwargs: Any) -> list[Any]:
    """``query('file', 'a.txt')``: always a list."""
    kwargs.pop("wantlist", None)
    results = _invoke(context, name, terms, kwargs)
    return [] if results is None else results


def now(utc: bool = False, fmt: str | None = None) -> Any:
    """The current time: a datetime (naive; UTC with ``utc=True``), or a
    string formatted with ``fmt``."""
    if utc:
        current = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    else:
        current = datetime.datetime.now()
    return current.strftime(fmt) if fmt else current


def undef(hint: str | None = None) -> StrictUndefined:
    """An undefined value with a message, for "must be overridden" defaults."""
    return StrictUndefined(hint=hint or "Mandatory variable has not been overridden")


def range_list(*args: int) -> list[int]:
    """``range()`` as a list, so ``{{ range(3) }}`` is ``[0, 1, 2]`` as in Ansible
    (a range object would otherwise be the template's native value)."""
    return list(range(*args))


#: Template globals (``omit`` comes from the templar).
GLOBALS: dict[str, Any] = {
    "range": range_list,
    "lookup": lookup,
    "query": query,
    "q": query,
    "now": now,
    "undef": undef,
}
