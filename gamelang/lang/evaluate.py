"""Compiling checked expressions into Python closures.

An expression becomes a function of the environment (a dict from names to values). There is no
``eval``: every node is a small closure, and every operation that could grow without bound
(text and list concatenation, big numbers) is checked.
"""

from __future__ import annotations

import operator
import warnings
from contextvars import ContextVar
from typing import Any, Callable

from . import expr as ex
from .functions import ALL_FUNCTIONS, MAX_ITEMS, MAX_TEXT, ONE_ARGUMENT_CALLS, EvalError

Env = dict[str, Any]
Compiled = Callable[[Env], Any]

#: Whole numbers beyond this are refused (repeated multiplication could otherwise eat memory).
MAX_INT = 2**63
#: Items one evaluation may visit in comprehensions and key functions, all of them together: one
#: pass over an instance list is far below it; nested passes over long lists are refused.
MAX_STEPS = 1_000_000

_steps: ContextVar[list[int] | None] = ContextVar("gamelang_expr_steps", default=None)


class _Local(dict):
    """The names of a comprehension or key function over the enclosing environment (never copied)."""

    __slots__ = ("outer",)

    def __init__(self, outer: Env) -> None:
        super().__init__()
        self.outer = outer

    def __missing__(self, name: str) -> Any:
        return self.outer[name]


def _iterate(items: Any, what: str):
    """Yield the items, counting each against the evaluation's budget."""
    budget = _steps.get()
    own = budget is None
    if own:  # the outermost loop of this evaluation: the budget starts here
        budget = [MAX_STEPS]
        token = _steps.set(budget)
    try:
        for item in items:
            budget[0] -= 1
            if budget[0] < 0:
                raise EvalError(f"{what}: the expression visits more than {MAX_STEPS:,} items")
            yield item
    finally:
        if own:
            _steps.reset(token)


def _checked_int(v: Any) -> Any:
    if type(v) is int and not -MAX_INT < v < MAX_INT:
        raise EvalError("number too large")
    return v


def _add(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:  # the common case (a counter), _checked_int written out
        v = a + b
        if -MAX_INT < v < MAX_INT:
            return v
        raise EvalError("number too large")
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


#: Lists at least this long are searched through a set of their items (built once per list).
_SET_FROM = 32
_MEMBERS: dict[int, tuple[list, frozenset | None]] = {}


def _contains(item: Any, items: Any) -> bool:
    """``item in items``; a long list (a word list, a constant) is searched through a set of its items.

    Values are never changed in place (a game's `set` binds a new list), so the set of a list
    object stays right; a list with an item that cannot be hashed, or an item that cannot be,
    is searched as a list. Equality decides either way: the answer is the same.
    """
    if type(items) is list and len(items) >= _SET_FROM:
        hit = _MEMBERS.get(id(items))
        if hit is None or hit[0] is not items:
            try:
                members: frozenset | None = frozenset(items)
            except TypeError:
                members = None
            if len(_MEMBERS) > 256:
                _MEMBERS.clear()
            hit = _MEMBERS[id(items)] = (items, members)  # keeping the list alive keeps its id unique
        if hit[1] is not None:
            try:
                return item in hit[1]
            except TypeError:  # an item that cannot be hashed
                pass
    return item in items


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
    "in": _contains,
    "not in": lambda a, b: not _contains(a, b),
}


def compile_expr(e: ex.Expr) -> Compiled:
    """Compile a type-checked expression into a closure over the environment.

    The closure keeps its tree as ``expr``: :func:`fast_expressions` writes the same expression
    as one Python function, for the interpreter's hot path."""
    fn = _compile(e)
    fn.expr = e  # type: ignore[attr-defined]
    return fn


