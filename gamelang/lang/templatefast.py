"""A template's Jinja tree compiled to one small Python function: the same text as Jinja, faster.

Jinja renders a template through a generated module, a ``Context`` made per rendering, a
``LoopContext`` per loop and the sandbox's checks on every attribute, item and call. The games'
templates use a small part of the language (text, names, ``a.b``, ``a[b]``, loops, ``if``,
``set``, comparisons, a few filters and calls); for that part this module writes one Python
function per template, once, whose loops are Python loops and whose names are Python locals.

What the function does is what Jinja's generated code does for the same node, through the same
sandbox: attributes, items and calls go through the environment's ``getattr``, ``getitem`` and
``call`` (a plain ``dict`` field or a list item is read directly only where the sandbox would read
it the same way), ``+ * ** %`` through its ``call_binop``, ``~`` through the bounded concatenation,
filters are the environment's own functions, every piece of output is charged to the same
character budget and every loop item to the same iteration budget. The generated source holds no
text of the template except as Python literals written by ``repr`` (or values passed in by name),
and no name of the template except as such a literal: a template cannot write code.

Anything else is refused when the template is compiled (:class:`Unsupported`: Jinja renders that
template), and anything unusual met while rendering (an undefined value, a budget passed, an
error of any kind) makes the rendering give up (``None``): the caller then renders with Jinja,
which gives the same text or raises the error the game would have seen. Giving up is always
correct because a rendering has no effects: template values are immutable in the sandbox and the
functions templates call are pure.
"""

from __future__ import annotations

from copy import deepcopy
from types import FunctionType
from typing import Any, Callable

from jinja2 import Undefined, nodes
from jinja2.nodes import EvalContext
from jinja2.utils import _PassArg

from .functions import text_weight


class Unsupported(Exception):
    """The template uses something this compiler does not reproduce: Jinja renders it."""


class _GiveUp(Exception):
    """Raised while rendering where Jinja must decide (an undefined value, a budget passed)."""


_MISSING = object()
#: Attributes a plain dict has: for these names Jinja's ``d.name`` is the attribute, not the key.
_DICT_ATTRS = frozenset(dir({}))
#: Jinja's ``loop.x`` from the loop's index ``{i}`` and length ``{n}``.
_LOOP_ATTRS = {
    "index0": "{i}", "index": "({i} + 1)", "first": "({i} == 0)", "last": "({i} == {n} - 1)", "length": "{n}",
    "revindex": "({n} - {i})", "revindex0": "({n} - {i} - 1)",
}
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in",
            "notin": "not in"}
#: Binary operators Jinja writes as Python's, and those the sandbox intercepts.
_BINOPS_PLAIN = {nodes.Sub: "-", nodes.Div: "/", nodes.FloorDiv: "//"}
_BINOPS_SANDBOXED = {nodes.Add: "+", nodes.Mul: "*", nodes.Pow: "**", nodes.Mod: "%"}
#: The iterables a loop takes directly (others, such as generators, are left to Jinja).
_SEQUENCES = frozenset({list, tuple, str, dict})
#: Python's limit of nested blocks is 20: deeper templates are left to Jinja.
_MAX_DEPTH = 16


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


def _give_up() -> Any:
    raise _GiveUp


