"""Jinja2 templates of a game, compiled and rendered in a sandbox with budgets.

Templates come from untrusted game files, so rendering is bounded: Jinja's immutable sandbox
blocks unsafe attributes and mutation; the operators that can build huge values (``*``, ``**``,
``+``) are checked; every ``for`` loop draws on a per-render iteration budget; the output is
capped; macros, recursion, includes and imports are refused when the template is compiled.
Model text reaches a template only as a value in its context, never as template source.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .functions import FUNCTIONS, MAX_ITEMS, MAX_TEXT, EvalError

#: Loop iterations one rendering may perform, summed over all loops.
MAX_LOOP_ITERATIONS = 100_000
#: Characters one rendering may produce.
MAX_OUTPUT = MAX_TEXT

_FORBIDDEN = {
    nodes.Macro: "macros", nodes.CallBlock: "call blocks", nodes.Extends: "extends",
    nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "import",
}

_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("gamelang_template_budget")


class TemplateProblem(Exception):
    """A template that cannot be compiled; ``lineno`` is relative to the template text."""

    def __init__(self, message: str, lineno: int = 1) -> None:
        super().__init__(message)
        self.message, self.lineno = message, lineno


class RenderError(Exception):
    """A template failed while rendering (an undefined value, a budget exceeded, ...)."""


class _GameSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise RenderError("exponent too large")
            return left**right
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise RenderError("repetition would build a value that is too large")
            return left * right
        result = left + right
        if isinstance(result, (str, list, tuple)) and len(result) > MAX_OUTPUT:
            raise RenderError("concatenation would build a value that is too large")
        return result


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
                       trim_blocks=True, lstrip_blocks=True)
    env.globals.clear()
    env.globals.update({name: fn.impl for name, fn in FUNCTIONS.items()})
    env.globals["range"] = _bounded_range
    env.globals["_gl_loop"] = _loop
    return env


@lru_cache(maxsize=1)
def _globals() -> dict[str, Any]:
    return dict(environment().globals)


@dataclass
class CompiledTemplate:
    """A compiled template and the names it reads."""

    source: str
    template: Any
    variables: frozenset[str]  # free names read by the template
    fields: tuple[tuple[str, str, int], ...]  # (name, field, lineno) for every `name.field`

    def render(self, context: dict[str, Any]) -> str:
        """Render with a fresh budget; raise :class:`RenderError` on any failure."""
        token = _budget.set([MAX_LOOP_ITERATIONS])
        # One flat dict of the globals and the context, shared with Jinja: Jinja's own way merges
        # a ChainMap of every global into a new dict on each render, which dominated run time.
        names = dict(_globals())
        names.update(context)
        tmpl = self.template
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


def compile_template(source: str) -> CompiledTemplate:
    """Compile template text; raise :class:`TemplateProblem` if it is invalid or unsafe."""
    env = environment()
    try:
        tree = env.parse(source)
        for node_type, what in _FORBIDDEN.items():
            for node in tree.find_all(node_type):
                raise TemplateProblem(f"{what} are not allowed in game templates", node.lineno)
        for test in tree.find_all(nodes.Test):
            if test.name not in env.tests:
                raise TemplateProblem(f"no test named '{test.name}'", test.lineno)
        for flt in tree.find_all(nodes.Filter):
            if flt.name not in env.filters:
                raise TemplateProblem(f"no filter named '{flt.name}'", flt.lineno)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise TemplateProblem("recursive loops are not allowed in game templates", loop.lineno)
            loop.iter = nodes.Call(nodes.Name("_gl_loop", "load"), [loop.iter], [], None, None, lineno=loop.lineno)
        # both of these run Jinja's code generator, which also reports unknown filters and tests
        variables = frozenset(meta.find_undeclared_variables(tree)) - set(env.globals)
        code = env.compile(tree)
    except TemplateSyntaxError as err:  # includes TemplateAssertionError (unknown filter, ...)
        raise TemplateProblem(err.message or "invalid template syntax", err.lineno or 1) from None
    except RecursionError:
        raise TemplateProblem("the template is nested too deeply") from None
    fields = tuple((n.node.name, n.attr, n.lineno) for n in tree.find_all(nodes.Getattr)
                   if isinstance(n.node, nodes.Name) and n.node.ctx == "load")
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    return CompiledTemplate(source, template, variables, fields)
