"""Jinja2 templates of a game, compiled and rendered in a sandbox with budgets.

Templates come from untrusted game files, so rendering is bounded in time and in the size of
every value it builds, not only of its output: Jinja's immutable sandbox blocks unsafe
attributes and mutation; the operators that can build huge values (``*``, ``**``, ``+``, ``%``
and ``~``) check the size of their result before building it; so do the filters and string
methods that take a width or a count (``format``, ``center``, ``join``, ``'{:>N}'.format``, ...);
numbers stay within 64 bits; every ``for`` loop draws on a per-render iteration budget; every
piece of output (captured by ``set`` and ``filter`` blocks too) draws on a character budget; and
macros, blocks, recursion, includes and imports are refused when the template is compiled.
Model text reaches a template only as a value in its context, never as template source.

Rendering itself is mostly done by :mod:`.templatefast`, which compiles the constructs the games
use into one Python function per template, through the same sandbox and budgets; whatever it does
not cover, or gives up on while rendering, Jinja renders (the same text, or the error).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Any, Callable, Iterable, Iterator

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, Undefined, nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.filters import FILTERS
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from .functions import ALL_FUNCTIONS, FUNCTIONS, MAX_ITEMS, MAX_TEXT, EvalError, text_weight

#: Loop iterations one rendering may perform, summed over all loops.
MAX_LOOP_ITERATIONS = 100_000
#: Characters one rendering may produce.
MAX_OUTPUT = MAX_TEXT
#: Characters one value built inside a template may have (a text, or a list once written out).
MAX_VALUE = MAX_TEXT
#: Characters one rendering may write in all, counting text captured by `set` and `filter` blocks.
MAX_RENDER_CHARS = 5 * MAX_OUTPUT
#: Whole numbers a template computes stay within 64 bits, like those of expressions.
MAX_INT = 2**63

_FORBIDDEN = {
    nodes.Macro: "macros", nodes.CallBlock: "call blocks", nodes.Extends: "extends",
    nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "import",
    nodes.Block: "blocks",  # a block can be called again and again through `self`
}

# [loop iterations left, output characters left] of the rendering in progress
_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("gamelang_template_budget")


class TemplateProblem(Exception):
    """A template that cannot be compiled; ``lineno`` is relative to the template text."""

    def __init__(self, message: str, lineno: int = 1) -> None:
        super().__init__(message)
        self.message, self.lineno = message, lineno


class RenderError(Exception):
    """A template failed while rendering (an undefined value, a budget exceeded, ...)."""


def _too_big(what: str) -> RenderError:
    return RenderError(f"{what} would build a value longer than {MAX_VALUE:,} characters")


def _check_weight(value: Any, what: str, limit: int = MAX_VALUE) -> None:
    """Refuse to write ``value`` out as text when its text would pass ``limit`` characters."""
    if text_weight(value, limit) > limit:
        raise _too_big(what)


def _check_int(value: Any) -> Any:
    if type(value) is int and not -MAX_INT < value < MAX_INT:
        raise RenderError("number too large: whole numbers in templates stay within 64 bits")
    return value


def _check_width(value: Any, what: str) -> None:
    """A width, count or padding argument: at most :data:`MAX_VALUE`."""
    if isinstance(value, int) and abs(value) > MAX_VALUE:
        raise _too_big(what)


def _percent_widths(fmt: str) -> tuple[int, int, bool]:
    """(conversions, sum of the widths and precisions, whether one is `*`) of a %-format string.

    A small scanner (linear in the format) over the conversion specifiers of printf-style
    formatting: ``%[(key)][flags][width][.precision][length]type``.
    """
    conversions, total, star, i, n = 0, 0, False, 0, len(fmt)
    while i < n:
        j = fmt.find("%", i)
        if j < 0 or j + 1 >= n:
            break
        i = j + 1
        if fmt[i] == "%":
            i += 1
            continue
        conversions += 1
        if fmt[i] == "(":
            close = fmt.find(")", i)
            i = n if close < 0 else close + 1
        while i < n and fmt[i] in "#0- +":
            i += 1
        for _part in range(2):  # the width, then the precision after a '.'
            if i < n and fmt[i] == "*":
                star, i = True, i + 1
            else:
                start = i
                while i < n and fmt[i].isdigit():
                    i += 1
                if i > start:
                    total += int(fmt[start:min(i, start + 12)])  # 12 digits already pass any limit
            if _part == 0 and i < n and fmt[i] == ".":
                i += 1
            else:
                break
    return conversions, total, star


def _percent(fmt: Any, args: Any) -> Any:
    """``fmt % args`` for text, after checking that the result stays small."""
    if isinstance(fmt, (str, bytes)):
        text = fmt if isinstance(fmt, str) else fmt.decode("latin-1")
        conversions, widths, star = _percent_widths(text)
        if star and any(isinstance(a, int) and abs(a) > MAX_VALUE for a in (args if isinstance(args, tuple) else ())):
            raise _too_big("a '*' width")
        if isinstance(args, dict):
            largest = max((text_weight(v, MAX_VALUE) for v in args.values()), default=0)
            filled = conversions * largest  # one key may be used by every conversion
        else:
            filled = text_weight(args, MAX_VALUE)
        if len(fmt) + widths + filled > MAX_VALUE:
            raise _too_big("%-formatting")
    return fmt % args


def _spec_too_wide(spec: str) -> bool:
    """Whether a format spec (``>10``, ``.3f``, ``0>{w}`` once filled) asks for more than MAX_VALUE."""
    digits = ""
    for ch in spec + " ":
        if ch.isdigit():
            digits += ch
            if len(digits) > 12:
                return True
            continue
        if digits and int(digits) > MAX_VALUE:
            return True
        digits = ""
    return False


class _BoundedFormatting:
    """Checks of ``str.format``: each field's width and text, and the text of all fields together."""

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._written = len(format_string)
        return super().vformat(format_string, args, kwargs)  # type: ignore[misc]

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion:  # !r and !s write the value out before format_field sees it
            _check_weight(value, "str.format")
        return super().convert_field(value, conversion)  # type: ignore[misc]

    def format_field(self, value: Any, format_spec: str) -> Any:
        if _spec_too_wide(format_spec):
            raise _too_big("str.format")
        self._written += text_weight(value, MAX_VALUE) + sum(c.isdigit() for c in format_spec)
        if self._written > MAX_VALUE:
            raise _too_big("str.format")
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _Formatter(_BoundedFormatting, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormatting, SandboxedEscapeFormatter):
    pass