def _compile(e: ex.Expr) -> Compiled:
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
        field_name = e.name
        if isinstance(e.obj, ex.Name):  # `clue.text`: the name read here, one call fewer
            name = e.obj.name

            def read_field(env: Env) -> Any:
                value = env[name]
                if value is None:
                    raise EvalError(f"'{name}' has no value yet (its move has not been parsed)")
                return value[field_name]

            return read_field
        obj = _compile(e.obj)
        return lambda env: obj(env)[field_name]
    if isinstance(e, ex.Index):
        return _compile_index(e)
    if isinstance(e, ex.Slice):
        return _compile_slice(e)
    if isinstance(e, ex.Comprehension):
        return _compile_comprehension(e)
    if isinstance(e, ex.Call) and e.args and isinstance(e.args[-1], ex.KeyFunction):
        return _compile_key_call(e)
    if isinstance(e, ex.RegexLit):  # the pattern of matches(), search(), find_all(): flags inline
        pattern = e.inline()
        return lambda env: pattern
    if isinstance(e, ex.Call):
        impl = ALL_FUNCTIONS[e.func].impl  # the checker allowed only the game's own
        args = [_compile(a) for a in e.args]
        # the common arities without building a list of arguments at each call
        if len(args) == 1:
            a0 = args[0]
            return lambda env: impl(a0(env))
        if len(args) == 2:
            a0, a1 = args
            return lambda env: impl(a0(env), a1(env))
        if len(args) == 3:
            a0, a1, a2 = args
            return lambda env: impl(a0(env), a1(env), a2(env))
        return lambda env: impl(*[a(env) for a in args])
    if isinstance(e, ex.IfExpr):
        cond, then, other = _compile(e.cond), _compile(e.then), _compile(e.other)
        return lambda env: then(env) if cond(env) else other(env)
    if isinstance(e, ex.ListLit):
        items = [_compile(i) for i in e.items]
        if len(items) == 1:
            only = items[0]
            return lambda env: [only(env)]
        return lambda env: [i(env) for i in items]
    if isinstance(e, ex.MapLit):
        entries = [(k, _compile(v)) for k, v in e.entries]
        return lambda env: {k: v(env) for k, v in entries}
    if isinstance(e, ex.Unary):
        operand = _compile(e.operand)
        if e.op == "not":
            return lambda env: not operand(env)
        return lambda env: -operand(env)
    if isinstance(e, ex.Binary):
        left, right = _compile(e.left), _compile(e.right)
        if e.op == "and":
            return lambda env: left(env) and right(env)
        if e.op == "or":
            return lambda env: left(env) or right(env)
        return _compile_binary(e.op, left, right, e.right)
    raise TypeError(f"cannot compile {e!r}")


def _compile_binary(op: str, left: Compiled, right: Compiled, right_expr: ex.Expr) -> Compiled:
    """An operator: comparisons written out (as Python's operators, which ``_BINARY`` holds), a
    literal on the right read once; the others through their checked function."""
    if isinstance(right_expr, ex.Lit):
        value = right_expr.value
        if op == "==":
            return lambda env: left(env) == value
        if op == "!=":
            return lambda env: left(env) != value
        if op == "<":
            return lambda env: left(env) < value
        if op == "<=":
            return lambda env: left(env) <= value
        if op == ">":
            return lambda env: left(env) > value
        if op == ">=":
            return lambda env: left(env) >= value
        fn = _BINARY[op]
        return lambda env: fn(left(env), value)
    if op == "==":
        return lambda env: left(env) == right(env)
    if op == "!=":
        return lambda env: left(env) != right(env)
    if op == "<":
        return lambda env: left(env) < right(env)
    if op == "<=":
        return lambda env: left(env) <= right(env)
    if op == ">":
        return lambda env: left(env) > right(env)
    if op == ">=":
        return lambda env: left(env) >= right(env)
    fn = _BINARY[op]
    return lambda env: fn(left(env), right(env))


def _pairs(container: Any, two: bool, what: str):
    """What a comprehension goes over, counted against the evaluation's budget: (key, value) of a
    map or (position, item) of a list for two names, (key, None) or (item, None) for one."""
    if isinstance(container, dict):
        pairs = container.items() if two else ((k, None) for k in container)
    else:
        pairs = enumerate(container) if two else ((x, None) for x in container)
    return _iterate(pairs, what)


def _collect(items: Any, what: str) -> list:
    """The items a comprehension keeps, in a list of at most MAX_ITEMS (refused past that, as the
    items come: the ones after are not worked out)."""
    out: list = []
    for item in items:
        out.append(item)
        if len(out) > MAX_ITEMS:
            raise EvalError(f"{what}: the list would have more than {MAX_ITEMS:,} items")
    return out


