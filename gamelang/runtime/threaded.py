"""Threaded code: the interpreter's instructions as Python functions, made once per machine.

:meth:`GameEnv._run_on <gamelang.runtime.episode.GameEnv._run_on>` runs a state's instructions
through a list of callables, one per op, ``code(env, state) -> next pc`` (or :data:`WAIT` /
:data:`RELOAD`). :func:`threaded_code` makes them for a machine: a closure per op with the op's
fields as its own variables (the ``_fast_*`` functions; an op without one runs through its
handler in :data:`OP_HANDLERS`), and, where a run of ops is entered, one function written out as
Python source for the ops that follow, ifs as Python's ifs (:class:`_BlockWriter`). Each is the
handler's behaviour on its common path, with the rare paths (a failed check or parse, a limit)
through the handler's own methods; tests/runtime/test_threaded_code.py runs every shipped game
through this code and through the handlers one op at a time and compares everything.

The source is written from the compiled machine alone: names, texts and patterns only as Python
literals (``repr``), values the source needs by reference into its namespace, no builtins in
that namespace (docs/security.md). A new op class needs its handler in :data:`OP_HANDLERS`;
an entry in :data:`_FAST_OPS` and a case in the block writer are optional speed.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from ..lang.evaluate import ExpressionWriter, fast_expressions
from ..lang.functions import EvalError
from ..lang.templates import RenderError
from ..machine import (
    AskOp,
    CheckOp,
    ForNextOp,
    GotoOp,
    JumpOp,
    JumpUnlessOp,
    Machine,
    ParseOp,
    SetOp,
    TellOp,
)
from .episode import OP_HANDLERS, RELOAD, WAIT, GameEnv, GameRuntimeError, OpCode
from .state import EpisodeState

# Each instruction runs through a closure made for it once per machine: the op's fields are the
# closure's own variables, its position is a constant, and the common path (a check that holds, a
# reply that parses) runs without a further call. The closure returns the index of the next
# instruction, or WAIT or RELOAD (gamelang/runtime/episode.py).


def threaded_code(machine: Machine) -> dict[str, list[OpCode]]:
    """Each state's instructions as closures, made once per machine (kept in ``machine.extras``)."""
    cached = machine.extras.get("threaded")
    # made again if the parts it was made from were replaced
    if (cached is None or cached[0] is not machine.states or cached[1] is not machine.limits
            or cached[2] is not machine.moves):
        code = {name: [_FAST_OPS.get(type(op), _generic_op)(op, pc, machine, {}) for pc, op in enumerate(state.ops)]
                for name, state in machine.states.items()}
        inline = _fuse_blocks(machine, code)
        # the ops outside the blocks evaluate their expressions as one function each (compiled together)
        rest = [(name, pc, op) for name, state in machine.states.items() for pc, op in enumerate(state.ops)
                if type(op) in (CheckOp, SetOp, JumpUnlessOp) and (name, pc) not in inline]
        closures = [op.value if type(op) is SetOp else op.cond for _, _, op in rest]
        exprs = {id(c): f for c, f in zip(closures, fast_expressions(closures))}
        for name, pc, op in rest:
            if not getattr(code[name][pc], "sets_pc", False):  # not a block's start
                code[name][pc] = _FAST_OPS[type(op)](op, pc, machine, exprs)
        cached = machine.extras["threaded"] = (machine.states, machine.limits, machine.moves, code)
    return cached[3]


def _event_template(**fields: Any) -> dict[str, Any]:
    """An event's keys in order, with its constant values (None where each event sets its own).

    The threaded code makes an event as a copy of its template with the changing values set: a
    small dict copied whole is cheaper than one built key by key (a check's event, all constants,
    in about 60 % of the time), and the keys keep their order, so records are the same bytes. The
    template itself is never handed out: every event is a new dict."""
    return fields


def _generic_op(op: Any, pc: int, machine: Machine, exprs: dict[int, Any] | None = None) -> OpCode:
    """An op run by its method in :data:`OP_HANDLERS`, which moves ``s.pc`` itself."""
    handler = OP_HANDLERS.get(type(op))
    if handler is None:  # pragma: no cover - the compiler emits no other ops
        def unknown(env: GameEnv, s: EpisodeState) -> int:
            s.pc = pc
            raise GameRuntimeError(f"unknown instruction {op!r}")

        return unknown

    def run(env: GameEnv, s: EpisodeState) -> int:
        s.pc = pc
        return WAIT if handler(env, op) else RELOAD

    return run


