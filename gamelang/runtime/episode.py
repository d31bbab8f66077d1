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

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..instances import Instance
from ..lang.functions import EvalError
from ..lang.templates import CompiledTemplate, RenderError
from ..machine import (
    AskOp,
    CheckOp,
    EndOp,
    FailureOp,
    GotoOp,
    JumpOp,
    JumpUnlessOp,
    Machine,
    ParseOp,
    RewardOp,
    SetOp,
    TellOp,
)

#: Version of the episode record format (docs/episodes.md).
RECORD_SCHEMA = 1
OUTCOMES = ("win", "lose", "abort", "error")


class GameRuntimeError(Exception):
    """The game itself failed while running (an expression or a template): outcome ``error``."""


@dataclass
class Turn:
    """What the environment returns: who must act next, or how the episode ended."""

    role: str | None  # the role that must reply next; None once the episode is done
    messages: list[dict[str, str]]  # that role's whole conversation, ending with its new message
    reward: float = 0.0  # partial rewards given since the previous step
    done: bool = False
    outcome: str | None = None
    reason: str | None = None
    scores: dict[str, Any] | None = None


@dataclass
class _Pending:
    parts: list[str] = field(default_factory=list)


class GameEnv:
    """One episode of a game, as an environment: ``reset`` then ``step`` until done."""

    def __init__(self, machine: Machine, on_event: Callable[[dict], None] | None = None) -> None:
        self.machine = machine
        self.on_event = on_event
        self.instance: Instance | None = None
        self.done = True

    # ------------------------------------------------------------------ public API
    def reset(self, instance: Instance, seed: int = 0, episode: int = 0,
              players: dict[str, str] | None = None) -> Turn:
        """Start an episode of ``instance``; run until the first request (or the end)."""
        m = self.machine
        self.instance, self.seed, self.episode_index = instance, seed, episode
        self.players = dict(players or {})
        self.events: list[dict[str, Any]] = []
        self.histories: dict[str, list[dict[str, str]]] = {r: [] for r in m.roles}
        self.pending: dict[str, _Pending] = {r: _Pending() for r in m.roles}
        self.last_reply: dict[str, str] = {}
        self.asks: dict[str, int] = {r: 0 for r in m.roles}
        self.rewards: list[dict[str, Any]] = []
        self.reward_since_step = 0.0
        self.outcome: str | None = None
        self.reason: str | None = None
        self.scores: dict[str, Any] | None = None
        self.waiting_for: str | None = None
        self.started = time.time()
        self.ended: float | None = None
        self.done = False
        self.env: dict[str, Any] = {**instance.data, **m.consts}
        self.env.update({n: None for n in m.moves})
        self.counters = {"requests": 0, "parsed": 0, "violated": 0, "reprompts": 0, "steps": 1}
        self.env.update(self.counters, partial_reward=0.0)
        self.state = m.start
        self.pc = 0
        self.reprompts_here: dict[int, int] = {}
        self.last_ask_pc: int | None = None
        self.override_message: str | None = None
        try:
            for name, init in m.var_inits:
                self.env[name] = self._eval(init, 0, f"the initial value of '{name}'")
            for role in m.roles.values():
                self._start_role(role)
        except GameRuntimeError as err:
            self._emit({"type": "error", "message": str(err)})
            self._finish("error", f"while starting the episode: {err}")
            return self._turn()
        self._emit({"type": "state", "to": self.state})
        return self._advance()

    def step(self, reply: str) -> Turn:
        """Give the reply of the role that was asked; run until the next request or the end."""
        if self.done or self.waiting_for is None:
            raise RuntimeError("step() called on an episode that is not waiting for a reply")
        role = self.waiting_for
        limit = self.machine.limits.reply_chars
        text = str(reply)
        truncated = len(text) > limit
        if truncated:
            text = text[:limit]
        self.histories[role].append({"role": "assistant", "content": text})
        self.last_reply[role] = text
        event: dict[str, Any] = {"type": "reply", "role": role, "text": text}
        if truncated:
            event["truncated"] = len(str(reply))
        self._emit(event)
        self.waiting_for = None
        return self._advance()

    def fail(self, message: str) -> Turn:
        """End the episode with the outcome ``error`` (a backend failed while answering)."""
        if not self.done:
            self._emit({"type": "error", "message": message})
            self._finish("error", message)
        return self._turn()

    def player_context(self, role: str) -> dict[str, Any]:
        """What a scripted player's reply template may read: everything, plus its own view."""
        messages = self.histories[role]
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        context = {**self.env, "last_message": last, "asks": self.asks[role] - 1}
        persona = self.machine.roles[role].persona
        if persona is not None:
            context["persona"] = self.env.get(persona, "")
        return context

    # ------------------------------------------------------------------ the interpreter loop
    def _advance(self) -> Turn:
        try:
            self._run()
        except GameRuntimeError as err:
            self._emit({"type": "error", "message": str(err)})
            self._finish("error", str(err))
        return self._turn()

    def _run(self) -> None:
        """Run instructions until the episode asks a role or ends."""
        m = self.machine
        while not self.done:
            ops = m.states[self.state].ops
            op = ops[self.pc]
            kind = type(op)
            if kind is AskOp:
                if self._ask(op):
                    return
            elif kind is ParseOp:
                self._parse(op)
            elif kind is CheckOp:
                ok = self._eval(op.cond, op.line, op.text)
                self._emit({"type": "check", "expr": op.text, "ok": bool(ok), "line": op.line})
                if ok:
                    self.pc += 1
                else:
                    self._failure(op.failure, f"check failed: {op.text}", op.line)
            elif kind is SetOp:
                value = self._eval(op.value, op.line, op.text)
                self.env[op.var] = value
                self._emit({"type": "set", "var": op.var, "value": value})
                self.pc += 1
            elif kind is TellOp:
                text = self._render(op.message, op.line)
                self._tell(op.role, text)
                self.pc += 1
            elif kind is RewardOp:
                self._reward(op)
                self.pc += 1
            elif kind is JumpUnlessOp:
                self.pc = self.pc + 1 if self._eval(op.cond, op.line, op.text) else op.target
            elif kind is JumpOp:
                self.pc = op.target
            elif kind is GotoOp:
                self._goto(op.state)
            elif kind is EndOp:
                reason = self._render(op.reason, op.line) if op.reason is not None else None
                self._end(op.outcome, reason)
            else:  # pragma: no cover - the compiler emits no other ops
                raise GameRuntimeError(f"unknown instruction {op!r}")

    def _ask(self, op: AskOp) -> bool:
        """Send the role its pending message and wait; False if a limit ended the episode."""
        limits = self.machine.limits
        if self.counters["requests"] >= limits.requests:
            self._limit(f"the request limit ({limits.requests}) was reached")
            return False
        if self.override_message is not None:
            self.pending[op.role].parts.append(self.override_message)
            self.override_message = None
        elif op.message is not None:
            self.pending[op.role].parts.append(self._render(op.message, op.line))
        new = self._flush(op.role)
        self.last_ask_pc = self.pc
        self._count("requests")
        self.asks[op.role] += 1
        self.waiting_for = op.role
        self._emit({"type": "ask", "role": op.role, "state": self.state, "line": op.line, "message": new,
                    "prompt_messages": len(self.histories[op.role])})
        self.pc += 1
        return True

    def _parse(self, op: ParseOp) -> None:
        parser = self.machine.moves[op.move]
        reply = self.last_reply.get(parser.move.by, "")
        result = parser.parse(reply)
        if result.ok:
            self.env[op.move] = result.value
            self._count("parsed")
            self._emit({"type": "parse", "move": op.move, "ok": True, "value": result.value})
            self.pc += 1
        else:
            self._count("violated")
            self._emit({"type": "parse", "move": op.move, "ok": False, "error": result.error})
            self._failure(op.failure, f"{op.move}: {result.error}", op.line)

    def _failure(self, failure: FailureOp, default_reason: str, line: int) -> None:
        if failure.kind == "reprompt":
            used = self.reprompts_here.get(self.pc, 0)
            if used < failure.times and self.last_ask_pc is not None:
                self.reprompts_here[self.pc] = used + 1
                self._count("reprompts")
                message = self._render(failure.message, line) if failure.message is not None else default_reason
                self._emit({"type": "reprompt", "count": used + 1, "of": failure.times, "reason": default_reason})
                self.override_message = message
                self.pc = self.last_ask_pc
                return
            reason = self._render(failure.then_reason, line) if failure.then_reason is not None else default_reason
            self._end(failure.then_kind, reason)
            return
        reason = self._render(failure.reason, line) if failure.reason is not None else default_reason
        self._end(failure.kind, reason)

    def _goto(self, state: str) -> None:
        limits = self.machine.limits
        if self.counters["steps"] >= limits.steps:
            self._limit(f"the step limit ({limits.steps}) was reached")
            return
        self._emit({"type": "state", "from": self.state, "to": state})
        self.state = state
        self.pc = 0
        self.reprompts_here = {}
        self.last_ask_pc = None
        self._count("steps")

    def _reward(self, op: RewardOp) -> None:
        value = float(self._eval(op.value, op.line, op.text))
        role = op.role or self._last_asked_role()
        self.rewards.append({"role": role, "value": value, "state": self.state, "request": self.counters["requests"]})
        self.reward_since_step += value
        self.env["partial_reward"] = self.env["partial_reward"] + value
        self._emit({"type": "reward", "role": role, "value": value})

    def _last_asked_role(self) -> str | None:
        for event in reversed(self.events):
            if event["type"] == "ask":
                return event["role"]
        return None

    def _limit(self, reason: str) -> None:
        limits = self.machine.limits
        if limits.on_limit_reason is not None:
            reason = f"{self._render(limits.on_limit_reason, 0)} ({reason})"
        self._end(limits.on_limit, reason)

    # ------------------------------------------------------------------ messages
    def _start_role(self, role) -> None:
        if role.system is not None:
            self.histories[role.name].append({"role": "system", "content": self._render(role.system, 0, role.name)})
        if role.intro is not None:
            self.pending[role.name].parts.append(self._render(role.intro, 0, role.name))

    def _tell(self, role: str, text: str) -> None:
        self.pending[role].parts.append(text)
        self._emit({"type": "tell", "role": role, "text": text})

    def _flush(self, role: str) -> str | None:
        """Turn the role's pending messages into one user message (merged, blank-line separated)."""
        parts = [p for p in self.pending[role].parts if p]
        self.pending[role].parts = []
        if not parts:
            return None
        text = "\n\n".join(parts)
        history = self.histories[role]
        if history and history[-1]["role"] == "user":  # never two user messages in a row
            history[-1]["content"] += "\n\n" + text
        else:
            history.append({"role": "user", "content": text})
        return text

    # ------------------------------------------------------------------ evaluation helpers
    def _count(self, name: str) -> None:
        self.counters[name] += 1
        self.env[name] = self.counters[name]

    def _eval(self, fn, line: int, text: str, env: dict[str, Any] | None = None) -> Any:
        try:
            return fn(self.env if env is None else env)
        except EvalError as err:
            raise GameRuntimeError(f"line {line}: {text}: {err}") from None
        except (TypeError, KeyError, IndexError, ValueError, ArithmeticError, RecursionError) as err:
            raise GameRuntimeError(f"line {line}: {text}: {type(err).__name__}: {err}") from None

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
    def _end(self, outcome: str, reason: str | None) -> None:
        self._emit({"type": "end", "outcome": outcome, "reason": reason})
        self._finish(outcome, reason)

    def _finish(self, outcome: str, reason: str | None) -> None:
        self.done = True
        self.waiting_for = None
        self.outcome, self.reason = outcome, reason
        self.ended = time.time()
        if outcome == "error":
            self.scores = self._counter_scores({"main": None, "reward": None, "metrics": {}})
            return
        try:
            self.scores = self._counter_scores(self._score())
        except GameRuntimeError as err:
            self.outcome, self.reason = "error", f"scoring failed: {err} (the game ended: {outcome})"
            self.scores = self._counter_scores({"main": None, "reward": None, "metrics": {}})

    def _score(self) -> dict[str, Any]:
        m = self.machine
        outcome = self.outcome
        env = {**self.env, "won": outcome == "win", "lost": outcome == "lose", "aborted": outcome == "abort",
               "outcome": outcome}
        main: float | None = None
        if outcome != "abort":
            main = (float(self._eval(m.score_main, 0, "score main", env)) if m.score_main
                    else (100.0 if outcome == "win" else 0.0))
        env["main"] = main if main is not None else 0.0
        if outcome == "abort":
            reward = 0.0
        elif m.score_reward is not None:
            reward = float(self._eval(m.score_reward, 0, "score reward", env))
        else:
            reward = (main or 0.0) / 100.0
        metrics: dict[str, Any] = {}
        for name, fn in m.metrics:
            try:
                metrics[name] = fn(env)
            except (EvalError, TypeError, KeyError, IndexError, ValueError, ArithmeticError):
                metrics[name] = None  # e.g. a metric of a move that was never parsed
        return {"main": main, "reward": reward, "metrics": metrics}

    def _counter_scores(self, scores: dict[str, Any]) -> dict[str, Any]:
        return {**scores, "requests": self.counters["requests"], "parsed": self.counters["parsed"],
                "violated": self.counters["violated"], "reprompts": self.counters["reprompts"],
                "steps": self.counters["steps"], "partial_rewards": list(self.rewards)}

    # ------------------------------------------------------------------ output
    def _emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def _turn(self) -> Turn:
        reward, self.reward_since_step = self.reward_since_step, 0.0
        if self.done:
            return Turn(None, [], reward, True, self.outcome, self.reason, self.scores)
        role = self.waiting_for
        assert role is not None
        return Turn(role, [dict(m) for m in self.histories[role]], reward)

    def record(self) -> dict[str, Any]:
        """The complete JSON record of a finished episode (docs/episodes.md)."""
        m, inst = self.machine, self.instance
        assert inst is not None
        return {
            "schema": RECORD_SCHEMA,
            "game": m.name,
            "game_version": m.version,
            "game_hash": m.content_hash,
            "experiment": inst.experiment,
            "instance": inst.id,
            "episode": self.episode_index,
            "seed": self.seed,
            "players": dict(self.players),
            "outcome": self.outcome,
            "reason": self.reason,
            "scores": self.scores,
            "instance_data": inst.data,
            "events": self.events,
            "messages": self.histories,
            "simulated_roles": [r.name for r in m.roles.values() if r.persona is not None],
            "started": self.started,
            "duration_s": round((self.ended or time.time()) - self.started, 4),
        }