def _compile_comprehension(e: ex.Comprehension) -> Compiled:
    source, item = _compile(e.source), _compile(e.item)
    cond = _compile(e.cond) if e.cond is not None else None
    names = e.names
    two = len(names) == 2
    text = ex.unparse(e)

    def kept(env: Env):
        local = _Local(env)
        for first, second in _pairs(source(env), two, text):
            local[names[0]] = first
            if two:
                local[names[1]] = second
            if cond is None or cond(local):
                yield item(local)

    def run(env: Env) -> list:
        return _collect(kept(env), text)

    return run


def _key_call(func: str, keyed: Any, what: str) -> Any:
    """``func`` (any, all, count, sum, sorted, min, max) of the (item, key) pairs ``keyed`` gives."""
    if func == "any":
        return any(k for _, k in keyed)
    if func == "all":
        return all(k for _, k in keyed)
    if func == "count":
        return sum(1 for _, k in keyed if k)
    if func == "sum":
        total = 0
        for _, k in keyed:
            total = _checked_int(total + k)
        return total
    pairs = list(keyed)
    try:
        if func == "sorted":
            order = sorted(range(len(pairs)), key=lambda i: pairs[i][1])  # stable: equal keys keep their order
            return [pairs[i][0] for i in order]
        if not pairs:
            raise EvalError(f"{what}: {func} of an empty list")
        pick = min if func == "min" else max
        return pick(pairs, key=lambda p: p[1])[0]
    except TypeError:
        raise EvalError(f"{what}: the keys cannot be compared") from None


def _compile_key_call(e: ex.Call) -> Compiled:
    source = _compile(e.args[0])
    key_fn = e.args[-1]
    assert isinstance(key_fn, ex.KeyFunction)
    body, param, func, text = _compile(key_fn.body), key_fn.param, e.func, ex.unparse(e)

    def keys(env: Env):
        local = _Local(env)
        for x in _iterate(source(env), text):
            local[param] = x
            yield x, body(local)

    def run(env: Env) -> Any:
        return _key_call(func, keys(env), text)

    return run


def _compile_index(e: ex.Index) -> Compiled:
    obj, index = _compile(e.obj), _compile(e.index)
    text = ex.unparse(e)

    def get(env: Env) -> Any:
        return _index(obj(env), index(env), text)  # the container, then the key

    return get


def _slice_step(by: Any, what: str) -> Any:
    """The step of a slice, checked before its bounds are worked out: none, or positive."""
    if by is not None and by <= 0:
        raise EvalError(f"{what}: the step of a slice must be positive, not {by}")
    return by


def _sliced(container: Any, by: Any, start: Any, end: Any) -> Any:
    return container[start:end:by]


def _compile_slice(e: ex.Slice) -> Compiled:
    """``xs[a:b:c]``: Python's slice (never longer than ``xs``), with a positive step only."""
    obj = _compile(e.obj)
    start, end, step = (_compile(x) if x is not None else (lambda env: None) for x in (e.start, e.end, e.step))
    text = ex.unparse(e)

    def get(env: Env) -> Any:
        container, by = obj(env), _slice_step(step(env), text)
        return _sliced(container, by, start(env), end(env))

    return get


# ---------------------------------------------------------------------- one function per expression
# The closures above make a call per node; the interpreter runs its instructions' expressions at
# every turn, so those are also written out as one Python function each (compiled together, once
# per machine): the same operations in the same order, the same helpers for everything checked
# (text and list sizes, big numbers, division, `in`, indexing and slicing, the budgets of
# comprehensions and key functions), the same errors.

#: Deeper expressions keep their closures (Python's parser limits nesting; the closures' own
#: recursion is far from its limit at this depth, so both would give the same result).
_MAX_WRITTEN_DEPTH = 24


#: The checked operators' helpers, by the names the written functions know them by.
_CHECKED = {"+": "add", "/": "div", "//": "floordiv", "%": "mod"}


def _unset(name: str) -> Any:
    raise EvalError(f"'{name}' has no value yet (its move has not been parsed)")