def compile_fast(tree: nodes.Template, env: Any, concat: Callable[..., str], max_output: int,
                 max_loop_iterations: int, max_render_chars: int,
                 budget_var: Any) -> Callable[[dict], str | None]:
    """A function rendering ``tree`` (after templates.py's rewrite) from a context dict: the text,
    or None where Jinja must render. Raises :class:`Unsupported` for a template it cannot render."""
    writer = _Writer(env, concat)
    # `sum` draws on the iteration budget through templates.py's context variable: loops then count there too
    writer.needs_budget_var = any(f.name == "sum" for f in tree.find_all(nodes.Filter))
    writer.iterations = "budget[0]" if writer.needs_budget_var else "iters"
    for assign in tree.find_all(nodes.Assign):  # every name the template sets is known before it is read
        if type(assign.target) is not nodes.Name:
            raise Unsupported("set of several names")
        writer.assigned.setdefault(assign.target.name, writer.fresh("s_"))
    # A template of text and values only (no statement, no `{{ x if c }}`, which writes only
    # sometimes) is one output: its pieces are joined once into the text, without the list
    straight = all(type(node) is nodes.Output for node in tree.body) and not any(
        type(child) is nodes.CondExpr and child.expr2 is None for node in tree.body for child in node.nodes)
    if straight:  # its last check is made before the pieces are joined
        body = writer.outputs([child for node in tree.body for child in node.nodes], "        ", into="text")
    else:
        body = writer.body(tree.body, 2) + "        if chars < 0: raise G\n"  # the text after the last check
    setup = "".join(f"        {local} = M\n" for local in sorted(writer.assigned.values()))
    # the names the template reads from the context, each looked up once (as Jinja's code does, at
    # its start); a missing one gives up where it is used
    setup += "".join(f"        {local} = ctx.get({name!r}, M)\n        if {local} is M: {local} = glob.get({name!r}, M)\n"
                     for name, local in writer.names.items())
    # whether a name indexed by a loop's position is a text, list or tuple: asked once, not per item
    setup += "".join(f"        {flag} = type({local}) in SEQ3\n" for local, flag in writer.sequences.items())
    # a game name hiding templates.py's helpers: Jinja would call the game's value
    shadowed = " or ".join(f"{name!r} in ctx" for name in sorted(writer.internal_names))
    if writer.needs_budget_var:
        writer.space["budget_var"] = budget_var
        start = (f"    budget = [{max_loop_iterations}, {max_render_chars}]\n"
                 "    token = budget_var.set(budget)\n")
        finally_ = "    finally:\n        budget_var.reset(token)\n"
        iterations = ""
    else:
        start, finally_, iterations = "", "", f"        iters = {max_loop_iterations}\n"
    source = ("def render(ctx):\n"
              + (f"    if {shadowed}: return None\n" if shadowed else "")
              + ("" if straight else "    out = []\n    append = out.append\n")
              + f"    chars = {max_render_chars}\n"
              + start + "    try:\n" + (iterations if writer.has_loops else "") + setup + body
              + "    except Exception:  # Jinja renders it again and reports what failed\n        return None\n"
              + finally_
              + ("" if straight else "    text = ''.join(out)\n")
              + f"    return text if len(text) <= {max_output} else None\n")
    try:
        code = compile(source, "<fast template>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as err:  # Python's limits on nesting
        raise Unsupported("too deep for Python") from err
    space = dict(writer.space)
    exec(code, space)  # noqa: S102 - source written above from the tree, with the template's text as literals
    render = space["render"]
    render.source = source  # for reading, when debugging
    return render


class _Writer:
    """The Python source of one template's function, and the values it refers to by name."""

    def __init__(self, env: Any, concat: Callable[..., str]) -> None:
        self.env = env
        self.space: dict[str, Any] = {
            "__builtins__": {"len": len, "type": type, "str": str, "int": int, "dict": dict, "list": list, "tuple": tuple,
                             "slice": slice, "enumerate": enumerate, "isinstance": isinstance,
                             "Exception": Exception},
            "M": _MISSING, "G": _GiveUp, "SEQ3": frozenset({str, list, tuple}), "give_up": _give_up, "SEQ": _SEQUENCES, "weight": text_weight,
            "U": Undefined, "CC": _CallContext(), "call": env.call, "binop": env.call_binop, "concat": concat,
            "sgetattr": env.getattr, "glob": env.globals, "deepcopy": deepcopy,
        }
        self.space["getitem"] = _make_getitem(env.getitem)
        self.assigned: dict[str, str] = {}  # names the template sets -> their Python locals
        self.names: dict[str, str] = {}  # names read from the context or the globals -> their Python locals
        self.sequences: dict[str, str] = {}  # those locals indexed by `loop.index0` -> "is a text, list or tuple"
        self.scopes: list[dict[str, str]] = []  # the loops around: target name -> Python local
        self.loops: list[tuple[str, str] | None] = []  # those loops' (index, length) locals; None: no `loop`
        self.internal_names: set[str] = set()
        self.needs_budget_var = False  # set by compile_fast, before writing
        self.iterations = "iters"  # the loop budget's variable
        self.has_loops = False
        self.eval_ctx = EvalContext(env)
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def value(self, value: Any) -> str:
        """A Python expression for a constant of the template: a literal for text and numbers, else
        a copy of the value, made at each use (Jinja's code writes the value out as a new literal:
        a list Jinja folded from constants must not be shared between renderings)."""
        if value is None or type(value) in (bool, str) or (type(value) is int and -2**63 < value < 2**63):
            return repr(value)
        if type(value) in (int, float):
            return self.ref(value)
        return f"deepcopy({self.ref(value)})"

    def ref(self, value: Any) -> str:
        """A name for one of this module's values (a filter, the environment, ...)."""
        name = self.fresh("k")
        self.space[name] = value
        return name

    # statements -----------------------------------------------------------------------------

    def body(self, stmts: list[nodes.Node], depth: int) -> str:
        if depth > _MAX_DEPTH:
            raise Unsupported("nested too deeply")
        pad = "    " * depth
        lines: list[str] = []
        for node in stmts:
            kind = type(node)
            if kind is nodes.Output:
                lines.append(self.outputs(node.nodes, pad))
            elif kind is nodes.If:
                lines.append(self.if_(node, depth))
            elif kind is nodes.For:
                lines.append(self.for_(node, depth))
            elif kind is nodes.Assign:
                if self.loops:  # Jinja scopes a `set` in a loop to the iteration
                    raise Unsupported("set in a loop")
                lines.append(f"{pad}{self.assigned[node.target.name]} = {self.expr(node.node)}\n")
            else:
                raise Unsupported(kind.__name__)
        return "".join(lines) or f"{pad}pass\n"

    def outputs(self, children: list[nodes.Node], pad: str, into: str | None = None) -> str:
        """The pieces of one output, each value computed and charged as :meth:`output` does, then
        written out together (``out += (a, '<', b)``: one operation, the texts between joined);
        with ``into``, the whole text of the template, joined into that local (no CondExpr
        without an else among ``children``: that one writes through ``append``)."""
        text, pieces, chars = "", [], 0  # pieces: (is a literal, its text or local)

        def flush() -> str:
            nonlocal chars
            if into is not None:
                parts = [repr(p) if literal else p for literal, p in pieces]  # each a text (value_code made it one)
                joined = ("''" if not parts else parts[0] if len(parts) == 1 else f"{parts[0]} + {parts[1]}"
                          if len(parts) == 2 else f"''.join(({', '.join(parts)},))")
                return ((f"{pad}chars -= {chars}\n" if chars else "")  # the check before the text is made
                        + f"{pad}if chars < 0: raise G\n{pad}{into} = {joined}\n")
            if not pieces:
                return ""
            code = f"{pad}chars -= {chars}\n" if chars else ""
            parts = [repr(p) if literal else p for literal, p in pieces]
            code += f"{pad}append({parts[0]})\n" if len(parts) == 1 else f"{pad}out += ({', '.join(parts)},)\n"
            pieces.clear()
            chars = 0
            return code

        for node in children:
            if type(node) is nodes.Const and type(node.value) is str:
                chars += len(node.value)
                if pieces and pieces[-1][0]:  # next to another literal: one text
                    pieces[-1] = (True, pieces[-1][1] + node.value)
                else:
                    pieces.append((True, node.value))
            elif type(node) is nodes.CondExpr and node.expr2 is None:
                text += flush() + self.output(node, pad)
            else:
                local = self.fresh("v")
                text += self.value_code(node, local, pad)
                pieces.append((False, local))
        return text + flush()

    def value_code(self, node: nodes.Node, local: str, pad: str) -> str:
        """``local`` = the text of ``node``'s value, charged like templates.py's ``_finalize``."""
        # a whole number weighs what text_weight says of it (its decimal digits, a sign), without the call
        return (f"{pad}{local} = {self.expr(node)}\n"
                f"{pad}if type({local}) is str: chars -= len({local})\n"
                f"{pad}elif type({local}) is int: chars -= {local}.bit_length() * 3 // 10 + 2; "
                f"{local} = str({local}) if chars >= 0 else give_up()\n"
                f"{pad}else: chars -= weight({local}, chars); {local} = str({local}) if chars >= 0 else give_up()\n")

    def output(self, node: nodes.Node, pad: str) -> str:
        """One piece of output, charged like templates.py's ``_finalize`` and written with ``str``."""
        if type(node) is nodes.Const and type(node.value) is str:
            # no check here: a check follows every loop iteration and the whole text, before it is
            # joined (where it gives up, Jinja renders); a value that is not text is written out only
            # while the budget lasts
            return f"{pad}chars -= {len(node.value)}\n{pad}append({node.value!r})\n"
        if type(node) is nodes.CondExpr and node.expr2 is None:  # `{{ x if c }}`: Jinja's undefined otherwise
            missing = self._no_else(node)  # it writes nothing, and weighs what templates.py's _finalize says
            return (f"{pad}if {self.expr(node.test)}:\n{self.output(node.expr1, pad + '    ')}"
                    f"{pad}else:\n{pad}    chars -= {text_weight(missing, 2**62)}\n")
        return self.value_code(node, "v", pad) + f"{pad}append(v)\n"

    def if_(self, node: nodes.If, depth: int) -> str:
        pad = "    " * depth
        text = f"{pad}if {self.expr(node.test)}:\n{self.body(node.body, depth + 1)}"
        for branch in node.elif_:
            text += f"{pad}elif {self.expr(branch.test)}:\n{self.body(branch.body, depth + 1)}"
        if node.else_:
            text += f"{pad}else:\n{self.body(node.else_, depth + 1)}"
        return text

    def for_(self, node: nodes.For, depth: int) -> str:
        if node.recursive:
            raise Unsupported("recursive loop")
        it = node.iter
        if not (type(it) is nodes.Call and type(it.node) is nodes.Name and it.node.name == "_gl_loop"
                and len(it.args) == 1 and not it.kwargs and it.dyn_args is None and it.dyn_kwargs is None):
            raise Unsupported("loop without templates.py's budget")
        self.internal_names.add("_gl_loop")
        self.has_loops = True
        target = node.target
        if type(target) is nodes.Name:
            names = [target.name]
        elif type(target) is nodes.Tuple and all(type(t) is nodes.Name for t in target.items):
            names = [t.name for t in target.items]
        else:
            raise Unsupported("loop target")
        if any(n.name in names for stmt in node.else_ for n in _walk(stmt, nodes.Name)):
            raise Unsupported("a loop variable read in the else part")  # Jinja: undefined there
        pad, inner = "    " * depth, "    " * (depth + 1)
        seq, count, index, item = self.fresh("q"), self.fresh("n"), self.fresh("i"), self.fresh("t")
        self.loops.append(None)  # `loop` in the iterable, the filter or the else part: Jinja's business
        iterable = self.expr(it.args[0])
        otherwise = self.body(node.else_, depth + 1) if node.else_ else None
        scope = {name: self.fresh("l_") for name in names}
        unpack = ", ".join(scope[name] for name in names) + ("," if len(names) > 1 else "")
        self.scopes.append(scope)
        keep = None if node.test is None else self.expr(node.test)
        self.loops[-1] = (index, count)
        body = self.body(node.body, depth + 2) + f"{inner}    if chars < 0: raise G\n"  # each iteration
        self.loops.pop()
        self.scopes.pop()
        text = (f"{pad}{seq} = {iterable}\n"
                f"{pad}if type({seq}) not in SEQ: raise G\n"
                f"{pad}{count} = len({seq})\n"
                f"{pad}{self.iterations} -= {count}\n"  # every item is one iteration, as templates.py's _loop counts
                f"{pad}if {self.iterations} < 0: raise G\n")
        if keep is not None:  # a loop filter: the items that pass it are the loop's items
            text += (f"{pad}{item} = []\n"
                     f"{pad}for {unpack} in {seq}:\n"
                     f"{inner}if {keep}: {item}.append(({unpack}))\n"
                     f"{pad}{seq} = {item}\n"
                     f"{pad}{count} = len({seq})\n")
        text += (f"{pad}if {count}:\n"
                 f"{inner}for {index}, ({unpack}) in enumerate({seq}):\n{body}")
        if otherwise is not None:
            text += f"{pad}else:\n{otherwise}"
        return text

    # expressions ----------------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> str:
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return method(node)

    def x_Const(self, node: nodes.Const) -> str:
        return self.value(node.value)

    def x_Name(self, node: nodes.Name) -> str:
        name = node.name
        if node.ctx != "load" or (name == "loop" and self.loops):
            raise Unsupported("name")
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.assigned:
            local = self.assigned[name]
            return f"({local} if {local} is not M else give_up())"
        local = self.names.get(name)
        if local is None:
            local = self.names[name] = self.fresh("g_")
        return f"({local} if {local} is not M else give_up())"

    def x_Getattr(self, node: nodes.Getattr) -> str:
        attr = node.attr
        if type(node.node) is nodes.Name and node.node.name == "loop" and self.loops:
            loop = self.loops[-1]
            if loop is None or attr not in _LOOP_ATTRS:
                raise Unsupported("loop attribute")
            return _LOOP_ATTRS[attr].format(i=loop[0], n=loop[1])
        owner, key = self.expr(node.node), repr(attr)
        if attr in _DICT_ATTRS:  # the dict's attribute (or not a key at all): the sandbox decides
            return f"(x if not isinstance(x := sgetattr({owner}, {key}), U) else give_up())"
        # a plain dict has no such attribute: the sandbox reads the key, as here
        return (f"(x if (x := (o.get({key}, M) if type(o := {owner}) is dict else sgetattr(o, {key}))) is not M "
                f"and not isinstance(x, U) else give_up())")

    def x_Getitem(self, node: nodes.Getitem) -> str:
        owner = self.expr(node.node)
        if type(node.arg) is nodes.Slice:  # Jinja writes Python's slicing, outside the sandbox
            parts = ["None" if p is None else self.expr(p) for p in (node.arg.start, node.arg.stop, node.arg.step)]
            return f"({owner})[slice({', '.join(parts)})]"
        # a text's, list's or tuple's item at a whole number in range read here, as the helper does
        arg = node.arg
        if (type(arg) is nodes.Getattr and arg.attr == "index0" and type(arg.node) is nodes.Name
                and arg.node.name == "loop" and self.loops and self.loops[-1] is not None):
            index, o = self.loops[-1][0], self.fresh("o")  # `x[loop.index0]`: a whole number, never negative
            local = self._context_local(node.node)
            if local is not None:  # a name of the context: the same value at every item, its type asked once
                flag = self.sequences.setdefault(local, self.fresh("q_"))
                return f"({local}[{index}] if {flag} and {index} < len({local}) else getitem({owner}, {index}))"
            return f"({o}[{index}] if type({o} := {owner}) in SEQ3 and {index} < len({o}) else getitem({o}, {index}))"
        o, k = self.fresh("o"), self.fresh("j")
        return (f"({o}[{k}] if ((({o} := {owner}), ({k} := {self.expr(node.arg)})) and type({k}) is int "
                f"and type({o}) in SEQ3 and -len({o}) <= {k} < len({o})) else getitem({o}, {k}))")

    def _context_local(self, node: nodes.Node) -> str | None:
        """The local holding a name read from the context or the globals (never rebound while
        rendering), for a ``Name`` that is one (not a loop's target nor a name the template sets)."""
        if type(node) is not nodes.Name or node.name in self.assigned or any(node.name in s for s in self.scopes):
            return None
        return self.names.get(node.name)

    def x_Compare(self, node: nodes.Compare) -> str:  # Python's chained comparison, as Jinja writes it
        return "(" + self.expr(node.expr) + "".join(f" {_COMPARE[op.op]} {self.expr(op.expr)}" for op in node.ops) + ")"

    def x_And(self, node: nodes.And) -> str:
        return f"({self.expr(node.left)} and {self.expr(node.right)})"

    def x_Or(self, node: nodes.Or) -> str:
        return f"({self.expr(node.left)} or {self.expr(node.right)})"

    def x_Not(self, node: nodes.Not) -> str:
        return f"(not {self.expr(node.node)})"

    def x_Neg(self, node: nodes.Neg) -> str:
        return f"(-{self.expr(node.node)})"

    def x_Pos(self, node: nodes.Pos) -> str:
        return f"(+{self.expr(node.node)})"

    def x_CondExpr(self, node: nodes.CondExpr) -> str:
        if node.expr2 is None:  # Jinja's plain (not strict) undefined, which writes nothing
            otherwise = self.ref(self._no_else(node))
        else:
            otherwise = self.expr(node.expr2)
        return f"({self.expr(node.expr1)} if {self.expr(node.test)} else {otherwise})"

    @staticmethod
    def _no_else(node: nodes.CondExpr) -> Undefined:
        return Undefined(f"the inline if-expression on line {node.lineno} evaluated to false and no else section "
                         "was defined.")

    def _binop(self, node: nodes.BinExpr) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        plain = _BINOPS_PLAIN.get(type(node))
        if plain is not None:
            return f"({left} {plain} {right})"
        return f"binop(None, {_BINOPS_SANDBOXED[type(node)]!r}, {left}, {right})"

    x_Add = x_Sub = x_Mul = x_Div = x_FloorDiv = x_Mod = x_Pow = _binop

    def x_List(self, node: nodes.List) -> str:
        return "[" + "".join(f"{self.expr(n)}, " for n in node.items) + "]"

    def x_Tuple(self, node: nodes.Tuple) -> str:
        if node.ctx != "load":
            raise Unsupported("tuple target")
        return "(" + "".join(f"{self.expr(n)}, " for n in node.items) + ")"

    def x_Dict(self, node: nodes.Dict) -> str:
        return "{" + "".join(f"{self.expr(p.key)}: {self.expr(p.value)}, " for p in node.items) + "}"

    def _arguments(self, node: nodes.Call | nodes.Filter) -> str:
        """``, a, b, **{'k': c}``: the call's arguments after the callee."""
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Unsupported("*args")
        text = "".join(f", {self.expr(a)}" for a in node.args)
        if node.kwargs:
            text += ", **{" + "".join(f"{k.key!r}: {self.expr(k.value)}, " for k in node.kwargs) + "}"
        return text

    def x_Call(self, node: nodes.Call) -> str:
        if type(node.node) is nodes.Name and node.node.name == "_gl_concat":  # `~`, as templates.py rewrote it
            self.internal_names.add("_gl_concat")
            return f"concat({self._arguments(node)[2:]})"
        callee, arguments = self.expr(node.node), self._arguments(node)
        known = self._plain_function(node.node)
        if known is not None:  # the game's function itself (not a name of the game hiding it): called directly
            return f"(f({arguments[2:]}) if (f := {callee}) is {self.ref(known)} else call(CC, f{arguments}))"
        return f"call(CC, {callee}{arguments})"

    def _plain_function(self, node: nodes.Node) -> Any:
        """The global function ``node`` names, where the sandbox's ``call`` would only call it: a Python
        function that is safe to call, takes no Jinja argument and is no method of a text or a number."""
        if type(node) is not nodes.Name or node.name in self.assigned or any(node.name in s for s in self.scopes):
            return None
        function = self.env.globals.get(node.name)
        if (type(function) is not FunctionType or not self.env.is_safe_callable(function)
                or getattr(function, "__self__", None) is not None or _PassArg.from_obj(function) is not None
                or _PassArg.from_obj(function.__call__) is not None):
            return None
        return function

    def x_Filter(self, node: nodes.Filter) -> str:
        if node.node is None:
            raise Unsupported("filter block")
        function = self.env.filters.get(node.name)
        if function is None:
            raise Unsupported("unknown filter")
        passes = _PassArg.from_obj(function)
        if passes is _PassArg.context:
            raise Unsupported("filter that takes the context")
        first = ("" if passes is None else self.ref(self.env) + ", " if passes is _PassArg.environment
                 else self.ref(self.eval_ctx) + ", ")
        return f"{self.ref(function)}({first}{self.expr(node.node)}{self._arguments(node)})"


def _make_getitem(sandbox_getitem: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``a[b]`` as the sandbox reads it, with a dict's key and a list's item read directly."""

    def getitem(owner: Any, key: Any) -> Any:
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

    return getitem


def _walk(node: nodes.Node, kind: type) -> list[nodes.Node]:
    """``node`` and the nodes under it of type ``kind``."""
    found = [node] if isinstance(node, kind) else []
    found.extend(node.find_all(kind))
    return found