def _check_str_method(owner: str | bytes, name: str, args: tuple, kwargs: dict) -> None:
    """Before a string method runs: refuse arguments that would build a huge text."""
    for value in (*args, *kwargs.values()):
        _check_width(value, f"{name}()")  # center, ljust, rjust, zfill, expandtabs take a width
    if name == "expandtabs":
        size = (args or [kwargs.get("tabsize", 8)])[0]
        tabs = owner.count("\t" if isinstance(owner, str) else b"\t")
        if isinstance(size, int) and len(owner) + tabs * size > MAX_VALUE:
            raise _too_big("expandtabs()")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1))
    elif name == "join" and args:
        _check_weight(args[0], "join()", MAX_VALUE - len(owner) * _length(args[0]))
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, (str, bytes))), default=1)
        if len(owner) * longest > MAX_VALUE:
            raise _too_big("translate()")


def _length(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


def _check_replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    if not (isinstance(s, str) and isinstance(old, str) and isinstance(new, str)):
        return
    found = len(s) + 1 if old == "" else s.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    if len(s) + found * (len(new) - len(old)) > MAX_VALUE:
        raise _too_big("replace")


class _GameSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                # estimate the size first: computing 10**64**64 would take minutes and gigabytes
                if (abs(left).bit_length() - 1) * right >= MAX_INT.bit_length():
                    raise RenderError("number too large: whole numbers in templates stay within 64 bits")
            return _check_int(left**right)
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and n > 0:
                    if len(seq) * n > MAX_VALUE or text_weight(seq, MAX_VALUE) * n > MAX_VALUE:
                        raise RenderError("repetition would build a value that is too large")
            return _check_int(left * right)
        if operator == "%":
            return _check_int(_percent(left, right))
        result = left + right
        if isinstance(result, (str, bytes, list, tuple)) and len(result) > MAX_VALUE:
            raise RenderError("concatenation would build a value that is too large")
        return _check_int(result)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes)):
            _check_str_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
        elif isinstance(owner, int):  # to_bytes(length) and the like
            for value in (*args, *kwargs.values()):
                _check_width(value, f"{getattr(__obj, '__name__', 'a method')}()")
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` with :class:`_Formatter`, which bounds every field."""
        if getattr(value, "__name__", None) not in ("format", "format_map"):
            return None
        f_self = getattr(value, "__self__", None)
        if not isinstance(f_self, str):
            return None
        formatter = _EscapeFormatter(self, escape=f_self.escape) if isinstance(f_self, Markup) else _Formatter(self)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(f_self)(formatter.vformat(f_self, args, kwargs))

        return wrapper


def _guarded_filter(name: str, check: Callable[..., None]) -> Callable[..., Any]:
    """Jinja's filter ``name``, with ``check(value, *args, **kwargs)`` run before it."""
    original = FILTERS[name]
    passes = _PassArg.from_obj(original) is not None  # the first argument is Jinja's, not the user's

    @wraps(original)  # keeps jinja_pass_arg
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*(args[1:] if passes else args), **kwargs)
        return original(*args, **kwargs)

    return guarded


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _check_join(value: Any, *args: Any, **kwargs: Any) -> None:
    sep = _arg(args, kwargs, 0, "d", "")
    _check_weight(value, "join", MAX_VALUE - len(str(sep)) * _length(value))


def _check_indent(s: Any, *args: Any, **kwargs: Any) -> None:
    width = _arg(args, kwargs, 0, "width", 4)
    width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    if isinstance(s, str) and len(s) + (s.count("\n") + 1) * abs(width) > MAX_VALUE:
        raise _too_big("indent")


def _check_wordwrap(s: Any, *args: Any, **kwargs: Any) -> None:
    wrap = _arg(args, kwargs, 2, "wrapstring", None)
    width = _arg(args, kwargs, 0, "width", 79)
    if isinstance(s, str) and isinstance(wrap, str) and isinstance(width, int):
        breaks = min(len(s), len(s) // max(width, 1) + s.count(" ") + s.count("\n") + s.count("\t") + 1)
        if len(s) + breaks * len(wrap) > MAX_VALUE:
            raise _too_big("wordwrap")


def _check_count(what: str, index: int, name: str) -> Callable[..., None]:
    def check(value: Any, *args: Any, **kwargs: Any) -> None:
        n = _arg(args, kwargs, index, name)
        if isinstance(n, int) and abs(n) > MAX_ITEMS:
            raise RenderError(f"{what}: at most {MAX_ITEMS:,}")
    return check


def _check_tojson(value: Any, *args: Any, **kwargs: Any) -> None:
    indent = _arg(args, kwargs, 0, "indent")
    if isinstance(indent, int) and indent > 16:
        raise RenderError("tojson: indent is at most 16")
    _check_weight(value, "tojson", MAX_VALUE // 4)


def _check_written(what: str) -> Callable[..., None]:
    def check(value: Any, *args: Any, **kwargs: Any) -> None:
        _check_weight(value, what)
    return check


def _format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    """Jinja's ``format`` filter (``value % args``) with the checks of the ``%`` operator."""
    if args and kwargs:
        raise RenderError("format: give positional or keyword arguments, not both")
    return _percent(str(value), kwargs or args)


def _bounded_sum(iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Jinja's ``sum`` filter, adding with the checked ``+`` (a sum of lists could grow without bound)."""
    if attribute is not None:
        raise RenderError("sum: the attribute argument is not supported in game templates")
    total = start
    for item in _loop(iterable):
        total = environment().call_binop(None, "+", total, item)
    return total


def _filters() -> dict[str, Any]:
    """Jinja's filters with the ones that can build huge values bounded."""
    out = dict(FILTERS)
    out["format"] = _format_filter
    out["sum"] = _bounded_sum
    out["center"] = _guarded_filter("center", lambda v, *a, **k: _check_width(_arg(a, k, 0, "width", 80), "center"))
    out["indent"] = _guarded_filter("indent", _check_indent)
    out["join"] = _guarded_filter("join", _check_join)
    out["replace"] = _guarded_filter("replace", lambda s, *a, **k: _check_replace(
        s, _arg(a, k, 0, "old"), _arg(a, k, 1, "new"), _arg(a, k, 2, "count")))
    out["wordwrap"] = _guarded_filter("wordwrap", _check_wordwrap)
    out["batch"] = _guarded_filter("batch", _check_count("batch", 0, "linecount"))
    out["slice"] = _guarded_filter("slice", _check_count("slice", 0, "slices"))
    out["tojson"] = _guarded_filter("tojson", _check_tojson)
    for name in ("string", "pprint", "xmlattr", "urlencode", "urlize", "striptags", "e", "escape", "forceescape"):
        out[name] = _guarded_filter(name, _check_written(name))
    return out


@pass_context
def _finalize(context: Any, value: Any) -> Any:
    """Every piece of output passes here: it draws on the rendering's character budget."""
    budget = _budget.get(None)
    limit = budget[1] if budget is not None else MAX_VALUE
    size = len(value) if type(value) is str else text_weight(value, limit)  # most output is text
    if size > limit:
        raise RenderError(f"the template writes more than {MAX_RENDER_CHARS:,} characters "
                          "(counting text captured by `set` and `filter` blocks)")
    if budget is not None:
        budget[1] -= size
    return value


def _concat(*parts: Any) -> str:
    """The ``~`` operator: the parts' text, refused before it is built if it would be too long."""
    _check_weight(list(parts), "`~`")
    return "".join(map(str, parts))


class _Rewrite(NodeTransformer):
    """Routes ``~`` through :func:`_concat` and literal text through the output budget."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        args = [self.visit(n) for n in node.nodes]
        return nodes.Call(nodes.Name("_gl_concat", "load", lineno=node.lineno), args, [], None, None,
                          lineno=node.lineno)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        # literal text becomes a constant that goes through finalize at run time (the finalizer
        # takes the context, so Jinja cannot fold it at compile time): a loop repeating a long
        # literal then draws on the character budget like any other output
        node.nodes = [nodes.Const(n.data, lineno=n.lineno) if isinstance(n, nodes.TemplateData) else self.visit(n)
                      for n in node.nodes]
        return node


def _loop(iterable: Iterable[Any]) -> Iterator[Any]:
    """Wraps every `for` loop's iterable: each item costs one unit of the render budget."""
    budget = _budget.get(None)
    for item in iterable:
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise RenderError(f"template loops ran more than {MAX_LOOP_ITERATIONS:,} times")
        yield item


def _bounded_range(*args: int) -> list[int]:
    values = range(*args)
    if len(values) > MAX_ITEMS:
        raise RenderError(f"range() is limited to {MAX_ITEMS:,} numbers")
    return list(values)


@lru_cache(maxsize=1)
def environment() -> _GameSandbox:
    """The shared sandboxed Jinja2 environment with the built-in functions as globals."""
    env = _GameSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
                       trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    env.globals.clear()
    env.globals.update({name: fn.impl for name, fn in ALL_FUNCTIONS.items()})
    env.globals["range"] = _bounded_range
    env.globals["_gl_loop"] = _loop
    env.globals["_gl_concat"] = _concat
    env.filters.clear()
    env.filters.update(_filters())
    return env


@lru_cache(maxsize=1)
def _globals() -> dict[str, Any]:
    return dict(environment().globals)


@dataclass
class CompiledTemplate:
    """A compiled template and the names it reads.

    ``code`` is the template's Python code, or the Python source Jinja generated for it, compiled
    at the first rendering (or, for a plain template, its Jinja tree, whose code is generated
    then): checking a game needs the names a template reads, not its code, and Python's
    ``compile`` was a fifth of the time spent on templates by `gamelang validate`. Only code that
    cannot fail to compile is left for later (see :func:`_compiles_surely`).
    """

    source: str
    code: Any
    variables: frozenset[str]  # free names read by the template
    fields: tuple[tuple[str, str, int], ...]  # (name, field, lineno) for every `name.field`
    #: For a template that is only text, names and `name.field`s: its pieces, rendered without
    #: Jinja's machinery (same text; anything unusual falls back to Jinja). None for the others.
    plain: tuple[tuple[int, str, str | None], ...] | None = None
    #: Names of functions the template reads (a game's own name of that spelling hides the function
    #: in templates), and those of them it calls.
    function_names: frozenset[str] = frozenset()
    called: frozenset[str] = frozenset()
    #: Names of the filters the template applies (``random`` draws anew at every rendering).
    filters: frozenset[str] = frozenset()
    #: The template's Jinja tree, compiled on first rendering by :mod:`.templatefast` into a Python
    #: function that renders without Jinja's machinery (same text; anything unusual falls back to
    #: Jinja); then that renderer, or False where it cannot be made (the plain path, or Jinja, renders).
    fast: Any = field(default=None, compare=False, repr=False)

    @property
    def template(self) -> Any:
        """Jinja's template object, made (and its code compiled) on first use."""
        made = self.__dict__.get("_template")
        if made is None:
            env = environment()
            if isinstance(self.code, nodes.Template):  # a plain template's tree: generate its code
                generator = _CodeGenerator(env, None, None, optimized=env.optimized)
                generator.visit(self.code)
                self.code = generator.stream.getvalue()
            if isinstance(self.code, str):
                self.code = env._compile(self.code, "<template>")
            made = self.__dict__["_template"] = env.template_class.from_code(env, self.code, env.make_globals(None),
                                                                              None)
        return made

    def renderer(self) -> Callable[[dict[str, Any]], str | None] | None:
        """The fast renderer :meth:`render` tries first (made now, as :meth:`render` makes it on
        first use): a function of the context giving the text, or None where :meth:`render` must
        decide (it then gives the same text or the error); None where there is no fast renderer."""
        fast = self.fast
        if type(fast) is nodes.Template:
            fast = self.fast = _fast_renderer(fast)
        return fast or None

    def render(self, context: dict[str, Any]) -> str:
        """Render with a fresh budget; raise :class:`RenderError` on any failure."""
        fast = self.fast
        if type(fast) is nodes.Template:
            fast = self.fast = _fast_renderer(fast)
        if fast:
            text = fast(context)
            if text is not None:
                return text  # else the renderer gave up: Jinja decides
        elif self.plain is not None:
            text = self._render_plain(context)
            if text is not None:
                return text
        token = _budget.set([MAX_LOOP_ITERATIONS, MAX_RENDER_CHARS])
        # One flat dict of the globals and the context, shared with Jinja: Jinja's own way merges
        # a ChainMap of every global into a new dict on each render, which dominated run time.
        tmpl = self.template
        names = dict(tmpl.environment.globals)  # one copy of the globals, then the context
        names.update(context)
        try:
            out: list[str] = []
            size = 0
            # globals=None: Jinja would otherwise build a set of every global's name per render
            ctx = new_context(tmpl.environment, tmpl.name, tmpl.blocks, names, True, None)
            for chunk in tmpl.root_render_func(ctx):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise RenderError(f"template output is longer than {MAX_OUTPUT:,} characters")
                out.append(chunk)
            return "".join(out)
        except RenderError:
            raise
        except EvalError as err:
            raise RenderError(str(err)) from None
        except TemplateError as err:
            raise RenderError(err.message or type(err).__name__) from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError) as err:
            raise RenderError(f"{type(err).__name__}: {err}") from None
        finally:
            _budget.reset(token)

    def _render_plain(self, context: dict[str, Any]) -> str | None:
        """The text of a plain template, as Jinja would write it; None where Jinja must decide
        (an undefined name or field, the budget passed, a value that fails to print): the full
        rendering then gives the same text or the same error."""
        env = environment()
        names = env.globals
        out: list[str] = []
        size = 0
        for kind, name, attr in self.plain:  # type: ignore[union-attr]
            if kind == _TEXT:
                value: Any = name
            else:
                value = context.get(name, _MISSING)
                if value is _MISSING:
                    value = names.get(name, _MISSING)
                    if value is _MISSING:
                        return None
                if kind == _FIELD:
                    if type(value) is dict and attr not in _DICT_ATTRS:
                        # what the sandbox gives: no such attribute on a dict, so the key (~1.8 us less)
                        value = value.get(attr, _MISSING)
                        if value is _MISSING:
                            return None
                    else:
                        value = env.getattr(value, attr)
                        if isinstance(value, Undefined):
                            return None
            size += len(value) if type(value) is str else text_weight(value, MAX_RENDER_CHARS)
            if size > MAX_RENDER_CHARS:
                return None
            try:
                out.append(value if type(value) is str else str(value))
            except Exception:  # noqa: BLE001 - Jinja reports it
                return None
        text = "".join(out)
        return text if len(text) <= MAX_OUTPUT else None


_TEXT, _NAME, _FIELD = 0, 1, 2
_MISSING = object()
#: Attributes a plain dict has: for these names Jinja's ``d.name`` is the attribute, not the key.
_DICT_ATTRS = frozenset(dir({}))


def _fast_renderer(tree: nodes.Template) -> Callable[[dict], str | None] | bool:
    """:mod:`.templatefast`'s renderer of a template tree, or False where Jinja must render it."""
    from .templatefast import Unsupported, compile_fast

    try:
        return compile_fast(tree, environment(), _concat, MAX_OUTPUT, MAX_LOOP_ITERATIONS, MAX_RENDER_CHARS,
                            _budget)
    except Unsupported:
        return False
    except Exception:  # noqa: BLE001 - a template too odd for the compiler (Python's limits): Jinja renders it
        return False


def _plain_pieces(tree: nodes.Template) -> tuple[tuple[int, str, str | None], ...] | None:
    """The pieces of a template made only of text, ``{{ name }}`` and ``{{ name.field }}``; else None."""
    pieces: list[tuple[int, str, str | None]] = []
    for node in tree.body:
        if type(node) is not nodes.Output:
            return None
        for child in node.nodes:
            kind = type(child)
            if kind is nodes.Const and type(child.value) is str:
                pieces.append((_TEXT, child.value, None))
            elif kind is nodes.Name and child.ctx == "load":
                pieces.append((_NAME, child.name, None))
            elif kind is nodes.Getattr and type(child.node) is nodes.Name and child.node.ctx == "load":
                pieces.append((_FIELD, child.node.name, child.attr))
            else:
                return None
    return tuple(pieces)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator that also collects the names the template looks up in its context.

    What :func:`jinja2.meta.find_undeclared_variables` reports, gathered the way it does (from
    each frame's symbol loads), while the code is generated: one pass of the generator where
    that function and :meth:`Environment.compile` took one each.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.undeclared: set[str] = set()

    def enter_frame(self, frame: Any) -> None:
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)


def _nodes(tree: nodes.Node) -> list[nodes.Node]:
    """Every node under ``tree``, in the order of Jinja's ``find_all`` (one walk serves every query)."""
    out: list[nodes.Node] = []

    def walk(node: nodes.Node) -> None:
        for child in node.iter_child_nodes():
            out.append(child)
            walk(child)

    walk(tree)
    return out


#: Generated code within these limits is compiled at first rendering: Python refuses more than 200
#: nested brackets (there are at most as many as brackets in all), 100 levels of indentation and
#: 20 nested blocks (each adds a level of indentation), so such code always compiles.
_LAZY_MAX_BRACKETS = 150
_LAZY_MAX_INDENT = 12


def _compiles_surely(code: str) -> bool:
    """Whether Jinja's Python ``code`` is certain to pass ``compile`` (so it can wait for first use)."""
    if code.count("(") + code.count("[") + code.count("{") > _LAZY_MAX_BRACKETS:
        return False
    deepest = " " * (4 * _LAZY_MAX_INDENT + 1)  # Jinja indents by four spaces
    return ("\n" + deepest) not in code


#: Templates already compiled in this process, by source text: games and their imports repeat
#: templates, and a compiled template is never changed once made. Failures are not kept.
_COMPILED: dict[str, CompiledTemplate] = {}
_COMPILED_MAX = 2048


def compile_template(source: str) -> CompiledTemplate:
    """Compile template text; raise :class:`TemplateProblem` if it is invalid or unsafe."""
    compiled = _COMPILED.get(source)
    if compiled is None:
        compiled = _compile_template(source)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[source] = compiled
    return compiled


def _compile_template(source: str) -> CompiledTemplate:
    env = environment()
    try:
        tree = env.parse(source)
        found = _nodes(tree)
        for node_type, what in _FORBIDDEN.items():
            for node in found:
                if isinstance(node, node_type):
                    raise TemplateProblem(f"{what} are not allowed in game templates", node.lineno)
        for test in found:
            if isinstance(test, nodes.Test) and test.name not in env.tests:
                raise TemplateProblem(f"no test named '{test.name}'", test.lineno)
        for flt in found:
            if isinstance(flt, nodes.Filter) and flt.name not in env.filters:
                raise TemplateProblem(f"no filter named '{flt.name}'", flt.lineno)
        for loop in found:
            if isinstance(loop, nodes.For):
                if loop.recursive:
                    raise TemplateProblem("recursive loops are not allowed in game templates", loop.lineno)
                loop.iter = nodes.Call(nodes.Name("_gl_loop", "load"), [loop.iter], [], None, None,
                                       lineno=loop.lineno)
        tree = _Rewrite().visit(tree)
        plain = _plain_pieces(tree)
        found = _nodes(tree)
        # `self` is the one name Jinja's top level declares itself (the template's blocks)
        if plain is None or any(kind != _TEXT and name == "self" for kind, name, _ in plain):
            # the code generator also reports unknown filters and tests, and gives the free names
            generator = _CodeGenerator(env, None, None, optimized=env.optimized)
            generator.visit(tree)
            found = _nodes(tree)
            undeclared: set[str] = generator.undeclared
            code: Any = generator.stream.getvalue()
        else:
            # only text, names and name.field (two thirds of the shipped templates): every name is
            # read from the context, there is nothing the generator could refuse, and the plain
            # path renders them; the code is generated if a rendering falls back to Jinja
            undeclared = {n.name for n in found if isinstance(n, nodes.Name)}
            code = tree
        # Jinja's analysis misses a `{% set %}` inside `{% if %}` (or a loop) that is read in the same
        # block: a name the template assigns itself is never one it needs from the game
        assigned = {n.name for node in found if isinstance(node, (nodes.Assign, nodes.AssignBlock))
                    for n in [node.target, *node.target.find_all(nodes.Name)] if isinstance(n, nodes.Name)}
        # a library function stays a free name, for the checker to allow where the game opens the library
        # (Jinja's analysis leaves out the names of globals, so they are collected here)
        library_names = set(ALL_FUNCTIONS) - set(FUNCTIONS)
        loaded = [n for n in found if isinstance(n, nodes.Name) and n.ctx == "load"]
        called = {n.name for n in loaded if n.name in library_names}
        variables = (frozenset(undeclared) - set(env.globals) | called) - assigned
        if isinstance(code, str) and not _compiles_surely(code):
            code = env._compile(code, "<template>")
    except TemplateSyntaxError as err:  # includes TemplateAssertionError (unknown filter, ...)
        raise TemplateProblem(err.message or "invalid template syntax", err.lineno or 1) from None
    except (RecursionError, SyntaxError):  # SyntaxError: Python's limits on nesting ("too many levels of
        # indentation", "too many nested parentheses") in the generated code
        raise TemplateProblem("the template is nested too deeply") from None
    fields = tuple((n.node.name, n.attr, n.lineno) for n in found
                   if isinstance(n, nodes.Getattr) and isinstance(n.node, nodes.Name) and n.node.ctx == "load")
    function_names = frozenset(n.name for n in loaded if n.name in ALL_FUNCTIONS) - assigned
    called = frozenset(c.node.name for c in found if isinstance(c, nodes.Call) and isinstance(c.node, nodes.Name))
    filters = frozenset(n.name for n in found if isinstance(n, nodes.Filter))
    return CompiledTemplate(source, code, variables, fields, plain, function_names,
                            called & function_names, filters, fast=tree)