def _index(container: Any, key: Any, text: str) -> Any:
    """``container[key]``, its errors worded for the expression ``text``: what an index's closure
    (:func:`_compile_index`) and a written-out function both call."""
    try:
        return container[key]
    except IndexError:
        raise EvalError(f"{text}: index {key} is out of range (length {len(container)})") from None
    except KeyError:
        raise EvalError(f"{text}: no key {key!r}; use get(map, key, default) for optional keys") from None


class ExpressionWriter:
    """The Python source of expressions (reading the bindings as ``env``), and the values it refers
    to by name (in ``space``, the namespace to run the source in)."""

    def __init__(self) -> None:
        self.space: dict[str, Any] = {
            "__builtins__": {}, "unset": _unset, "add": _add, "checked": _checked_int, "div": _div,
            "floordiv": _floordiv, "mod": _mod, "contains": _contains, "index": _index,
            "collect": _collect, "pairs": _pairs, "steps": _iterate, "keyed": _key_call, "sliced": _sliced,
            "slice_step": _slice_step,
        }
        self.counter = 0
        #: Names read from Python locals of the written source rather than from ``env`` (name -> local):
        #: a comprehension's or key function's names, the score's ``won``, ``lost``, ...
        self.locals: dict[str, str] = {}

    def ref(self, value: Any) -> str:
        """A name for ``value`` in :attr:`space`."""
        self.counter += 1
        name = f"k{self.counter}"
        self.space[name] = value
        return name

    def temp(self) -> str:
        """A name for a local variable of the source."""
        self.counter += 1
        return f"t{self.counter}"

    def expr(self, e: ex.Expr, depth: int = 0) -> str:
        """A Python expression for ``e``; RecursionError, TypeError or KeyError where it cannot be written."""
        if depth > _MAX_WRITTEN_DEPTH:
            raise RecursionError("expression too deep to write out")
        d = depth + 1
        kind = type(e)
        if kind is ex.Lit:
            value = e.value
            if value is None or type(value) in (bool, str) or (type(value) is int and -MAX_INT < value < MAX_INT):
                return repr(value)
            return self.ref(value)
        if kind is ex.Name:
            t = self.temp()
            where = self.locals.get(e.name) or f"env[{e.name!r}]"
            return f"({t} if ({t} := {where}) is not None else unset({e.name!r}))"
        if kind is ex.Field:
            return f"{self.expr(e.obj, d)}[{e.name!r}]"
        if kind is ex.RegexLit:
            return repr(e.inline())
        if kind is ex.Call and not (e.args and isinstance(e.args[-1], ex.KeyFunction)):
            impl = ALL_FUNCTIONS[e.func].impl
            same = ONE_ARGUMENT_CALLS.get(impl) if len(e.args) == 1 else None
            if same is not None:  # `lower(x)` as `x.lower()`, `len(x)` as len's own call: one call fewer
                how, what = same
                arg = self.expr(e.args[0], d)
                return f"({arg}).{what}()" if how == "method" else f"{self.ref(what)}({arg})"
            return f"{self.ref(impl)}(" + ", ".join(self.expr(a, d) for a in e.args) + ")"
        if kind is ex.IfExpr:
            return f"({self.expr(e.then, d)} if {self.expr(e.cond, d)} else {self.expr(e.other, d)})"
        if kind is ex.ListLit:
            return "[" + "".join(f"{self.expr(i, d)}, " for i in e.items) + "]"
        if kind is ex.MapLit:
            return "{" + "".join(f"{k!r}: {self.expr(v, d)}, " for k, v in e.entries) + "}"
        if kind is ex.Unary:
            return f"(not {self.expr(e.operand, d)})" if e.op == "not" else f"(-{self.expr(e.operand, d)})"
        if kind is ex.Binary:
            left, right, op = self.expr(e.left, d), self.expr(e.right, d), e.op
            if op in ("and", "or", "==", "!=", "<", "<=", ">", ">="):
                return f"({left} {op} {right})"
            if op in ("-", "*"):
                return f"checked({left} {op} {right})"
            if op == "in":
                return f"contains({left}, {right})"
            if op == "not in":
                return f"(not contains({left}, {right}))"
            return f"{_CHECKED[op]}({left}, {right})"
        if kind is ex.Index:  # the closure's order (the container, then the key) and errors
            return f"index({self.expr(e.obj, d)}, {self.expr(e.index, d)}, {ex.unparse(e)!r})"
        if kind is ex.Comprehension:
            return self._comprehension(e, d)
        if kind is ex.Call:  # with a key function (the others are written above)
            return self._key_call(e, d)
        if kind is ex.Slice:  # the closure's order: the container, the step (checked), then the bounds
            parts = [self.expr(x, d) if x is not None else "None" for x in (e.start, e.end, e.step)]
            return f"sliced({self.expr(e.obj, d)}, slice_step({parts[2]}, {ex.unparse(e)!r}), {parts[0]}, {parts[1]})"
        raise TypeError(f"cannot write {kind.__name__}")

    def _scoped(self, names: dict[str, str], *exprs: ex.Expr | None, depth: int) -> list[str | None]:
        """``exprs`` written with ``names`` (a comprehension's or key function's) read from the
        Python locals they map to, over the names already local."""
        outer = self.locals
        self.locals = {**outer, **names}
        try:
            return [None if e is None else self.expr(e, depth) for e in exprs]
        finally:
            self.locals = outer

    def _comprehension(self, e: ex.Comprehension, depth: int) -> str:
        """What the closure does (``_pairs``, then the kept items through ``_collect``), as a
        generator expression over Python locals: the source is looked up first, outside it (Python
        allows no ``:=`` in a comprehension's iterable)."""
        source, what = self.expr(e.source, depth), ex.unparse(e)
        first, second, items = self.temp(), self.temp(), self.temp()
        names = {e.names[0]: first} | ({e.names[1]: second} if len(e.names) == 2 else {})
        item, cond = self._scoped(names, e.item, e.cond, depth=depth)
        kept = f" if {cond}" if cond is not None else ""
        return (f"collect(({item} for {first}, {second} in {items}{kept}) "
                f"if ({items} := pairs({source}, {len(e.names) == 2}, {what!r})) is not None else None, {what!r})")

    def _key_call(self, e: ex.Call, depth: int) -> str:
        """``func(source, x => body)`` as the closure runs it (``_key_call`` of the (item, key)
        pairs), the pairs a generator expression over a Python local."""
        key_fn = e.args[-1]
        if not isinstance(key_fn, ex.KeyFunction) or len(e.args) != 2:
            raise TypeError("not a call with a key function")
        source, what, param, items = self.expr(e.args[0], depth), ex.unparse(e), self.temp(), self.temp()
        (body,) = self._scoped({key_fn.param: param}, key_fn.body, depth=depth)
        over = f"if ({items} := steps({source}, {what!r})) is not None else None"
        # any, all and count need only the keys: what _key_call does with them, without the pairs
        if e.func in ("any", "all"):
            return f"{self.ref(any if e.func == 'any' else all)}(({body} for {param} in {items}) {over})"
        if e.func == "count":
            return f"{self.ref(sum)}((1 for {param} in {items} if {body}) {over})"
        return f"keyed({e.func!r}, (({param}, {body}) for {param} in {items}) {over}, {what!r})"


def fast_expressions(closures: list[Compiled]) -> list[Compiled]:
    """For each closure made by :func:`compile_expr`, a function that evaluates its expression in
    one call (the closure itself where that cannot be written); all compiled together."""
    writer = ExpressionWriter()
    lines: list[str] = []
    names: list[str | None] = []
    for i, fn in enumerate(closures):
        e = getattr(fn, "expr", None)
        try:
            if e is None:
                raise TypeError("not an expression's closure")
            body = writer.expr(e)
        except (RecursionError, TypeError, KeyError):
            names.append(None)
            continue
        names.append(f"expr_{i}")
        lines.append(f"def expr_{i}(env):\n    return {body}\n")
    if not lines:
        return list(closures)
    space = writer.space
    try:
        with warnings.catch_warnings():  # Python's warnings on what only ill-typed trees hold (`1[0]`)
            warnings.simplefilter("ignore", SyntaxWarning)
            code = compile("".join(lines), "<expressions>", "exec")
        exec(code, space)  # noqa: S102 - written above from checked trees, names and texts as literals
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # Python's limits: keep the closures
        return list(closures)
    return [fn if name is None else space[name] for fn, name in zip(closures, names)]
