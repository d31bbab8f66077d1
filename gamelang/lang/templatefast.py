"""A template's Jinja tree compiled to Python closures: the same text as Jinja, without its machinery.

Jinja renders a template through a generated module, a ``Context`` made per rendering, a
``LoopContext`` per loop and the sandbox's checks on every attribute, item and call. The games'
templates use a small part of the language (text, names, ``a.b``, ``a[b]``, loops, ``if``,
``set``, comparisons, a few filters and calls), and for that part this module builds a tree of
closures once, and renders by calling it.

What a closure does is what Jinja's generated code does for the same node, through the same
sandbox: attributes, items and calls go through the environment's ``getattr``, ``getitem`` and
``call`` (a plain ``dict`` field or a list item is read directly only where the sandbox would read
it the same way), ``+ * ** %`` through its ``call_binop``, ``~`` through the bounded concatenation,
filters are the environment's own functions, every piece of output is charged to the same
character budget and every loop item to the same iteration budget.

Anything else is refused when the template is compiled (:class:`Unsupported`: Jinja renders that
template), and anything unusual met while rendering (an undefined value, a budget passed, an
error of any kind) makes the rendering give up (``None``): the caller then renders with Jinja,
which gives the same text or raises the error the game would have seen. Giving up is always
correct because a rendering has no effects: template values are immutable in the sandbox and the
functions templates call are pure.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from jinja2 import Undefined, nodes
from jinja2.nodes import EvalContext
from jinja2.utils import _PassArg

from .functions import text_weight

#: A closure computing an expression's value from the game's names and the template's own.
Expr = Callable[[dict, dict], Any]
#: A closure writing output: (game names, template names, output pieces, budget) -> None.
Emit = Callable[[dict, dict, list, list], None]


class Unsupported(Exception):
    """The template uses something this compiler does not reproduce: Jinja renders it."""


class _GiveUp(Exception):
    """Raised while rendering where Jinja must decide (an undefined value, a budget passed)."""


_MISSING = object()
#: Attributes a plain dict has: for these names Jinja's ``d.name`` is the attribute, not the key.
_DICT_ATTRS = frozenset(dir({}))
#: Attributes of Jinja's ``loop`` this compiler reproduces, from (index0, length).
_LOOP_ATTRS: dict[str, Callable[[int, int], Any]] = {
    "index0": lambda i, n: i,
    "index": lambda i, n: i + 1,
    "first": lambda i, n: i == 0,
    "last": lambda i, n: i == n - 1,
    "length": lambda i, n: n,
    "revindex": lambda i, n: n - i,
    "revindex0": lambda i, n: n - i - 1,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
    "lteq": operator.le, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}
#: Jinja's binary operators the sandbox intercepts, and the others (plain Python in Jinja's code).
_BINOPS_PLAIN: dict[type, Callable[[Any, Any], Any]] = {
    nodes.Sub: operator.sub, nodes.Div: operator.truediv, nodes.FloorDiv: operator.floordiv,
}
_BINOPS_SANDBOXED = {nodes.Add: "+", nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%"}
#: The iterables a loop takes directly (others, such as generators, are left to Jinja).
_SEQUENCES = (list, tuple, str, dict)


class _CallContext:
    """Stands in for Jinja's ``Context`` in the sandbox's ``call``: calls a function that takes no
    Jinja argument, as ``Context.call`` does; a function that wants one is left to Jinja."""

    @staticmethod
    def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if _PassArg.from_obj(obj) is not None or (
                hasattr(obj, "__call__") and _PassArg.from_obj(obj.__call__) is not None):
            raise _GiveUp
        try:
            return obj(*args, **kwargs)
        except StopIteration:  # Jinja makes it an undefined value
            raise _GiveUp from None


_CALL_CONTEXT = _CallContext()


def compile_fast(tree: nodes.Template, env: Any, concat: Callable[..., str], max_output: int,
                 max_loop_iterations: int, max_render_chars: int,
                 budget_var: Any) -> Callable[[dict], str | None]:
    """A function rendering ``tree`` (after templates.py's rewrite) from a context dict: the text,
    or None where Jinja must render. Raises :class:`Unsupported` for a template it cannot render."""
    compiler = _Compiler(env, concat)
    emits = compiler.body(tree.body)
    shadowed = tuple(sorted(compiler.internal_names))  # a game name hiding templates.py's helpers
    needs_budget_var = compiler.needs_budget_var

    def render(context: dict) -> str | None:
        for name in shadowed:
            if name in context:
                return None
        out: list[str] = []
        budget = [max_loop_iterations, max_render_chars]
        token = budget_var.set(budget) if needs_budget_var else None
        try:
            scope: dict = {}
            for emit in emits:
                emit(context, scope, out, budget)
        except Exception:  # noqa: BLE001 - Jinja renders it again and reports what failed
            return None
        finally:
            if token is not None:
                budget_var.reset(token)
        text = "".join(out)
        return text if len(text) <= max_output else None

    return render


class _Compiler:
    """Closures for the nodes of one template."""

    def __init__(self, env: Any, concat: Callable[..., str]) -> None:
        self.env = env
        self.concat = concat
        self.assigned: set[str] = set()  # names the template sets: read from its own names only
        self.loop_names: list[set[str]] = []  # the targets of the loops around the node compiled
        self.loops: list[object | None] = []  # keys of those loops' state (None: `loop` not allowed)
        self.internal_names: set[str] = set()
        self.needs_budget_var = False
        self.eval_ctx = EvalContext(env)

    # statements -----------------------------------------------------------------------------

    def body(self, stmts: list[nodes.Node]) -> list[Emit]:
        if not self.loops:  # the top level: every `set` in it (nested ifs included) is known first
            for node in stmts:
                for assign in _walk(node, nodes.Assign):
                    if type(assign.target) is not nodes.Name:
                        raise Unsupported("set of several names")
                    self.assigned.add(assign.target.name)
        out: list[Emit] = []
        for node in stmts:
            kind = type(node)
            if kind is nodes.Output:
                out.extend(self.output(child) for child in node.nodes)
            elif kind is nodes.If:
                out.append(self.if_(node))
            elif kind is nodes.For:
                out.append(self.for_(node))
            elif kind is nodes.Assign:
                out.append(self.assign(node))
            else:
                raise Unsupported(kind.__name__)
        return out

    def output(self, node: nodes.Node) -> Emit:
        """One piece of output, charged like templates.py's ``_finalize`` and written with ``str``."""
        if type(node) is nodes.Const and type(node.value) is str:
            text, size = node.value, len(node.value)

            def emit_text(ctx: dict, sc: dict, out: list, budget: list) -> None:
                if size > budget[1]:
                    raise _GiveUp
                budget[1] -= size
                out.append(text)

            return emit_text
        expr = self.expr(node)

        def emit(ctx: dict, sc: dict, out: list, budget: list) -> None:
            value = expr(ctx, sc)
            if type(value) is str:
                size = len(value)
            else:
                size = text_weight(value, budget[1])
                value = str(value)
            if size > budget[1]:
                raise _GiveUp
            budget[1] -= size
            out.append(value)

        return emit

    def if_(self, node: nodes.If) -> Emit:
        branches = [(self.expr(node.test), self.body(node.body))]
        branches += [(self.expr(e.test), self.body(e.body)) for e in node.elif_]
        otherwise = self.body(node.else_)

        def emit(ctx: dict, sc: dict, out: list, budget: list) -> None:
            for test, body in branches:
                if test(ctx, sc):
                    break
            else:
                body = otherwise
            for e in body:
                e(ctx, sc, out, budget)

        return emit

    def for_(self, node: nodes.For) -> Emit:
        if node.recursive:
            raise Unsupported("recursive loop")
        it = node.iter
        if not (type(it) is nodes.Call and type(it.node) is nodes.Name and it.node.name == "_gl_loop"
                and len(it.args) == 1 and not it.kwargs and it.dyn_args is None and it.dyn_kwargs is None):
            raise Unsupported("loop without templates.py's budget")
        self.internal_names.add("_gl_loop")
        target = node.target
        if type(target) is nodes.Name:
            names = [target.name]
        elif type(target) is nodes.Tuple and all(type(t) is nodes.Name for t in target.items):
            names = [t.name for t in target.items]
        else:
            raise Unsupported("loop target")
        if "loop" in names:
            raise Unsupported("a loop variable named loop")
        if any(n.name in names for n in _walk_all(node.else_, nodes.Name)):
            raise Unsupported("a loop variable read in the else part")  # Jinja: undefined there
        self.loops.append(None)  # `loop` in the iterable or the else part: Jinja's business
        iterable = self.expr(it.args[0])
        otherwise = self.body(node.else_)
        self.loops.pop()
        key = object()
        self.loop_names.append(set(names))
        self.loops.append(None)  # `loop` in the loop's filter: Jinja's business
        keep = None if node.test is None else self.expr(node.test)
        self.loops[-1] = key
        body = self.body(node.body)
        self.loop_names.pop()
        self.loops.pop()
        single = names[0] if len(names) == 1 else None
        count = len(names)

        def emit(ctx: dict, sc: dict, out: list, budget: list) -> None:
            seq = iterable(ctx, sc)
            if type(seq) not in _SEQUENCES:
                raise _GiveUp
            n = len(seq)
            if n > budget[0]:  # Jinja would pass the iteration budget: it reports that
                raise _GiveUp
            budget[0] -= n
            saved = [sc.get(name, _MISSING) for name in names]
            if keep is not None and n:  # a loop filter: the items that pass it are the loop's items
                kept = []
                for item in seq:
                    bind(sc, item)
                    if keep(ctx, sc):
                        kept.append(item)
                seq, n = kept, len(kept)
            if not n:
                restore(sc, saved)
                for e in otherwise:
                    e(ctx, sc, out, budget)
                return
            state = [0, n]
            sc[key] = state
            if single is not None:
                for i, item in enumerate(seq):
                    state[0] = i
                    sc[single] = item
                    for e in body:
                        e(ctx, sc, out, budget)
            else:
                for i, item in enumerate(seq):
                    state[0] = i
                    bind(sc, item)
                    for e in body:
                        e(ctx, sc, out, budget)
            del sc[key]
            restore(sc, saved)

        def bind(sc: dict, item: Any) -> None:
            if single is not None:
                sc[single] = item
                return
            values = tuple(item)  # Python's unpacking, as in Jinja's code
            if len(values) != count:
                raise _GiveUp
            for name, value in zip(names, values):
                sc[name] = value

        def restore(sc: dict, saved: list) -> None:  # the loop's names end with the loop
            for name, value in zip(names, saved):
                if value is _MISSING:
                    sc.pop(name, None)
                else:
                    sc[name] = value

        return emit

    def assign(self, node: nodes.Assign) -> Emit:
        if self.loops:  # Jinja scopes a `set` in a loop to the iteration
            raise Unsupported("set in a loop")
        name = node.target.name
        expr = self.expr(node.node)

        def emit(ctx: dict, sc: dict, out: list, budget: list) -> None:
            sc[name] = expr(ctx, sc)

        return emit

    # expressions ----------------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> Expr:
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return method(node)

    def x_Const(self, node: nodes.Const) -> Expr:
        value = node.value
        return lambda ctx, sc: value

    def x_Name(self, node: nodes.Name) -> Expr:
        name = node.name
        if node.ctx != "load" or (name == "loop" and self.loops):
            raise Unsupported("name")
        if name in self.assigned or any(name in names for names in self.loop_names):
            def local(ctx: dict, sc: dict) -> Any:
                value = sc.get(name, _MISSING)
                if value is _MISSING:
                    raise _GiveUp
                return value

            return local
        names = self.env.globals

        def read(ctx: dict, sc: dict) -> Any:
            value = ctx.get(name, _MISSING)
            if value is _MISSING:
                value = names.get(name, _MISSING)
                if value is _MISSING:
                    raise _GiveUp
            return value

        return read

    def x_Getattr(self, node: nodes.Getattr) -> Expr:
        attr = node.attr
        if type(node.node) is nodes.Name and node.node.name == "loop" and self.loops:
            key = self.loops[-1]
            if key is None or attr not in _LOOP_ATTRS:
                raise Unsupported("loop attribute")
            part = _LOOP_ATTRS[attr]

            def loop_attr(ctx: dict, sc: dict) -> Any:
                i, n = sc[key]
                return part(i, n)

            return loop_attr
        obj = self.expr(node.node)
        sandbox_getattr = self.env.getattr
        if attr in _DICT_ATTRS:  # the dict's attribute (or not a key at all): the sandbox decides
            def sandboxed(ctx: dict, sc: dict) -> Any:
                value = sandbox_getattr(obj(ctx, sc), attr)
                if isinstance(value, Undefined):
                    raise _GiveUp
                return value

            return sandboxed

        def field(ctx: dict, sc: dict) -> Any:
            owner = obj(ctx, sc)
            if type(owner) is dict:  # no such attribute: the sandbox reads the key, as here
                value = owner.get(attr, _MISSING)
                if value is _MISSING:
                    raise _GiveUp
                return value
            value = sandbox_getattr(owner, attr)
            if isinstance(value, Undefined):
                raise _GiveUp
            return value

        return field

    def x_Getitem(self, node: nodes.Getitem) -> Expr:
        obj = self.expr(node.node)
        if type(node.arg) is nodes.Slice:  # Jinja writes Python's slicing, outside the sandbox
            parts = [None if p is None else self.expr(p) for p in (node.arg.start, node.arg.stop, node.arg.step)]

            def sliced(ctx: dict, sc: dict) -> Any:
                owner = obj(ctx, sc)
                return owner[slice(*[None if p is None else p(ctx, sc) for p in parts])]

            return sliced
        arg = self.expr(node.arg)
        sandbox_getitem = self.env.getitem

        def item(ctx: dict, sc: dict) -> Any:
            owner, key = obj(ctx, sc), arg(ctx, sc)
            kind = type(owner)
            if kind is dict:  # the sandbox returns owner[key] when it exists
                value = owner.get(key, _MISSING)
                if value is not _MISSING:
                    return value
            elif (kind is list or kind is str or kind is tuple) and type(key) is int:
                try:
                    return owner[key]
                except IndexError:
                    pass
            value = sandbox_getitem(owner, key)
            if isinstance(value, Undefined):
                raise _GiveUp
            return value

        return item

    def x_Compare(self, node: nodes.Compare) -> Expr:
        first = self.expr(node.expr)
        ops = [(_COMPARE[op.op], self.expr(op.expr)) for op in node.ops]
        if len(ops) == 1:
            (test, right), = ops
            return lambda ctx, sc: test(first(ctx, sc), right(ctx, sc))

        def chain(ctx: dict, sc: dict) -> Any:  # Python's a < b < c, as Jinja writes it
            left = first(ctx, sc)
            result: Any = True
            for test, right_expr in ops:
                right = right_expr(ctx, sc)
                result = test(left, right)
                if not result:
                    return result
                left = right
            return result

        return chain

    def x_And(self, node: nodes.And) -> Expr:
        left, right = self.expr(node.left), self.expr(node.right)
        return lambda ctx, sc: left(ctx, sc) and right(ctx, sc)

    def x_Or(self, node: nodes.Or) -> Expr:
        left, right = self.expr(node.left), self.expr(node.right)
        return lambda ctx, sc: left(ctx, sc) or right(ctx, sc)

    def x_Not(self, node: nodes.Not) -> Expr:
        inner = self.expr(node.node)
        return lambda ctx, sc: not inner(ctx, sc)

    def x_Neg(self, node: nodes.Neg) -> Expr:
        inner = self.expr(node.node)
        return lambda ctx, sc: -inner(ctx, sc)

    def x_Pos(self, node: nodes.Pos) -> Expr:
        inner = self.expr(node.node)
        return lambda ctx, sc: +inner(ctx, sc)

    def x_CondExpr(self, node: nodes.CondExpr) -> Expr:
        test, yes = self.expr(node.test), self.expr(node.expr1)
        if node.expr2 is None:  # Jinja's plain (not strict) undefined, which writes nothing
            missing = Undefined(f"the inline if-expression on line {node.lineno} evaluated to false and no else "
                                "section was defined.")
            return lambda ctx, sc: yes(ctx, sc) if test(ctx, sc) else missing
        no = self.expr(node.expr2)
        return lambda ctx, sc: yes(ctx, sc) if test(ctx, sc) else no(ctx, sc)

    def _binop(self, node: nodes.BinExpr) -> Expr:
        left, right = self.expr(node.left), self.expr(node.right)
        plain = _BINOPS_PLAIN.get(type(node))
        if plain is not None:
            return lambda ctx, sc: plain(left(ctx, sc), right(ctx, sc))
        op, call_binop = _BINOPS_SANDBOXED[type(node)], self.env.call_binop
        return lambda ctx, sc: call_binop(None, op, left(ctx, sc), right(ctx, sc))

    x_Add = x_Sub = x_Mul = x_Div = x_FloorDiv = x_Mod = x_Pow = _binop

    def x_List(self, node: nodes.List) -> Expr:
        items = [self.expr(n) for n in node.items]
        return lambda ctx, sc: [i(ctx, sc) for i in items]

    def x_Tuple(self, node: nodes.Tuple) -> Expr:
        if node.ctx != "load":
            raise Unsupported("tuple target")
        items = [self.expr(n) for n in node.items]
        return lambda ctx, sc: tuple(i(ctx, sc) for i in items)

    def x_Dict(self, node: nodes.Dict) -> Expr:
        pairs = [(self.expr(p.key), self.expr(p.value)) for p in node.items]
        return lambda ctx, sc: {k(ctx, sc): v(ctx, sc) for k, v in pairs}

    def _arguments(self, node: nodes.Call | nodes.Filter) -> tuple[list[Expr], list[tuple[str, Expr]]]:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Unsupported("*args")
        return [self.expr(a) for a in node.args], [(k.key, self.expr(k.value)) for k in node.kwargs]

    def x_Call(self, node: nodes.Call) -> Expr:
        args, kwargs = self._arguments(node)
        if type(node.node) is nodes.Name and node.node.name == "_gl_concat":  # `~`, as templates.py rewrote it
            self.internal_names.add("_gl_concat")
            concat = self.concat
            return lambda ctx, sc: concat(*[a(ctx, sc) for a in args])
        func = self.expr(node.node)
        call = self.env.call
        if kwargs:
            return lambda ctx, sc: call(_CALL_CONTEXT, func(ctx, sc), *[a(ctx, sc) for a in args],
                                        **{k: v(ctx, sc) for k, v in kwargs})
        if len(args) == 1:
            (only,) = args
            return lambda ctx, sc: call(_CALL_CONTEXT, func(ctx, sc), only(ctx, sc))
        return lambda ctx, sc: call(_CALL_CONTEXT, func(ctx, sc), *[a(ctx, sc) for a in args])

    def x_Filter(self, node: nodes.Filter) -> Expr:
        if node.node is None:
            raise Unsupported("filter block")
        function = self.env.filters.get(node.name)
        if function is None:
            raise Unsupported("unknown filter")
        passes = _PassArg.from_obj(function)
        if passes is _PassArg.context:
            raise Unsupported("filter that takes the context")
        first = () if passes is None else (self.env,) if passes is _PassArg.environment else (self.eval_ctx,)
        if node.name == "sum":  # draws on the iteration budget through templates.py's context variable
            self.needs_budget_var = True
        value = self.expr(node.node)
        args, kwargs = self._arguments(node)
        if not args and not kwargs and not first:
            return lambda ctx, sc: function(value(ctx, sc))
        return lambda ctx, sc: function(*first, value(ctx, sc), *[a(ctx, sc) for a in args],
                                        **{k: v(ctx, sc) for k, v in kwargs})


def _walk(node: nodes.Node, kind: type) -> list[nodes.Node]:
    """``node`` and the nodes under it of type ``kind``."""
    found = [node] if isinstance(node, kind) else []
    found.extend(node.find_all(kind))
    return found


def _walk_all(stmts: list[nodes.Node], kind: type) -> list[nodes.Node]:
    return [found for node in stmts for found in _walk(node, kind)]
