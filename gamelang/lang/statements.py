"""Every statement kind, declared once: what each pass does with it.

A state's body is a list of statements (`ask`, `parse`, `if`, `for`, ...). Each kind has one
:class:`StatementKind` entry in :data:`KINDS`, keyed by its spec model (gamelang/lang/spec.py),
that names

- its **child bodies** (the nested statement lists of `if` and `for`), for the generic
  :func:`walk`;
- its **check** hook: the checker's names, types and flow facts (gamelang/lang/statecheck.py
  calls it for every statement);
- its **lower** hook and the **op** classes it lowers to (gamelang/builder.py calls it, the ops
  are in gamelang/machine.py and the interpreter runs each with its handler);
- its **edges** hook: the transitions it adds to the state graph (gamelang/lang/flow.py, used by
  the checker's graph pass and by `gamelang graph`), and its **leaves** hook: whether it always
  leaves the state.

The passes dispatch through this table instead of each testing statement types in turn, so a
new statement kind is one section here plus its grammar rule, its parse-tree method
(``GameBuilder.stmt_*`` in parser.py), its spec model and its ops (docs/internals.md).

Hooks receive the pass that calls them (the checker, the state compiler, the flow walk) and
recurse through it, so this module imports none of those passes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import expr as ex
from ..machine import (
    AskOp,
    CheckOp,
    EndOp,
    ForNextOp,
    ForStartOp,
    GotoOp,
    JumpOp,
    JumpUnlessOp,
    Op,
    ParseOp,
    ResultOp,
    RewardOp,
    SetOp,
    TellOp,
)
from .evaluate import compile_expr
from .source import DataPath
from .spec import (
    STATEMENT_MODELS,
    Ask,
    Check,
    End,
    ForEach,
    Goto,
    If,
    Parse,
    Result,
    Reward,
    SetVar,
    Statement,
    Tell,
    statement_key,
)
from .typecheck import Symbol, kind_name
from .types import BOOL, FLOAT, INT, STR, AnyT, ListT, MapT, NothingT, Type

if TYPE_CHECKING:
    from ..builder import StateCompiler
    from .checks import Checker
    from .flow import StateWalk
    from .statecheck import Flow

    Scope = dict[str, Symbol]


@dataclass(frozen=True)
class StatementKind:
    """One statement kind and the hook of each pass."""

    model: type
    #: (attribute of the model, key in the data path) of each nested statement list
    bodies: tuple[tuple[str, str], ...]
    #: check(checker, state, stmt, path, scope, flow) -> the flow facts after the statement
    check: Callable[..., "Flow"]
    #: lower(compiler, stmt, path, line) -> True if every path through it leaves the state
    lower: Callable[..., bool]
    #: the op classes ``lower`` emits
    ops: tuple[type[Op], ...]
    #: edges(walk, stmt, guards) -> the guards of what follows, or None when nothing follows
    edges: Callable[..., "list[ex.Expr] | None"]
    #: leaves(stmt) -> whether every path through the statement leaves the state
    leaves: Callable[[Any], bool] = lambda stmt: False

    @property
    def key(self) -> str:
        """The statement's keyword (its YAML key)."""
        return statement_key(self.model)


# ---------------------------------------------------------------------- the generic walk
def kind_of(stmt: Statement) -> StatementKind:
    """The registry entry of a statement."""
    return KINDS[type(stmt)]


def child_bodies(stmt: Statement) -> Iterator[tuple[str, list[Statement]]]:
    """The statement lists nested in ``stmt``, each with its key in the data path."""
    for attr, key in kind_of(stmt).bodies:
        yield key, getattr(stmt, attr)


def walk(body: list[Statement], path: DataPath = ()) -> Iterator[tuple[DataPath, Statement]]:
    """Every statement of ``body`` and of the bodies nested in it, in source order, with its path."""
    for i, stmt in enumerate(body):
        yield path + (i,), stmt
        for key, inner in child_bodies(stmt):
            yield from walk(inner, path + (i, key))


def leaves(body: list[Statement]) -> bool:
    """Whether every path through ``body`` ends with `goto` or `end` (a loop may run no time)."""
    return any(kind_of(stmt).leaves(stmt) for stmt in body)


def _keeps_guards(w: "StateWalk", stmt: Any, guards: list[ex.Expr]) -> list[ex.Expr]:
    """The edges of a statement that adds no transition."""
    return guards


