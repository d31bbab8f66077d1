"""The interpreter: one episode of a compiled game, driven as an environment.

:class:`GameEnv` runs a :class:`~gamelang.machine.Machine` for one instance. ``reset`` runs the
game until some role must reply and returns that role with its conversation; ``step(reply)``
feeds the reply and runs on to the next request or the end. The same API drives the scheduler
(many episodes at once, any players) and the trainers.

Everything that happens is recorded as an event, so an episode can be re-scored, replayed and
turned into training data. Failures are outcomes, never exceptions: a player who breaks the
format aborts the episode; a game whose expression fails at run time, or a backend that fails,
gives the outcome ``error`` with a message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..instances import Instance
from ..lang.builtins import counters as start_counters, episode_initial
from ..lang.evaluate import fast_expressions
from ..lang.expr import Lit
from ..lang.functions import EvalError
from ..lang.templates import CompiledTemplate, RenderError
from ..machine import (
    AskOp,
    CheckOp,
    EndOp,
    FailureOp,
    ForNextOp,
    ForStartOp,
    GotoOp,
    JumpOp,
    JumpUnlessOp,
    Machine,
    ParseOp,
    ResultOp,
    RewardOp,
    SetOp,
    TellOp,
)
from ..safetext import replace_surrogates, safe_text
from ..scoring import clembench_scores
from ..turns import Completion, RoleView, TokenTurn
from .state import EpisodeState

#: Version of the episode record format (docs/episodes.md).
RECORD_SCHEMA = 1
OUTCOMES = ("win", "lose", "abort", "error")


class GameRuntimeError(Exception):
    """The game itself failed while running (an expression or a template): outcome ``error``."""


@dataclass(slots=True)  # one per step: slots make it cheaper to build
class Turn:
    """What the environment returns: who must act next, or how the episode ended."""

    role: str | None  # the role that must reply next; None once the episode is done
    messages: list[dict[str, Any]]  # that role's whole conversation, ending with its new message
    reward: float = 0.0  # partial rewards given since the previous step
    done: bool = False
    outcome: str | None = None
    reason: str | None = None
    scores: dict[str, Any] | None = None


class GameEnv:
    """One episode of a game, as an environment: ``reset`` then ``step`` until done.

    The env is a thin driver over the shared machine and an :class:`EpisodeState` (``env.state``),
    which holds everything that changes. ``fork()`` makes an independent env that goes on from
    here as a new branch; ``snapshot()``/``restore()`` save and bring back the state.
    """

    def __init__(self, machine: Machine, on_event: Callable[[dict], None] | None = None) -> None:
        self.machine = machine
        self.on_event = on_event
        self.state: EpisodeState | None = None
        # The flat bindings expressions read: the instance data and constants (never copied per
        # episode: they are the same objects) under the state's mutable bindings.
        self.env: dict[str, Any] = {}
        self._code: dict[str, list[OpCode]] | None = None  # the machine's threaded code, once looked up

    # ------------------------------------------------------------------ public API
    def reset(self, instance: Instance, seed: int = 0, episode: int = 0,
              players: dict[str, str] | None = None) -> Turn:
        """Start an episode of ``instance``; run until the first request (or the end)."""
        m = self.machine
        start, fresh, counters, roles, inits, role_starts = self._episode_start()
        bindings = start.copy()
        for name in fresh:  # a new container for each episode (the built-in `paid`)
            bindings[name] = list(start[name])
        histories: dict[str, list[dict[str, Any]]] = {}
        pending: dict[str, list[str]] = {}
        for r in roles:  # a loop: a comprehension is a call of its own (two of them cost a third more)
            histories[r] = []
            pending[r] = []
        s = self.state = EpisodeState.start(
            game=m.name, game_hash=m.content_hash, instance=instance, episode=episode, seed=seed,
            players=dict(players) if players else {}, current=m.start, started=time.time(),
            counters=counters.copy(), histories=histories, pending=pending,
            asks=dict.fromkeys(roles, 0), bindings=bindings,
        )
        env = self.env = {**instance.data, **m.consts, **bindings}
        try:
            for name, init in inits:
                try:
                    value = init(env)
                except Exception as err:  # noqa: BLE001 - _eval_failed gives the message (or lets the error through)
                    value = self._eval_failed(err, 0, f"the initial value of '{name}'")
                bindings[name] = env[name] = value  # _bind, written out
            for name, system, intro in role_starts:  # each role's system message and first message
                if system is not None:  # a text: rendered once per machine (see _episode_start)
                    histories[name].append({"role": "system", "content": system if type(system) is str
                                            else self._render(system, 0, name)})
                if intro is not None:
                    pending[name].append(intro if type(intro) is str else self._render(intro, 0, name))
        except GameRuntimeError as err:
            self._emit({"type": "error", "message": str(err)})
            self._finish("error", f"while starting the episode: {err}")
            return self._turn()
        event = {"type": "state", "to": s.current}
        if m.states[s.current].file is not None:
            event["file"] = m.states[s.current].file
        s.events.append(event)  # _emit, written out
        if self.on_event is not None:
            self.on_event(event)
        return self._advance()

    def _episode_start(self) -> tuple[dict[str, Any], tuple[str, ...], dict[str, int], tuple[str, ...],
                                      list[tuple[str, Any]], tuple[tuple[str, Any, Any], ...]]:
        """What every episode of the machine starts with, made once per machine (and again if the
        parts it is made from are replaced): the bindings (moves unparsed, the built-in names, the
        variables whose initial value is a literal, as far as they come first), the names among
        them whose list each episode must have a copy of, the counters
        (gamelang/lang/builtins.py), the roles, the variables' initial values left to evaluate,
        in order, and each role's name, system and intro templates, or the text of one that reads
        only the game's constants (the same in every episode, rendered here once). Callers copy
        the containers."""
        m = self.machine
        cached = m.extras.get("episode_start")
        if (cached is None or cached[0] is not m.moves or cached[1] is not m.var_inits
                or cached[2] is not m.roles or cached[3] is not m.consts):
            start = {n: None for n in m.moves}
            start.update(episode_initial())
            fresh = tuple(n for n, v in start.items() if isinstance(v, list))
            inits = list(m.var_inits)
            # A literal's closure returns the same value (a number, a text, a truth value) in every
            # episode: those that come before any other are bound once here, in the same order.
            while inits and isinstance(getattr(inits[0][1], "expr", None), Lit):
                name, init = inits.pop(0)
                start[name] = init({})
            bound = set(start).union(name for name, _ in m.var_inits)  # what an episode binds over the constants
            role_starts = tuple((r.name, _constant_text(r.system, r.persona, m.consts, bound),
                                 _constant_text(r.intro, r.persona, m.consts, bound)) for r in m.roles.values())
            cached = m.extras["episode_start"] = (m.moves, m.var_inits, m.roles, m.consts, (
                start, fresh, start_counters(), tuple(m.roles), inits, role_starts))
        return cached[4]

    def step(self, reply: "str | Completion") -> Turn:
        """Give the reply of the role that was asked; run until the next request or the end.

        ``reply`` is text, or a :class:`~gamelang.turns.Completion` whose text the game parses
        exactly as sampled (its token ids are kept in the state for training).
        """
        self._take(reply)
        return self._turn()

    def feed(self, reply: "str | Completion") -> None:
        """:meth:`step` without the :class:`Turn`: for drivers that read what they need from the
        state (the rollout engine builds its own requests), so that no copy of the conversation is
        made for nobody. The partial rewards given so far count as handed out, as after a step."""
        self._take(reply)
        self.state.reward_since_step = 0.0  # type: ignore[union-attr] - _take checked it

    def _take(self, reply: "str | Completion") -> None:
        """The work of :meth:`step`: log the reply, add it to the conversation, run on."""
        s = self.state  # _live(), written out
        if s is None:
            raise RuntimeError("the episode has not started: call reset() first")
        role = s.waiting_for
        if s.done or role is None:
            raise RuntimeError("step() called on an episode that is not waiting for a reply")
        if (type(reply) is str and reply.isascii() and not s.probing
                and len(reply) <= self.machine.limits.reply_chars):
            # the common case, written out: text, no surrogates to replace, no probe, not too long
            event: dict[str, Any] = {"type": "reply", "role": role, "text": reply}
            s.histories[role].append({"role": "assistant", "content": reply})
            s.last_reply[role] = reply
            s.events.append(event)
            if self.on_event is not None:
                self.on_event(event)
            s.waiting_for = None
            self._run_on()
            return
        if type(reply) is str:
            completion, text = None, reply
        else:
            completion = reply if isinstance(reply, Completion) else None
            text = completion.text if completion is not None else str(reply)
        # A reply may hold lone surrogates (a replay file, a server's JSON "\ud800"): they cannot be
        # matched by RE2 nor written as UTF-8, so they are replaced here, once, and the fact logged.
        text, replaced = (text, 0) if text.isascii() else replace_surrogates(text)
        event = {"type": "reply", "role": role, "text": text}
        if replaced:
            event["replaced"] = replaced
        probe = s.probing.get(role)
        if probe is not None:
            event["probe"] = True
        if completion is not None and completion.token_ids is not None and probe is None:
            # bounded in tokens at generation: cutting characters would break the ids
            s.tokens.append(TokenTurn(role, completion.owner, tuple(completion.prompt_ids or ()),
                                      tuple(completion.token_ids), completion.logprobs, completion.prompt_text or "",
                                      text, completion.finish_reason, len(s.histories[role]), completion.extends))
            event.update(tokens=len(completion.token_ids), finish_reason=completion.finish_reason)
        elif len(text) > self.machine.limits.reply_chars:
            event.update(text=text[:self.machine.limits.reply_chars], truncated=len(text))
            text = event["text"]
        if probe is not None:  # a probe's exchange stays out of the role's history
            s.probing[role] = probe + [{"role": "assistant", "content": text}]
        else:
            s.histories[role].append({"role": "assistant", "content": text})
        s.last_reply[role] = text
        s.events.append(event)  # _emit, written out on the hot path
        if self.on_event is not None:
            self.on_event(event)
        s.waiting_for = None
        self._run_on()

    def fail(self, message: str) -> Turn:
        """End the episode with the outcome ``error`` (a backend failed while answering)."""
        s = self._live()
        if not s.done:
            message = safe_text(str(message))  # a backend's message may quote what a server sent
            self._emit({"type": "error", "message": message})
            self._finish("error", message)
        return self._turn()

    def abort(self, reason: str, role: str | None = None) -> Turn:
        """End the episode as ``abort`` because of ``role``'s replies (a driver outside the rules decided it).

        For drivers that feed replies from elsewhere, e.g. an imagined dialogue that skips a turn:
        the episode is scored as an abort, unlike :meth:`fail`, which means a backend failed.
        """
        s = self._live()
        if not s.done:
            self._end("abort", reason, role)
        return self._turn()

    def fork(self, branch: str | None = None, on_event: Callable[[dict], None] | None = None) -> "GameEnv":
        """An independent env that goes on from here as a new branch of this episode.

        The child shares the machine and everything immutable; its state's ``parent`` is this
        branch and ``forked_at`` the number of events they share. Branch ids are made from the
        parent's ("" -> "1", "2"; "1" -> "1.1", ...) unless ``branch`` is given.
        """
        child = GameEnv(self.machine, on_event if on_event is not None else self.on_event)
        child.state = self._live().fork(branch)
        child.env = dict(self.env)
        return child

    def snapshot(self) -> EpisodeState:
        """A copy of the episode state (plain data: it pickles); the env goes on unchanged."""
        return self._live().copy()

    def restore(self, state: EpisodeState) -> None:
        """Go back to (a copy of) a snapshot of an episode of this same game."""
        if state.game_hash != self.machine.content_hash:
            raise ValueError(f"this state belongs to game '{state.game}' ({state.game_hash}), "
                             f"not to '{self.machine.name}' ({self.machine.content_hash})")
        self.state = state.copy()
        self.env = {**state.instance.data, **self.machine.consts, **self.state.bindings}

    @classmethod
    def from_state(cls, machine: Machine, state: EpisodeState,
                   on_event: Callable[[dict], None] | None = None) -> "GameEnv":
        """An env that continues a saved (e.g. unpickled) episode state."""
        env = cls(machine, on_event)
        env.restore(state)
        return env

    def player_context(self, role: str) -> dict[str, Any]:
        """What a scripted player's reply template may read: everything, plus its own view."""
        s = self._live()
        messages = self.messages_of(role)
        last = ""
        for message in reversed(messages):  # the newest message the role was given
            if message["role"] in ("user", "tool"):
                last = message["content"]
                break
        # a copy of the env, then the names a reference player adds (dict.copy is cheaper than {**env, ...})
        context = self.env.copy()
        context["last_message"] = last
        context["asks"] = s.asks[role] - 1
        context["messages"] = list(messages)
        persona = self.machine.roles[role].persona
        if persona is not None:
            context["persona"] = self.env.get(persona, "")
        return context

    def view(self, role: str) -> RoleView:
        """The read-only view a player of ``role`` gets with its request."""
        machine = self.machine
        return RoleView(machine.name, role, lambda name: machine.reference_player(role, name),
                        lambda: self.player_context(role), machine.tools_for(role))

    def token_turns(self, role: str) -> tuple[TokenTurn, ...]:
        """The role's replies at the token level so far (those whose player gave tokens)."""
        return tuple(t for t in self._live().tokens if t.role == role)

    # read-only shortcuts to the state, for callers of the environment API
    @property
    def done(self) -> bool:
        return self.state is None or self.state.done

    @property
    def instance(self) -> Instance | None:
        return self.state.instance if self.state else None

    @property
    def episode_index(self) -> int:
        return self._live().episode

    @property
    def seed(self) -> int:
        return self._live().seed

    @property
    def branch(self) -> str:
        return self._live().branch

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        """(game, experiment, instance, episode, branch)."""
        return self._live().key

    @property
    def waiting_for(self) -> str | None:
        return self._live().waiting_for

    @property
    def events(self) -> list[dict[str, Any]]:
        return self._live().events

    @property
    def histories(self) -> dict[str, list[dict[str, Any]]]:
        return self._live().histories

    @property
    def outcome(self) -> str | None:
        return self._live().outcome

    @property
    def reason(self) -> str | None:
        return self._live().reason

    @property
    def scores(self) -> dict[str, Any] | None:
        return self._live().scores

    def _live(self) -> EpisodeState:
        # the public entry points check; the interpreter's own methods, which run only after
        # reset(), read self.state directly (this is the hot path)
        if self.state is None:
            raise RuntimeError("the episode has not started: call reset() first")
        return self.state

    # ------------------------------------------------------------------ the interpreter loop
    def _advance(self) -> Turn:
        """Run instructions until the episode asks a role or ends; the turn that follows."""
        self._run_on()
        return self._turn()

    def _run_on(self) -> None:
        """Run instructions until the episode asks a role or ends.

        Each state's instructions are compiled once per machine into closures (see
        :func:`gamelang.runtime.threaded.threaded_code`): the loop is one index and one call per instruction. The closures
        that call the handlers of :data:`OP_HANDLERS` set ``s.pc`` to their instruction first, as
        the handlers expect; the others keep the program counter in this loop.
        """
        s = self.state
        if not s.done:
            code = self._code
            if code is None:
                from .threaded import threaded_code  # imported here: it builds on this module

                code = self._code = threaded_code(self.machine)
            ops = code[s.current]
            pc = s.pc
            try:
                while True:
                    pc = ops[pc](self, s)
                    if pc < 0:  # the op waits for a reply, ended the episode, or moved elsewhere
                        if pc == WAIT or s.done:
                            break
                        ops = code[s.current]
                        pc = s.pc
            except BaseException as err:
                if not getattr(ops[pc], "sets_pc", False):  # a block has set the op that failed
                    s.pc = pc  # the op that failed (ops that go on leave s.pc to this loop)
                if not isinstance(err, GameRuntimeError):
                    raise
                self._emit({"type": "error", "message": str(err)})
                self._finish("error", str(err))

    # The handlers of the instructions: each runs one op and moves the program counter (or ends the
    # episode); only _ask returns True, when a role must reply.
    def _check(self, op: CheckOp) -> None:
        try:
            ok = op.cond(self.env)
        except Exception as err:  # noqa: BLE001 - _eval gives the message (or lets the error through)
            ok = self._eval_failed(err, op.line, op.text)
        if ok:
            self._emit({"type": "check", "expr": op.text, "ok": True, "line": op.line})
            self.state.pc += 1
        else:
            self._check_failed(op)

    def _check_failed(self, op: CheckOp) -> None:
        """The condition of ``op`` was false: log it and apply the failure."""
        self._emit({"type": "check", "expr": op.text, "ok": False, "line": op.line})
        self._failure(op.failure, f"check failed: {op.text}", op.line, self._last_asked_role())

    def _set(self, op: SetOp) -> None:
        try:
            value = op.value(self.env)
        except Exception as err:  # noqa: BLE001 - _eval gives the message (or lets the error through)
            value = self._eval_failed(err, op.line, op.text)
        s = self.state
        s.bindings[op.var] = self.env[op.var] = value
        event = {"type": "set", "var": op.var, "value": value}
        s.events.append(event)  # _emit, written out on the hot path
        if self.on_event is not None:
            self.on_event(event)
        s.pc += 1

    def _tell_op(self, op: TellOp) -> None:
        text = self._render(op.message, op.line)
        s = self.state
        s.pending[op.role].append(text)
        event = {"type": "tell", "role": op.role, "text": text}
        s.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        s.pc += 1

    def _reward_op(self, op: RewardOp) -> None:
        self._reward(op)
        self.state.pc += 1

    def _result_op(self, op: ResultOp) -> None:
        self._tool_result(op)
        self.state.pc += 1

    def _jump_unless(self, op: JumpUnlessOp) -> None:
        try:
            ok = op.cond(self.env)
        except Exception as err:  # noqa: BLE001 - _eval gives the message (or lets the error through)
            ok = self._eval_failed(err, op.line, op.text)
        s = self.state
        s.pc = s.pc + 1 if ok else op.target

    def _jump(self, op: JumpOp) -> None:
        self.state.pc = op.target

    def _for_start(self, op: ForStartOp) -> None:
        items = self._eval(op.items, op.line, op.text)
        self._bind(op.key, (items, 0))  # a new tuple each step: forks share the old one
        self.state.pc += 1

    def _goto_op(self, op: GotoOp) -> None:
        self._goto(op.state)

    def _end_op(self, op: EndOp) -> None:
        reason = self._render(op.reason, op.line) if op.reason is not None else None
        self._end(op.outcome, reason)

    def _ask(self, op: AskOp) -> bool:
        """Send the role its pending message and wait; False if a limit ended the episode."""
        s = self.state
        limits = self.machine.limits
        if s.counters["requests"] >= limits.requests:
            self._limit(f"the request limit ({limits.requests}) was reached")
            return False
        if op.probe:
            new = self._probe(op)
        else:
            s.probing.pop(op.role, None)
            if s.override_message is not None:
                s.pending[op.role].append(s.override_message)
                s.override_message = None
            elif op.message is not None:
                s.pending[op.role].append(self._render(op.message, op.line))
            new = self._flush(op.role)
        s.last_ask_pc = s.pc
        requests = s.counters["requests"] + 1  # _count("requests"), written out on the hot path
        s.counters["requests"] = s.bindings["requests"] = self.env["requests"] = requests
        s.asks[op.role] += 1
        s.waiting_for = op.role
        event = {"type": "ask", "role": op.role, "state": s.current, "line": op.line, "message": new,
                 "prompt_messages": len(s.histories[op.role])}
        if op.probe:
            event["probe"] = True
        s.events.append(event)  # _emit, written out
        if self.on_event is not None:
            self.on_event(event)
        s.pc += 1
        return True

    def _probe(self, op: AskOp) -> str:
        """The message of a probe: what the role was told and not yet asked (which stays pending,
        for its next ask) and the probe's question, or a re-prompt inside the probe."""
        s = self.state
        if s.override_message is not None and op.role in s.probing:  # a re-prompt of the probe
            text, s.override_message = s.override_message, None
            s.probing[op.role] = s.probing[op.role] + [{"role": "user", "content": text}]
            return text
        s.override_message = None
        parts = [p for p in s.pending[op.role] if p]
        if op.message is not None:
            parts.append(self._render(op.message, op.line))
        text = "\n\n".join(parts)
        history = s.histories[op.role]
        if history and history[-1]["role"] == "user":  # never two user messages in a row
            text = history[-1]["content"] + "\n\n" + text
        s.probing[op.role] = [{"role": "user", "content": text}]
        return text

    def messages_of(self, role: str) -> list[dict[str, Any]]:
        """What ``role`` sees now: its history, and during a probe the probe's exchange."""
        s = self._live()
        history = s.histories[role]
        probe = s.probing.get(role)
        if not probe:
            return history
        if history and history[-1]["role"] == "user":  # the probe's first message repeats it
            history = history[:-1]
        return history + probe

    def _parse(self, op: ParseOp) -> None:
        s = self.state
        parser = self.machine.moves[op.move]
        by = parser.move.by
        result = parser.parse(s.last_reply.get(by, ""))
        if result.ok and parser.kind == "tool":
            result.value = self._record_tool_calls(by, result.value)
        if result.ok:
            s.bindings[op.move] = self.env[op.move] = result.value
            if self.env.get("parse_error"):
                self._bind("parse_error", "")
            self._count("parsed")
            self._emit({"type": "parse", "move": op.move, "ok": True, "value": result.value})
            s.pc += 1
        else:
            self._parse_failed(op, result.error, by)

    def _parse_failed(self, op: ParseOp, error: str, by: str) -> None:
        """The reply of ``by`` did not parse as the move of ``op``: count, log, and apply the failure."""
        self._count("violated")
        self._bind("parse_error", error)
        self._emit({"type": "parse", "move": op.move, "ok": False, "error": error})
        self._failure(op.failure, f"{op.move}: {error}", op.line, by)

    def _for_next(self, op: ForNextOp) -> None:
        """Bind the loop's next item and run the body, or go on after the loop; each item is a step."""
        s = self.state
        items, i = self.env[op.key]
        if i >= len(items):
            s.pc = op.target
            return
        limits = self.machine.limits
        if s.counters["steps"] >= limits.steps:
            self._limit(f"the step limit ({limits.steps}) was reached")
            return
        self._count("steps")
        self._bind(op.var, items[i])
        self._bind(op.key, (items, i + 1))
        s.pc += 1

    def _record_tool_calls(self, role: str, value: Any) -> Any:
        """Give each parsed tool call an id and log the role's reply in the chat tool-calling shape."""
        if self._live().probing.get(role):  # a probe's reply is not in the history to mark
            return value
        history = self._live().histories[role]
        calls = value if isinstance(value, list) else [value]
        named = [c if c["id"] else {**c, "id": f"call_{len(history) - 1}_{i}"} for i, c in enumerate(calls)]
        if history and history[-1]["role"] == "assistant":  # replaced, never changed in place: forks share it
            history[-1] = {**history[-1], "tool_calls": [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": json.dumps({a: c[c["name"]][a] for a in c["given"]},
                                                                         ensure_ascii=False)}}
                for c in named]}
        return named if isinstance(value, list) else named[0]

    def _tool_result(self, op: ResultOp) -> None:
        """Send the result of the role's tool call back as a tool message (right after the call)."""
        call = self.env.get(op.move)
        if call is None:
            raise GameRuntimeError(f"line {op.line}: result {op.move}: no call of '{op.move}' was parsed yet")
        text = self._render(op.message, op.line)
        self._live().histories[op.role].append({"role": "tool", "tool_call_id": call["id"], "name": call["name"],
                                                "content": text})
        self._emit({"type": "tool_result", "role": op.role, "move": op.move, "name": call["name"],
                    "id": call["id"], "text": text})

    def _failure(self, failure: FailureOp, default_reason: str, line: int, role: str | None) -> None:
        """A reply of ``role`` broke a rule: re-prompt it, go on elsewhere, or end the episode naming it."""
        s = self.state
        if failure.kind == "goto":  # not fatal: the game handles it in another state
            assert failure.target is not None
            self._goto(failure.target)
            return
        if failure.kind == "reprompt":
            used = s.reprompts_here.get(s.pc, 0)
            if used < failure.times and s.last_ask_pc is not None:
                s.reprompts_here[s.pc] = used + 1
                self._count("reprompts")
                message = self._render(failure.message, line) if failure.message is not None else default_reason
                self._emit({"type": "reprompt", "count": used + 1, "of": failure.times, "reason": default_reason,
                            "role": role})
                s.override_message = message
                s.pc = s.last_ask_pc
                return
            reason = self._render(failure.then_reason, line) if failure.then_reason is not None else default_reason
            self._end(failure.then_kind, reason, role)
            return
        reason = self._render(failure.reason, line) if failure.reason is not None else default_reason
        self._end(failure.kind, reason, role)

    def _goto(self, state: str) -> None:
        s = self.state
        limits = self.machine.limits
        if s.counters["steps"] >= limits.steps:
            self._limit(f"the step limit ({limits.steps}) was reached")
            return
        event = {"type": "state", "from": s.current, "to": state}
        file = self.machine.states[state].file
        if file is not None:  # the lines of what follows are lines of that library
            event["file"] = file
        self._emit(event)
        s.current = state
        s.pc = 0
        s.reprompts_here = {}
        s.last_ask_pc = None
        self._count("steps")

    def _reward(self, op: RewardOp) -> None:
        s = self.state
        key = op.key
        if op.once is not None:  # `once KEY`: a key pays at most once per episode
            raw = self._eval(op.once, op.line, op.text)
            key = raw if isinstance(raw, str) else str(raw)
            if key in s.paid:
                return
        value = float(self._eval(op.value, op.line, op.text))
        role = op.role or self._last_asked_role()
        if op.once is not None:
            s.paid.append(key)
            self._bind("paid", list(s.paid))  # a new list: forks share the old one
        s.rewards.append({"role": role, "value": value, "state": s.current, "request": s.counters["requests"],
                          "key": key})
        s.reward_since_step += value
        self._bind("partial_reward", self.env["partial_reward"] + value)
        self._emit({"type": "reward", "role": role, "value": value, "key": key})

    def _last_asked_role(self) -> str | None:
        for event in reversed(self.state.events):
            if event["type"] == "ask":
                return event["role"]
        return None

    def _limit(self, reason: str) -> None:
        limits = self.machine.limits
        if limits.on_limit_reason is not None:
            reason = f"{self._render(limits.on_limit_reason, 0)} ({reason})"
        self._end(limits.on_limit, reason)

    # ------------------------------------------------------------------ messages
    def _flush(self, role: str) -> str | None:
        """Turn the role's pending messages into one user message (merged, blank-line separated)."""
        s = self.state
        parts = [p for p in s.pending[role] if p]
        s.pending[role] = []
        if not parts:
            return None
        text = "\n\n".join(parts)
        history = s.histories[role]
        # messages are replaced, never changed in place: forks share them
        if history and history[-1]["role"] == "user":  # never two user messages in a row
            history[-1] = {"role": "user", "content": history[-1]["content"] + "\n\n" + text}
        else:
            history.append({"role": "user", "content": text})
        return text

    # ------------------------------------------------------------------ evaluation helpers
    def _bind(self, name: str, value: Any) -> None:
        """Set a mutable binding (in the state, and in the flat view expressions read)."""
        self.state.bindings[name] = value
        self.env[name] = value

    def _count(self, name: str) -> None:
        s = self.state
        n = s.counters[name] + 1
        s.counters[name] = s.bindings[name] = self.env[name] = n

    def _eval(self, fn, line: int, text: str, env: dict[str, Any] | None = None) -> Any:
        try:
            return fn(self.env if env is None else env)
        except Exception as err:  # noqa: BLE001 - _eval_failed lets through what it does not name
            return self._eval_failed(err, line, text)

    @staticmethod
    def _eval_failed(err: Exception, line: int, text: str) -> Any:
        """The game's error for an expression that raised ``err``; errors of other kinds go on as they are."""
        if isinstance(err, EvalError):
            raise GameRuntimeError(f"line {line}: {text}: {err}") from None
        if isinstance(err, (TypeError, KeyError, IndexError, ValueError, ArithmeticError, RecursionError)):
            raise GameRuntimeError(f"line {line}: {text}: {type(err).__name__}: {err}") from None
        raise err

    def _render(self, template: CompiledTemplate | None, line: int, role: str | None = None) -> str:
        if template is None:
            return ""
        context = self.env
        if role is not None and self.machine.roles[role].persona is not None:
            context = {**self.env, "persona": self.env.get(self.machine.roles[role].persona, "")}
        try:
            return template.render(context)
        except RenderError as err:
            where = f"line {line}: " if line else ""
            raise GameRuntimeError(f"{where}template failed: {err}") from None

    # ------------------------------------------------------------------ ending and scoring
    def _end(self, outcome: str, reason: str | None, role: str | None = None) -> None:
        event: dict[str, Any] = {"type": "end", "outcome": outcome, "reason": reason}
        if role is not None:
            event["role"] = role  # the role whose reply broke the rule that ended the episode
        self._emit(event)
        self.state.ended_by = role
        self._finish(outcome, reason)

    def _finish(self, outcome: str, reason: str | None) -> None:
        s = self.state
        s.done = True
        s.waiting_for = None
        s.outcome, s.reason = outcome, reason
        s.ended = time.time()
        if outcome == "error":
            s.scores = self._counter_scores(None, None, {})
            return
        try:
            s.scores = self._counter_scores(*self._score())
        except GameRuntimeError as err:
            s.outcome, s.reason = "error", f"scoring failed: {err} (the game ended: {outcome})"
            s.scores = self._counter_scores(None, None, {})

    def _scoring(self) -> tuple[Any, Any, list[tuple[str, Any]], Any]:
        """The score's main, reward and metric expressions, each as one function, and the whole of
        :meth:`_score` written out as one function of the env and the outcome (None where it cannot
        be: see :func:`gamelang.runtime.threaded.score_code`); made once per machine."""
        m = self.machine
        cached = m.extras.get("scoring")
        if (cached is None or cached[0] is not m.score_main or cached[1] is not m.score_reward
                or cached[2] is not m.metrics or cached[3] is not m.score_sources):
            from .threaded import score_code  # imported here: it builds on this module

            closures = [c for c in (m.score_main, m.score_reward, *(fn for _, fn in m.metrics)) if c is not None]
            fast = {id(c): f for c, f in zip(closures, fast_expressions(closures))}
            made = (fast.get(id(m.score_main), m.score_main), fast.get(id(m.score_reward), m.score_reward),
                    [(name, fast.get(id(fn), fn)) for name, fn in m.metrics], score_code(m))
            cached = m.extras["scoring"] = (m.score_main, m.score_reward, m.metrics, m.score_sources, made)
        return cached[4]

    def _score(self) -> tuple[float | None, float, dict[str, Any]]:
        """The episode's main score, reward and metrics (the score block, or the defaults)."""
        score_main, score_reward, metric_fns, written = self._scoring()
        outcome = self.state.outcome
        if written is not None:  # the same, without a copy of the env
            return written(self.env, outcome)
        env = {**self.env, "won": outcome == "win", "lost": outcome == "lose", "aborted": outcome == "abort",
               "outcome": outcome}
        main: float | None = None
        if outcome != "abort":
            main = (float(self._eval(score_main, *self.machine.score_sources.get("main", (0, "score main")), env))
                    if score_main else (100.0 if outcome == "win" else 0.0))
        env["main"] = main if main is not None else 0.0
        if outcome == "abort":
            reward = 0.0
        elif score_reward is not None:
            reward = float(self._eval(score_reward, *self.machine.score_sources.get("reward", (0, "score reward")), env))
        else:
            reward = (main or 0.0) / 100.0
        metrics: dict[str, Any] = {}
        for name, fn in metric_fns:
            try:
                metrics[name] = fn(env)
            except (EvalError, TypeError, KeyError, IndexError, ValueError, ArithmeticError):
                metrics[name] = None  # e.g. a metric of a move that was never parsed
        return main, reward, metrics

    def _counter_scores(self, main: float | None, reward: float | None, metrics: dict[str, Any]) -> dict[str, Any]:
        """The scores of the record: main, reward, metrics, the counters and the partial rewards."""
        s = self.state
        return {"main": main, "reward": reward, "metrics": metrics, **s.counters, "partial_rewards": list(s.rewards)}

    # ------------------------------------------------------------------ output
    def _emit(self, event: dict[str, Any]) -> None:
        self.state.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def _turn(self) -> Turn:
        s = self.state
        reward, s.reward_since_step = s.reward_since_step, 0.0
        if s.done:
            return Turn(None, [], reward, True, s.outcome, s.reason, s.scores)
        role = s.waiting_for
        assert role is not None
        messages = self.messages_of(role) if s.probing and s.probing.get(role) else s.histories[role]
        return Turn(role, list(map(dict.copy, messages)), reward)  # copies: the caller may change them

    def record(self) -> dict[str, Any]:
        """The complete JSON record of a finished episode (docs/episodes.md)."""
        m, s = self.machine, self.state
        inst = s.instance
        return {
            "schema": RECORD_SCHEMA,
            "game": m.name,
            "game_version": m.version,
            "game_hash": m.content_hash,
            "experiment": inst.experiment,
            "instance": inst.id,
            "episode": s.episode,
            "branch": s.branch,
            "parent": s.parent,
            "forked_at": s.forked_at,
            "seed": s.seed,
            "players": dict(s.players),
            "outcome": s.outcome,
            "reason": s.reason,
            "ended_by": s.ended_by,
            "scores": s.scores,
            # clembench's episode scores (Aborted, Lose, Success, request counts, Main Score): see scoring.py
            "clembench": clembench_scores(s.outcome, (s.scores or {}).get("main"), s.events),
            "paid": list(s.paid),  # the keys of `reward ... once KEY` that paid, in order
            "instance_data": inst.data,
            "events": s.events,
            "messages": s.histories,
            "simulated_roles": [r.name for r in m.roles.values() if r.persona is not None],
            "started": s.started,
            "duration_s": round((s.ended or time.time()) - s.started, 4),
        }