def _render_error(err: RenderError, line: int) -> GameRuntimeError:
    """What :meth:`GameEnv._render` raises for a template that failed."""
    where = f"line {line}: " if line else ""
    return GameRuntimeError(f"{where}template failed: {err}")


def _fast_ask(op: AskOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``ask ROLE [message]`` (not a probe): :meth:`GameEnv._ask`, written out."""
    if op.probe:
        return _generic_op(op, pc, machine)
    role, message, line, after = op.role, op.message, op.line, pc + 1
    limit = machine.limits.requests
    asked = _event_template(type="ask", role=role, state=None, line=line, message=None, prompt_messages=None)

    def ask(env: GameEnv, s: EpisodeState) -> int:
        counters = s.counters
        requests = counters["requests"]
        if requests >= limit:
            s.pc = pc
            env._limit(f"the request limit ({limit}) was reached")
            return RELOAD
        if s.probing:
            s.probing.pop(role, None)
        pending = s.pending[role]
        if s.override_message is not None:
            pending.append(s.override_message)
            s.override_message = None
        elif message is not None:
            try:
                text = message.render(env.env)
            except RenderError as err:
                raise _render_error(err, line) from None
            pending.append(text)
        history = s.histories[role]
        new = None
        if pending:  # _flush, written out
            s.pending[role] = []
            if len(pending) == 1:  # one message: itself, unless it is empty
                new = pending[0] or None
            else:  # the non-empty ones joined (filter, not a comprehension: that is a call of its own)
                new = "\n\n".join(filter(None, pending)) or None
            if new is not None:
                # messages are replaced, never changed in place: forks share them
                if history and history[-1]["role"] == "user":  # never two user messages in a row
                    history[-1] = {"role": "user", "content": history[-1]["content"] + "\n\n" + new}
                else:
                    history.append({"role": "user", "content": new})
        s.last_ask_pc = pc
        requests += 1  # _count("requests"), written out
        counters["requests"] = s.bindings["requests"] = env.env["requests"] = requests
        s.asks[role] += 1
        s.waiting_for = role
        event = asked.copy()  # {"type": "ask", "role": role, "state": ..., "line": line, "message": ..., ...}
        event["state"] = s.current
        event["message"] = new
        event["prompt_messages"] = len(history)
        s.events.append(event)  # _emit, written out
        if env.on_event is not None:
            env.on_event(event)
        s.pc = after
        return WAIT

    return ask


def _fast_parse(op: ParseOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``parse MOVE else ...`` (not a tool move): :meth:`GameEnv._parse`, the success written out."""
    parser = machine.moves[op.move]
    if parser.kind == "tool":
        return _generic_op(op, pc, machine)
    move, by, after = op.move, parser.move.by, pc + 1
    value_of = parser.parse_value
    parsed = _event_template(type="parse", move=move, ok=True, value=None)

    def parse(env: GameEnv, s: EpisodeState) -> int:
        if value_of is not None:  # the record, or None: the error from parse (the rare path)
            value = value_of(s.last_reply.get(by, ""))
            result = parser.parse(s.last_reply.get(by, "")) if value is None else None
        else:
            result = parser.parse(s.last_reply.get(by, ""))
            value = result.value if result.ok else None
        if result is not None and not result.ok:
            s.pc = pc
            env._parse_failed(op, result.error, by)
            return RELOAD
        names, bindings = env.env, s.bindings
        bindings[move] = names[move] = value
        if names.get("parse_error"):
            env._bind("parse_error", "")
        counters = s.counters
        n = counters["parsed"] + 1  # _count("parsed"), written out
        counters["parsed"] = bindings["parsed"] = names["parsed"] = n
        event = parsed.copy()  # {"type": "parse", "move": move, "ok": True, "value": value}
        event["value"] = value
        s.events.append(event)
        if env.on_event is not None:
            env.on_event(event)
        return after

    return parse


def _fast_check(op: CheckOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``check COND else ...``: :meth:`GameEnv._check`, the condition that holds written out."""
    cond, line, text, after = exprs.get(id(op.cond), op.cond), op.line, op.text, pc + 1
    held = _event_template(type="check", expr=text, ok=True, line=line)

    def check(env: GameEnv, s: EpisodeState) -> int:
        try:
            ok = cond(env.env)
        except Exception as err:  # noqa: BLE001 - _eval_failed gives the message (or lets the error through)
            ok = env._eval_failed(err, line, text)
        if not ok:
            s.pc = pc
            env._check_failed(op)
            return RELOAD
        event = held.copy()  # {"type": "check", "expr": text, "ok": True, "line": line}
        s.events.append(event)
        if env.on_event is not None:
            env.on_event(event)
        return after

    return check


def _fast_set(op: SetOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``set VAR = EXPR``: :meth:`GameEnv._set`."""
    var, value, line, text, after = op.var, exprs.get(id(op.value), op.value), op.line, op.text, pc + 1
    bound = _event_template(type="set", var=var, value=None)

    def set_(env: GameEnv, s: EpisodeState) -> int:
        names = env.env
        try:
            v = value(names)
        except Exception as err:  # noqa: BLE001 - _eval_failed gives the message (or lets the error through)
            v = env._eval_failed(err, line, text)
        s.bindings[var] = names[var] = v
        event = bound.copy()  # {"type": "set", "var": var, "value": v}
        event["value"] = v
        s.events.append(event)
        if env.on_event is not None:
            env.on_event(event)
        return after

    return set_


def _fast_tell(op: TellOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``tell ROLE message``: :meth:`GameEnv._tell_op`."""
    role, message, line, after = op.role, op.message, op.line, pc + 1
    if message is None:  # pragma: no cover - a tell always has a message
        return _generic_op(op, pc, machine)
    told = _event_template(type="tell", role=role, text=None)

    def tell(env: GameEnv, s: EpisodeState) -> int:
        try:
            text = message.render(env.env)
        except RenderError as err:
            raise _render_error(err, line) from None
        s.pending[role].append(text)
        event = told.copy()  # {"type": "tell", "role": role, "text": text}
        event["text"] = text
        s.events.append(event)
        if env.on_event is not None:
            env.on_event(event)
        return after

    return tell


def _fast_jump_unless(op: JumpUnlessOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """The test of an ``if``: :meth:`GameEnv._jump_unless`."""
    cond, line, text, target, after = exprs.get(id(op.cond), op.cond), op.line, op.text, op.target, pc + 1

    def jump_unless(env: GameEnv, s: EpisodeState) -> int:
        try:
            ok = cond(env.env)
        except Exception as err:  # noqa: BLE001 - _eval_failed gives the message (or lets the error through)
            ok = env._eval_failed(err, line, text)
        return after if ok else target

    return jump_unless


def _fast_jump(op: JumpOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    target = op.target

    def jump(env: GameEnv, s: EpisodeState) -> int:
        return target

    return jump


def _fast_goto(op: GotoOp, pc: int, machine: Machine, exprs: dict[int, Any]) -> OpCode:
    """``goto STATE``: :meth:`GameEnv._goto`, written out."""
    state = op.state
    file = machine.states[state].file  # the lines of what follows are lines of that library
    limit = machine.limits.steps
    moved = _event_template(type="state", **{"from": None}, to=state)
    if file is not None:
        moved["file"] = file

    def goto(env: GameEnv, s: EpisodeState) -> int:
        counters = s.counters
        steps = counters["steps"]
        if steps >= limit:
            s.pc = pc
            env._goto(state)  # the limit ends the episode
            return RELOAD
        event = moved.copy()  # {"type": "state", "from": s.current, "to": state} (and the file)
        event["from"] = s.current
        s.events.append(event)
        if env.on_event is not None:
            env.on_event(event)
        s.current = state
        s.pc = 0
        if s.reprompts_here:  # an empty one is left as it is: no copy of the state shares it
            s.reprompts_here = {}
        s.last_ask_pc = None
        steps += 1  # _count("steps"), written out
        counters["steps"] = s.bindings["steps"] = env.env["steps"] = steps
        return RELOAD

    return goto


#: The ops with a closure of their own; the others run through :func:`_generic_op`.
_FAST_OPS: dict[type, Callable[[Any, int, Machine, dict[int, Any]], OpCode]] = {
    AskOp: _fast_ask,
    ParseOp: _fast_parse,
    CheckOp: _fast_check,
    SetOp: _fast_set,
    TellOp: _fast_tell,
    JumpUnlessOp: _fast_jump_unless,
    JumpOp: _fast_jump,
    GotoOp: _fast_goto,
}


# ---------------------------------------------------------------------- blocks
# Where a run of instructions is entered (a state's start, after an ask or an op run by its
# handler, an index a block hands back to the loop), the ops that follow are also written out as
# one Python function: each op's common path as the closures above run it, expressions inline, an
# if whose branches lie ahead as Python's if/else, its rare paths (a failed check or parse, a
# limit) through the same methods. The entry of every other index stays its op's closure, so any
# program counter a handler sets still runs.

#: At most this many ops in one block.
_MAX_BLOCK = 48
#: At most this many ifs nested in one block (Python allows 20 nested blocks in a function).
_MAX_NESTING = 10


def _indent(source: str, pad: str) -> str:
    """``source`` written for the top of a block's ``try`` (8 spaces) moved to ``pad``."""
    if pad == "        ":
        return source
    return "".join(pad + line[8:] for line in source.splitlines(keepends=True))


def _entries(ops: list[Any]) -> set[int]:
    """The indexes the interpreter loop enters a state's instructions at whatever the blocks
    return: the state's start, after an ask (the reply) and after an op run by its handler (which
    sets the program counter: the next op, or where a loop goes on)."""
    entries = {0}
    for pc, op in enumerate(ops):
        kind = type(op)
        if kind is ForNextOp:
            entries.add(op.target)
        if kind is AskOp or kind not in _FAST_OPS:
            entries.update((pc, pc + 1))
    return {pc for pc in entries if pc < len(ops)}


def _successors(op: Any, pc: int) -> tuple[int, ...]:
    """Where the loop goes after the op at ``pc`` run by its closure (an ask waits; a goto moves
    to another state's start)."""
    kind = type(op)
    if kind in (AskOp, GotoOp):
        return ()
    if kind is JumpOp:
        return (op.target,)
    return (pc + 1, op.target) if kind in (JumpUnlessOp, ForNextOp) else (pc + 1,)


class _BlockWriter:
    """The source of one machine's blocks, over an :class:`ExpressionWriter`'s namespace."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.w = ExpressionWriter()
        self.w.space.update({"RenderError": RenderError, "render_error": _render_error, "Exception": Exception,
                             "BaseException": BaseException})
        self.w.space["__builtins__"] = {}

    def block(self, name: str, ops: list[Any], start: int, code: dict[str, list[OpCode]],
              state: str) -> tuple[str, list[int]] | None:
        """The source of the block at ``start`` and the ops it writes out, or None where it would
        hold fewer than two ops.

        The block runs on until an op that waits, moves or ends (ask, goto, an op it cannot write
        out, which it runs by its closure: one call, no return to the loop), a jump back or out of
        its reach (its index is returned to the loop), or :data:`_MAX_BLOCK` ops. An ``if`` whose
        branches lie ahead is written as Python's ``if``/``else``: the ops after it are written
        once, where the branches meet, so a turn that takes a branch stays in the block.
        ``self.returned`` is then the indexes the block hands back to the loop."""
        self.ops, self.code, self.state, self.count = ops, code, state, 0
        self.written_out: list[int] = []
        self.returned: list[int] = []
        lines = self.run(start, len(ops), start, 2)
        if self.count < 2:
            return None
        source = (f"def {name}(g, s):\n    env = g.env\n    bindings = s.bindings\n    events = s.events\n"
                  f"    at = {start}\n    try:\n" + lines
                  + "    except BaseException:\n        s.pc = at  # the op that failed\n        raise\n")
        return source, self.written_out

    def run(self, pc: int, stop: int, start: int, depth: int) -> str:
        """The source of the ops from ``pc`` up to ``stop``, indented ``depth`` levels. A branch of
        an if (deeper than 2) that reaches its ``stop`` falls through to what follows the if; the
        block's own run (depth 2) ends by returning the index it reached."""
        ops, pad, text = self.ops, "    " * depth, ""
        while pc < stop:
            op = ops[pc]
            kind = type(op)
            if self.count >= _MAX_BLOCK or depth > _MAX_NESTING:
                self.returned.append(pc)
                return text + f"{pad}return {pc}\n"
            if kind is JumpOp:
                self.returned.append(op.target)
                return text + f"{pad}return {op.target}\n"
            if kind is JumpUnlessOp and pc < op.target <= stop:  # an if whose branches lie ahead
                test = self.evaluated("ok", op, op.cond)
                if test is not None:
                    self.count += 1
                    self.written_out.append(pc)
                    end = op.target  # where the branch taken when the test holds ends
                    last = ops[end - 1]
                    text += f"{pad}at = {pc}\n" + _indent(test, pad)
                    if end - 1 > pc and type(last) is JumpOp and end <= last.target <= stop:  # an else
                        text += (f"{pad}if ok:\n{self.branch(pc + 1, end - 1, start, depth)}"
                                 f"{pad}else:\n{self.branch(end, last.target, start, depth)}")
                        pc = last.target
                    else:
                        text += f"{pad}if ok:\n{self.branch(pc + 1, end, start, depth)}"
                        pc = end
                    continue
            written = None if kind in (AskOp, GotoOp) else self.op(op, pc)
            if written is None:  # an ask, a goto, an op it cannot write out: run by its closure
                if pc == start:  # the block's first op is not written out: no block here
                    self.count = 0
                    return ""
                self.count += 1
                self.returned.extend(_successors(op, pc))
                return text + self.closure_call(op, pc, pad)
            if kind is JumpUnlessOp:  # written as `if not ok: return target`
                self.returned.append(op.target)
            text += f"{pad}at = {pc}\n" + _indent(written, pad)
            self.written_out.append(pc)
            self.count += 1
            pc += 1
        if depth == 2:  # the block's own run, at the state's end
            self.returned.append(pc)
            text += f"{pad}return {pc}\n"
        return text

    def branch(self, pc: int, stop: int, start: int, depth: int) -> str:
        """The body of an if's branch (the ops from ``pc`` up to ``stop``), one level deeper."""
        return self.run(pc, stop, start, depth + 1) or "    " * (depth + 1) + "pass\n"

    def closure_call(self, op: Any, pc: int, pad: str) -> str:
        """Run the op at ``pc`` by its closure and return what it returns; after a goto to a state
        that starts with an ask, that ask, from here (the loop would call it next)."""
        call = f"{pad}at = {pc}\n{pad}return {self.w.ref(self.code[self.state][pc])}(g, s)\n"
        if type(op) is not GotoOp:
            return call
        target = self.machine.states[op.state].ops
        if not target or type(target[0]) is not AskOp or target[0].probe:
            return call
        ask = self.code[op.state][0]
        return (f"{pad}at = {pc}\n{pad}if {self.w.ref(self.code[self.state][pc])}(g, s) == {RELOAD} and not s.done:\n"
                f"{pad}    at = 0  # in {op.state!r} now: its ask, which the loop would run next\n"
                f"{pad}    return {self.w.ref(ask)}(g, s)\n{pad}return {RELOAD}\n")

    def renderer(self, template: Any) -> str:
        """The name, in the blocks' namespace, of a function of the names that renders ``template``
        as its first choice: the text, or None where :meth:`CompiledTemplate.render` must decide.

        That is the template's fast renderer, called without ``render``'s own call. It is made
        where ``render`` would make it, on the first rendering (making it for every template of a
        machine up front would cost ms at start-up): the name is first bound to a function that
        makes it and rebinds the name."""
        space = self.w.space
        name = self.w.ref(None)

        def first_use(context: dict[str, Any]) -> str | None:
            made = template.renderer()
            space[name] = made if made is not None else template.render
            return space[name](context)

        space[name] = first_use
        return name

    def event(self, template: dict[str, Any], **values: str) -> str:
        """Make ``event`` from ``template`` (:func:`_event_template`), its keys ``values`` set to
        the locals named there, and log it as :meth:`GameEnv._emit` does."""
        assert set(values) <= set(template)
        return (f"        event = {self.w.ref(template)}.copy()\n"
                + "".join(f"        event[{key!r}] = {local}\n" for key, local in values.items())
                + "        events.append(event)\n"
                "        if g.on_event is not None:\n            g.on_event(event)\n")

    def expression(self, closure: Any) -> str | None:
        tree = getattr(closure, "expr", None)
        if tree is None:
            return None
        try:
            return self.w.expr(tree)
        except (RecursionError, TypeError, KeyError):
            return None

    def evaluated(self, target: str, op: Any, closure: Any) -> str | None:
        """``target = EXPR``, an error of the expression as :meth:`GameEnv._eval_failed` makes it."""
        source = self.expression(closure)
        if source is None:
            return None
        return (f"        try:\n            {target} = {source}\n"
                f"        except Exception as err:\n"
                f"            {target} = g._eval_failed(err, {op.line!r}, {op.text!r})\n")

    def op(self, op: Any, pc: int) -> str | None:
        """One op's source (its common path; its rare paths through the env's methods), or None."""
        kind, ref = type(op), self.w.ref
        if kind is SetOp:
            value = self.evaluated("v", op, op.value)
            return None if value is None else (
                value + f"        bindings[{op.var!r}] = env[{op.var!r}] = v\n"
                + self.event(_event_template(type="set", var=op.var, value=None), value="v"))
        if kind is CheckOp:
            value = self.evaluated("ok", op, op.cond)
            return None if value is None else (
                value + f"        if not ok:\n            s.pc = {pc}\n            g._check_failed({ref(op)})\n"
                f"            return {RELOAD}\n"
                + self.event(_event_template(type="check", expr=op.text, ok=True, line=op.line)))
        if kind is JumpUnlessOp:
            value = self.evaluated("ok", op, op.cond)
            return None if value is None else value + f"        if not ok:\n            return {op.target}\n"
        if kind is JumpOp:
            return f"        return {op.target}\n"
        if kind is TellOp and op.message is not None:
            return (f"        try:\n            text = {self.renderer(op.message)}(env)\n"
                    f"            if text is None:  # the fast renderer gave up: render decides\n"
                    f"                text = {ref(op.message)}.render(env)\n"
                    f"        except RenderError as err:\n            raise render_error(err, {op.line!r}) from None\n"
                    f"        s.pending[{op.role!r}].append(text)\n"
                    + self.event(_event_template(type="tell", role=op.role, text=None), text="text"))
        if kind is ParseOp:
            parser = self.machine.moves[op.move]
            if parser.kind == "tool":
                return None
            move, by = op.move, parser.move.by
            if parser.parse_value is not None:  # the record, or None: the error from parse (the rare path)
                parsed = (f"        v = {ref(parser.parse_value)}(s.last_reply.get({by!r}, ''))\n"
                          f"        if v is None:\n            s.pc = {pc}\n"
                          f"            result = {ref(parser)}.parse(s.last_reply.get({by!r}, ''))\n"
                          f"            g._parse_failed({ref(op)}, result.error, {by!r})\n            return {RELOAD}\n")
            else:
                parsed = (f"        result = {ref(parser)}.parse(s.last_reply.get({by!r}, ''))\n"
                          f"        if not result.ok:\n            s.pc = {pc}\n"
                          f"            g._parse_failed({ref(op)}, result.error, {by!r})\n            return {RELOAD}\n"
                          "        v = result.value\n")
            return (parsed + f"        bindings[{move!r}] = env[{move!r}] = v\n"
                    "        if env.get('parse_error'):\n            g._bind('parse_error', '')\n"
                    "        counters = s.counters\n        n = counters['parsed'] + 1\n"
                    "        counters['parsed'] = bindings['parsed'] = env['parsed'] = n\n"
                    + self.event(_event_template(type="parse", move=move, ok=True, value=None), value="v"))
        return None


def _fuse_blocks(machine: Machine, code: dict[str, list[OpCode]]) -> set[tuple[str, int]]:
    """Put each state's blocks at their starts in ``code`` (compiled together; where that fails,
    the ops' closures stay); the (state, index) of the ops they write out."""
    writer = _BlockWriter(machine)
    sources: list[str] = []
    places: list[tuple[str, int, str]] = []
    inline: set[tuple[str, int]] = set()
    for state_name, state in machine.states.items():
        # a block at each index the loop enters: the entries, then the indexes the blocks (or the
        # closures where no block is made) hand back to the loop
        todo, seen = sorted(_entries(state.ops), reverse=True), set()
        while todo:
            start = todo.pop()
            if start in seen or start >= len(state.ops):
                continue
            seen.add(start)
            name = f"block_{len(places)}"
            made = writer.block(name, state.ops, start, code, state_name)
            if made is None:
                todo.extend(_successors(state.ops[start], start))
                continue
            sources.append(made[0])
            places.append((state_name, start, name))
            inline.update((state_name, pc) for pc in made[1])
            todo.extend(writer.returned)
    if not sources:
        return set()
    space = writer.w.space
    try:
        with warnings.catch_warnings():  # Python's warnings on what only ill-typed trees hold
            warnings.simplefilter("ignore", SyntaxWarning)
            compiled = compile("\n".join(sources), "<blocks>", "exec")
        exec(compiled, space)  # noqa: S102 - written above: texts and names as literals, values by name
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # Python's limits: the closures stay
        return set()
    for state_name, start, name in places:
        block = space[name]
        block.sets_pc = True  # on an error it has put the op that failed in s.pc
        code[state_name][start] = block
    return inline


# ---------------------------------------------------------------------- scoring
#: The errors that make a metric None rather than fail the episode (as GameEnv._score catches them).
_METRIC_ERRORS = (EvalError, TypeError, KeyError, IndexError, ValueError, ArithmeticError)
#: The names the score block reads besides the game's: Python locals of the written function.
_SCORE_NAMES = {"won": "won", "lost": "lost", "aborted": "aborted", "outcome": "outcome"}


def score_code(machine: Machine) -> Callable[[dict[str, Any], str], tuple[Any, float, dict[str, Any]]] | None:
    """:meth:`GameEnv._score` as one function of the env and the outcome, written out once per
    machine: the same values, errors and order, with ``won``, ``lost``, ``aborted``, ``outcome``
    (and, after the main score, ``main``) as Python locals instead of a copy of the env with them
    added. None where an expression cannot be written (deeper than Python's parser takes)."""
    writer = ExpressionWriter()
    space = writer.space
    space.update({"Exception": Exception, "float": float, "eval_failed": GameEnv._eval_failed,
                  "METRIC_ERRORS": _METRIC_ERRORS})

    def evaluated(closure: Any, names: dict[str, str], source: tuple[int, str] | None, pad: str) -> str:
        """``value = EXPR``; an error through eval_failed with ``source`` (line, text), or, for a
        metric (``source`` None), left to the caller's ``except``."""
        tree = getattr(closure, "expr", None)
        if tree is None:
            raise TypeError("not an expression's closure")
        writer.locals = names
        text = writer.expr(tree)
        if source is None:
            return f"{pad}value = {text}\n"
        return (f"{pad}try:\n{pad}    value = {text}\n{pad}except Exception as err:\n"
                f"{pad}    value = eval_failed(err, {source[0]!r}, {source[1]!r})\n")

    after_main = {**_SCORE_NAMES, "main": "score_main"}  # the main score is bound for what follows it
    sources = machine.score_sources
    lines = ["def score(env, outcome):\n", "    won = outcome == 'win'\n    lost = outcome == 'lose'\n",
             "    aborted = outcome == 'abort'\n    main = None\n    if outcome != 'abort':\n"]
    try:
        if machine.score_main:
            lines.append(evaluated(machine.score_main, dict(_SCORE_NAMES), sources.get("main", (0, "score main")),
                                   "        ") + "        main = float(value)\n")
        else:
            lines.append("        main = 100.0 if outcome == 'win' else 0.0\n")
        lines.append("    score_main = main if main is not None else 0.0\n"
                     "    if outcome == 'abort':\n        reward = 0.0\n    else:\n")
        if machine.score_reward is not None:
            lines.append(evaluated(machine.score_reward, after_main, sources.get("reward", (0, "score reward")),
                                   "        ") + "        reward = float(value)\n")
        else:
            lines.append("        reward = (main or 0.0) / 100.0\n")
        lines.append("    metrics = {}\n")
        for name, fn in machine.metrics:
            lines.append("    try:\n" + evaluated(fn, after_main, None, "        ")
                         + f"    except METRIC_ERRORS:\n        value = None\n    metrics[{name!r}] = value\n")
    except (RecursionError, TypeError, KeyError):
        return None
    lines.append("    return main, reward, metrics\n")
    try:
        with warnings.catch_warnings():  # Python's warnings on what only ill-typed trees hold
            warnings.simplefilter("ignore", SyntaxWarning)
            compiled = compile("".join(lines), "<score>", "exec")
        exec(compiled, space)  # noqa: S102 - written above: texts and names as literals, values by name
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # Python's limits: GameEnv._score's own way
        return None
    return space["score"]