# ---------------------------------------------------------------------- ask (and probe)
def _check_ask(c: "Checker", state: str, stmt: Ask, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    roles = c.spec.roles
    if stmt.ask not in roles:
        c.undefined(path + ("ask",), "GL0009", "role", stmt.ask, roles)
    else:
        c.used.add(("ask", stmt.ask))
    if stmt.message is not None:
        c.template(stmt.message, path + ("message",), scope)
    return replace(flow, last_ask=stmt.ask, asked=True)


def _lower_ask(sc: "StateCompiler", stmt: Ask, path: DataPath, line: int) -> bool:
    sc.ops.append(AskOp(line, stmt.ask, sc.b.template(stmt.message), stmt.probe))
    return False


# ---------------------------------------------------------------------- parse
def _check_parse(c: "Checker", state: str, stmt: Parse, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    move = c.spec.moves.get(stmt.parse)
    if move is None:
        c.undefined(path + ("parse",), "GL0011", "move", stmt.parse, c.spec.moves)
    else:
        c.used.add(("move", stmt.parse))
        if not flow.asked:
            c.err(path, "GL0029", f"`parse {stmt.parse}` has no `ask` before it in state '{state}'",
                  f"add `ask {move.by}` before it")
        elif (flow.last_ask not in (None, "?") and flow.last_ask != move.by
              and flow.last_ask in c.spec.roles and move.by in c.spec.roles):
            c.err(path, "GL0030", f"move '{stmt.parse}' is made by '{move.by}', but the role asked "
                                  f"last is '{flow.last_ask}'")
    c.failure(stmt.otherwise, path + ("else",), scope, flow)
    return flow


def _lower_parse(sc: "StateCompiler", stmt: Parse, path: DataPath, line: int) -> bool:
    sc.ops.append(ParseOp(line, stmt.parse, sc.b.failure(stmt.otherwise)))
    return False


def _parse_edges(w: "StateWalk", stmt: Parse, guards: list[ex.Expr]) -> list[ex.Expr]:
    what = f"parse {stmt.parse} fails"
    if guards:  # the failure happens only on the path the guards describe
        what = w.label(guards + [ex.Name("PARSE_FAILS")]).replace("PARSE_FAILS", what)
    w.failure(stmt.otherwise, what)
    return guards


# ---------------------------------------------------------------------- check
def _check_check(c: "Checker", state: str, stmt: Check, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    c.typecheck_expect(stmt.check, path + ("check",), scope, BOOL, "a check")
    c.failure(stmt.otherwise, path + ("else",), scope, flow)
    return flow


def _lower_check(sc: "StateCompiler", stmt: Check, path: DataPath, line: int) -> bool:
    sc.ops.append(CheckOp(line, compile_expr(stmt.check), ex.unparse(stmt.check), sc.b.failure(stmt.otherwise)))
    return False


def _check_edges(w: "StateWalk", stmt: Check, guards: list[ex.Expr]) -> list[ex.Expr]:
    w.failure(stmt.otherwise, w.label(guards + [ex.negated(stmt.check)]))
    return guards + [stmt.check]  # what follows runs only when the check held


# ---------------------------------------------------------------------- set
def _check_set(c: "Checker", state: str, stmt: SetVar, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    sym = scope.get(stmt.var)
    value_type = c.typecheck(stmt.to, path + ("to",), scope)
    if sym is None:
        c.undefined(path + ("set",), "GL0012", "variable", stmt.var, c.spec.vars)
    elif sym.kind != "var":
        c.err(path + ("set",), "GL0020", f"'{stmt.var}' is {kind_name(sym.kind)} and cannot be set",
              "declare a variable with: var NAME: TYPE = VALUE")
    else:
        c.used.add(("set", stmt.var))
        if not value_type.fits(sym.type):
            c.err(path + ("to",), "GL0019", f"'{stmt.var}' is {sym.type}, but this value is {value_type}")
    return flow


def _lower_set(sc: "StateCompiler", stmt: SetVar, path: DataPath, line: int) -> bool:
    sc.ops.append(SetOp(line, stmt.var, compile_expr(stmt.to), ex.unparse(stmt.to)))
    return False


# ---------------------------------------------------------------------- tell
def _check_tell(c: "Checker", state: str, stmt: Tell, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    if stmt.tell not in c.spec.roles:
        c.undefined(path + ("tell",), "GL0009", "role", stmt.tell, c.spec.roles)
    else:
        c.used.add(("tell", stmt.tell))
    c.template(stmt.message, path + ("message",), scope)
    return flow


def _lower_tell(sc: "StateCompiler", stmt: Tell, path: DataPath, line: int) -> bool:
    sc.ops.append(TellOp(line, stmt.tell, sc.b.template(stmt.message)))
    return False


# ---------------------------------------------------------------------- result
def _check_result(c: "Checker", state: str, stmt: Result, path: DataPath, scope: "Scope",
                  flow: "Flow") -> "Flow":
    move = c.spec.moves.get(stmt.result)
    if move is None:
        c.undefined(path + ("result",), "GL0011", "move", stmt.result, c.spec.moves)
    elif move.kind != "tool" or move.each is not None:
        what = "a list move" if move.each else f"a {move.kind} move"
        c.err(path + ("result",), "GL0041", f"`result` answers one tool call, but move '{stmt.result}' "
                                            f"is {what}",
              "declare a move that parses a call: move call by ROLE = tool")
    else:
        c.used.add(("tell", move.by))
    c.template(stmt.message, path + ("message",), scope)
    return flow


def _lower_result(sc: "StateCompiler", stmt: Result, path: DataPath, line: int) -> bool:
    sc.ops.append(ResultOp(line, stmt.result, sc.b.spec.moves[stmt.result].by, sc.b.template(stmt.message)))
    return False


# ---------------------------------------------------------------------- reward
def _check_reward(c: "Checker", state: str, stmt: Reward, path: DataPath, scope: "Scope",
                  flow: "Flow") -> "Flow":
    got = c.typecheck(stmt.reward, path + ("reward",), scope)
    if not got.fits(FLOAT):
        c.err(path + ("reward",), "GL0017", f"a reward must be a number, but this is {got}")
    if stmt.to is not None and stmt.to not in c.spec.roles:
        c.undefined(path + ("to",), "GL0009", "role", stmt.to, c.spec.roles)
    if stmt.once is not None:
        key = c.typecheck(stmt.once, path + ("once",), scope)
        if not (key.fits(STR) or key.fits(INT)):
            c.err(path + ("once",), "GL0017", f"the key of `once` must be str or int, but this is {key}",
                  "a text that names what is paid for, such as a tool's name or \"goal:\" + name")
    return flow


def _lower_reward(sc: "StateCompiler", stmt: Reward, path: DataPath, line: int) -> bool:
    sc.ops.append(RewardOp(line, compile_expr(stmt.reward), stmt.to, ex.unparse(stmt.reward),
                           f"{sc.state}:{line}",
                           compile_expr(stmt.once) if stmt.once is not None else None))
    return False


# ---------------------------------------------------------------------- goto
def _check_goto(c: "Checker", state: str, stmt: Goto, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    if stmt.goto not in c.spec.states:
        c.undefined(path + ("goto",), "GL0010", "state", stmt.goto, c.spec.states)
    return replace(flow, done=True)


def _lower_goto(sc: "StateCompiler", stmt: Goto, path: DataPath, line: int) -> bool:
    sc.ops.append(GotoOp(line, stmt.goto))
    return True


def _goto_edges(w: "StateWalk", stmt: Goto, guards: list[ex.Expr]) -> None:
    w.edge(stmt.goto, w.label(guards))
    return None


# ---------------------------------------------------------------------- end
def _check_end(c: "Checker", state: str, stmt: End, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    c.reason(stmt.reason, path + ("reason",), scope)
    return replace(flow, done=True)


def _lower_end(sc: "StateCompiler", stmt: End, path: DataPath, line: int) -> bool:
    sc.ops.append(EndOp(line, stmt.end, sc.b.inline(stmt.reason)))
    return True


def _end_edges(w: "StateWalk", stmt: End, guards: list[ex.Expr]) -> None:
    w.edge(stmt.end, w.label(guards), to_outcome=True)
    return None


# ---------------------------------------------------------------------- if
def _check_if(c: "Checker", state: str, stmt: If, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    c.typecheck_expect(stmt.cond, path + ("if",), scope, BOOL, "an `if` condition")
    then = c.block(state, stmt.then, path + ("then",), scope, replace(flow, done=False))
    other = c.block(state, stmt.otherwise, path + ("else",), scope, replace(flow, done=False))
    # what holds after the if: only what holds on both branches that continue
    live = [f for f in (then, other) if not f.done]
    if not live:
        return replace(flow, done=True)
    asks = {f.last_ask for f in live}
    return replace(flow, last_ask=asks.pop() if len(asks) == 1 else "?", asked=all(f.asked for f in live))


def _lower_if(sc: "StateCompiler", stmt: If, path: DataPath, line: int) -> bool:
    jump_index = len(sc.ops)
    sc.ops.append(JumpOp(line, -1))  # placeholder, patched below
    then_leaves = sc.block(stmt.then, path + ("then",))
    skip_index = None
    if not then_leaves and stmt.otherwise:
        skip_index = len(sc.ops)
        sc.ops.append(JumpOp(line, -1))
    else_start = len(sc.ops)
    else_leaves = sc.block(stmt.otherwise, path + ("else",)) if stmt.otherwise else False
    end = len(sc.ops)
    sc.ops[jump_index] = JumpUnlessOp(line, compile_expr(stmt.cond), else_start, ex.unparse(stmt.cond))
    if skip_index is not None:
        sc.ops[skip_index] = JumpOp(line, end)
    return then_leaves and else_leaves


def _if_edges(w: "StateWalk", stmt: If, guards: list[ex.Expr]) -> list[ex.Expr] | None:
    w.walk(stmt.then, guards + [stmt.cond])
    w.walk(stmt.otherwise, guards + [ex.negated(stmt.cond)])
    then_leaves, else_leaves = leaves(stmt.then), leaves(stmt.otherwise)
    if then_leaves and else_leaves:
        return None
    if then_leaves:  # the statements after the `if` run only when its condition is false
        return guards + [ex.negated(stmt.cond)]
    if else_leaves:
        return guards + [stmt.cond]
    return guards


# ---------------------------------------------------------------------- for
def _check_for(c: "Checker", state: str, stmt: ForEach, path: DataPath, scope: "Scope", flow: "Flow") -> "Flow":
    items = c.typecheck(stmt.items, path + ("in",), scope)
    item: Type = AnyT()
    if isinstance(items, ListT):
        item = AnyT() if isinstance(items.item, NothingT) else items.item
    elif not isinstance(items, AnyT):
        c.err(path + ("in",), "GL0017", f"`for` goes over a list, not {items}",
              "over a map, go over keys(m) or values(m)" if isinstance(items, MapT) else None)
    if stmt.var in scope:
        c.err(path + ("for",), "GL0008", f"the loop name '{stmt.var}' hides the "
                                         f"{kind_name(scope[stmt.var].kind).split(' ', 1)[-1]} '{stmt.var}'",
              f"choose another name, such as '{stmt.var}_'")
    inner = {**scope, stmt.var: Symbol(stmt.var, item, "local")}
    body = c.block(state, stmt.body, path + ("do",), inner, replace(flow, done=False))
    if body.done:  # the body may run no time: what follows still runs
        return flow
    return replace(flow, last_ask=flow.last_ask if body.last_ask == flow.last_ask else "?")


def _lower_for(sc: "StateCompiler", stmt: ForEach, path: DataPath, line: int) -> bool:
    key = f"for#{line}#{len(sc.ops)}"  # not a name a game can write: never clashes
    sc.ops.append(ForStartOp(line, key, compile_expr(stmt.items), ex.unparse(stmt.items)))
    next_index = len(sc.ops)
    sc.ops.append(JumpOp(line, -1))  # placeholder, patched below
    if not sc.block(stmt.body, path + ("do",)):
        sc.ops.append(JumpOp(line, next_index))
    sc.ops[next_index] = ForNextOp(line, key, stmt.var, len(sc.ops))
    return False  # the loop may run no time


def _for_edges(w: "StateWalk", stmt: ForEach, guards: list[ex.Expr]) -> list[ex.Expr]:
    # the body's exits, for some item; the loop may also run no time
    w.walk(stmt.body, guards + [ex.Binary("in", ex.Name(stmt.var), stmt.items)])
    return guards


# ---------------------------------------------------------------------- the registry
#: Every statement kind, keyed by its spec model.
KINDS: dict[type, StatementKind] = {k.model: k for k in (
    StatementKind(Ask, (), _check_ask, _lower_ask, (AskOp,), _keeps_guards),
    StatementKind(Parse, (), _check_parse, _lower_parse, (ParseOp,), _parse_edges),
    StatementKind(Check, (), _check_check, _lower_check, (CheckOp,), _check_edges),
    StatementKind(SetVar, (), _check_set, _lower_set, (SetOp,), _keeps_guards),
    StatementKind(Tell, (), _check_tell, _lower_tell, (TellOp,), _keeps_guards),
    StatementKind(Result, (), _check_result, _lower_result, (ResultOp,), _keeps_guards),
    StatementKind(Reward, (), _check_reward, _lower_reward, (RewardOp,), _keeps_guards),
    StatementKind(Goto, (), _check_goto, _lower_goto, (GotoOp,), _goto_edges, leaves=lambda stmt: True),
    StatementKind(End, (), _check_end, _lower_end, (EndOp,), _end_edges, leaves=lambda stmt: True),
    StatementKind(If, (("then", "then"), ("otherwise", "else")), _check_if, _lower_if, (JumpUnlessOp, JumpOp),
                  _if_edges, leaves=lambda stmt: leaves(stmt.then) and leaves(stmt.otherwise)),
    StatementKind(ForEach, (("body", "do"),), _check_for, _lower_for, (ForStartOp, ForNextOp, JumpOp), _for_edges),
)}

assert set(KINDS) == set(STATEMENT_MODELS.values()), "every statement model has one entry in KINDS"