def _constant_text(template: CompiledTemplate | None, persona: str | None, consts: dict[str, Any],
                   bound: set[str]) -> CompiledTemplate | str | None:
    """The text of a role's template that every episode renders the same: one that reads only the
    game's constants (which the instance data is under and no binding of an episode hides; names
    of functions are not constants, so a template that calls one is rendered per episode), for a
    role that is not simulated (a persona is added to its context); else the template itself.
    A template that fails to render is left to fail in each episode, as it did, and so is one that
    may draw at random (Jinja's ``random`` filter), whose every episode draws again."""
    if template is None or persona is not None or not all(n in consts and n not in bound
                                                           for n in template.variables):
        return template
    if "random" in template.filters:
        return template
    try:
        return template.render(dict(consts))
    except RenderError:
        return template


#: The interpreter's dispatch table: each instruction class of :mod:`gamelang.machine` and the
#: :class:`GameEnv` method that runs it, ``handler(env, op)``; a handler returns True when the
#: episode must wait for a reply. A new op class needs an entry here (a test checks every one has).
OP_HANDLERS: dict[type, Callable[[GameEnv, Any], bool | None]] = {
    AskOp: GameEnv._ask,
    ParseOp: GameEnv._parse,
    CheckOp: GameEnv._check,
    SetOp: GameEnv._set,
    TellOp: GameEnv._tell_op,
    RewardOp: GameEnv._reward_op,
    ResultOp: GameEnv._result_op,
    JumpUnlessOp: GameEnv._jump_unless,
    JumpOp: GameEnv._jump,
    ForStartOp: GameEnv._for_start,
    ForNextOp: GameEnv._for_next,
    GotoOp: GameEnv._goto_op,
    EndOp: GameEnv._end_op,
}


# The protocol of the threaded code (gamelang/runtime/threaded.py): each instruction is a
# callable that runs it and returns the index of the next instruction, or one of these:

#: The episode waits for a reply (the op has set ``s.pc`` to where it goes on).
WAIT = -1
#: Look at the state again: the episode ended, moved to another state, or the op set ``s.pc``.
RELOAD = -2

OpCode = Callable[[GameEnv, EpisodeState], int]
