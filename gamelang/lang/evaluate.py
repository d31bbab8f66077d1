"""Compiling checked expressions into Python closures.

An expression becomes a function of the environment (a dict from names to values). There is no
``eval``: every node is a small closure, and every operation that could grow without bound
(text and list concatenation, big numbers) is checked.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from . import expr as ex
from .functions import FUNCTIONS, MAX_ITEMS, MAX_TEXT, EvalError

Env = dict[str, Any]
Compiled = Callable[[Env], Any]

#: Whole numbers beyond this are refused (repeated multiplication could otherwise eat memory).
MAX_INT = 2**63


def _checked_int(v: Any) -> Any:
    if type(v) is int and not -MAX_INT < v < MAX_INT:
        raise EvalError("number too large")
    return v


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        if len(a) + len(b) > MAX_TEXT:
            raise EvalError(f"text would be longer than {MAX_TEXT:,} characters")
        return a + b
    if isinstance(a, list):
        if len(a) + len(b) > MAX_ITEMS:
            raise EvalError(f"list would have more than {MAX_ITEMS:,} items")
        return a + b
    return _checked_int(a + b)


def _div(a: Any, b: Any) -> float:
    if b == 0:
        raise EvalError("division by zero")
    return a / b


def _floordiv(a: Any, b: Any) -> Any:
    if b == 0:
        raise EvalError("division by zero")
    return a // b


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        raise EvalError("modulo by zero")
    return a % b


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": lambda a, b: _checked_int(a - b),
    "*": lambda a, b: _checked_int(a * b),
    "/": _div,
    "//": _floordiv,
    "%": _mod,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def compile_expr(e: ex.Expr) -> Compiled:
    """Compile a type-checked expression into a closure over the environment."""
    if isinstance(e, ex.Lit):
        value = e.value
        return lambda env: value
    if isinstance(e, ex.Name):
        name = e.name

        def read(env: Env) -> Any:
            value = env[name]
            if value is None:
                raise EvalError(f"'{name}' has no value yet (its move has not been parsed)")
            return value

        return read
    if isinstance(e, ex.Field):
        obj, field_name = compile_expr(e.obj), e.name
        return lambda env: obj(env)[field_name]
    if isinstance(e, ex.Index):
        return _compile_index(e)
    if isinstance(e, ex.Call):
        impl = FUNCTIONS[e.func].impl
        args = [compile_expr(a) for a in e.args]
        if len(args) == 1:
            a0 = args[0]
            return lambda env: impl(a0(env))
        return lambda env: impl(*[a(env) for a in args])
    if isinstance(e, ex.IfExpr):
        cond, then, other = compile_expr(e.cond), compile_expr(e.then), compile_expr(e.other)
        return lambda env: then(env) if cond(env) else other(env)
    if isinstance(e, ex.ListLit):
        items = [compile_expr(i) for i in e.items]
        return lambda env: [i(env) for i in items]
    if isinstance(e, ex.MapLit):
        entries = [(k, compile_expr(v)) for k, v in e.entries]
        return lambda env: {k: v(env) for k, v in entries}
    if isinstance(e, ex.Unary):
        operand = compile_expr(e.operand)
        if e.op == "not":
            return lambda env: not operand(env)
        return lambda env: -operand(env)
    if isinstance(e, ex.Binary):
        left, right = compile_expr(e.left), compile_expr(e.right)
        if e.op == "and":
            return lambda env: left(env) and right(env)
        if e.op == "or":
            return lambda env: left(env) or right(env)
        fn = _BINARY[e.op]
        return lambda env: fn(left(env), right(env))
    raise TypeError(f"cannot compile {e!r}")


def _compile_index(e: ex.Index) -> Compiled:
    obj, index = compile_expr(e.obj), compile_expr(e.index)
    text = ex.unparse(e)

    def get(env: Env) -> Any:
        container, key = obj(env), index(env)
        try:
            return container[key]
        except IndexError:
            raise EvalError(f"{text}: index {key} is out of range (length {len(container)})") from None
        except KeyError:
            raise EvalError(f"{text}: no key {key!r}; use get(map, key, default) for optional keys") from None

    return get
