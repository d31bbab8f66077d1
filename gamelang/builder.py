"""Building the state machine from a checked spec: each state's statements become a flat list of
ops (`if` blocks become conditional jumps, `for` loops a start and a next op), expressions become
closures, and templates the ones the checker compiled. The IR itself is in :mod:`gamelang.machine`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .lang import expr as ex
from .lang.checks import Analysis
from .lang.evaluate import compile_expr
from .lang.loader import LoadedSpec
from .lang.spec import (
    Statement,
    Template,
    TemplateFile,
    TemplateRef,
)
from .lang.statements import kind_of
from .lang.templates import CompiledTemplate, compile_template
from .lang.types import RecordT
from .machine import (
    DEFAULT_LIMITS,
    FailureOp,
    InstanceSource,
    Limits,
    Machine,
    Op,
    RoleInfo,
    ScriptedPlayer,
    StateCode,
)


class StateCompiler:
    """Compiles the statements of one state into ops; each statement kind's ``lower`` hook
    (gamelang/lang/statements.py) appends its own."""

    def __init__(self, builder: "MachineBuilder", state: str) -> None:
        self.b, self.state = builder, state
        self.ops: list[Op] = []

    def line(self, path: tuple) -> int:
        return self.b.loaded.smap.at(path).line

    def block(self, body: list[Statement], path: tuple) -> bool:
        """Compile a list of statements; True if every path through it leaves the state."""
        for i, stmt in enumerate(body):
            if kind_of(stmt).lower(self, stmt, path + (i,), self.line(path + (i,))):
                return True  # later statements are unreachable (the checker warned)
        return False


class MachineBuilder:
    """Builds a :class:`Machine` from a checked spec."""

    def __init__(self, loaded: LoadedSpec, analysis: Analysis, content_hash: str) -> None:
        assert loaded.spec is not None
        self.loaded, self.spec, self.a, self.hash = loaded, loaded.spec, analysis, content_hash

    def inline(self, text: str | None) -> CompiledTemplate | None:
        if text is None:
            return None
        return self.a.templates.get(text) or compile_template(text)

    def template(self, tmpl: Template | None) -> CompiledTemplate | None:
        if tmpl is None:
            return None
        if isinstance(tmpl, TemplateRef):
            return self.template(self.spec.templates[tmpl.template])
        if isinstance(tmpl, TemplateFile):
            return self.a.file_templates[tmpl.file]
        return self.inline(tmpl)

    def failure(self, failure: Any) -> FailureOp:
        if failure is None:
            return FailureOp("abort")
        if failure.KEY in ("abort", "lose"):
            return FailureOp(failure.KEY, self.inline(failure.reason))
        if failure.KEY == "goto":
            return FailureOp("goto", target=failure.goto)
        assert failure.KEY == "reprompt"
        then = failure.then  # what happens when the re-prompts run out: abort unless it says lose
        return FailureOp("reprompt", times=failure.reprompt, message=self.template(failure.message),
                         then_kind=then.KEY if then is not None else "abort",
                         then_reason=self.inline(then.reason) if then is not None else None)

    def _imported_from(self, path: tuple) -> str | None:
        """The file the declaration at ``path`` was imported from, relative to the game's folder."""
        file = self.loaded.smap.file_of(path, "")
        if not file:
            return None
        return Path(os.path.relpath(Path(file).resolve(), self.loaded.base_dir.resolve())).as_posix()

    def build(self) -> Machine:
        spec = self.spec
        states: dict[str, StateCode] = {}
        for name, body in spec.states.items():
            sc = StateCompiler(self, name)
            sc.block(body, ("states", name))
            states[name] = StateCode(name, sc.ops, self.loaded.smap.key(("states", name)).line,
                                     self._imported_from(("states", name)))
        limits = spec.limits
        on_limit, on_limit_reason = "lose", None  # a limit loses the episode unless the game says otherwise
        if limits.on_limit is not None:
            on_limit, on_limit_reason = limits.on_limit.KEY, self.inline(limits.on_limit.reason)
        source = None
        if spec.instances is not None:
            # the path the checker resolved and confined to the game's folder, never the raw name
            # (a machine is only built without errors, so the checker has resolved it)
            assert self.a.instances_file is not None
            source = InstanceSource(self.a.instances_file, spec.instances.by, spec.instances.id)
        return Machine(
            name=spec.game.name,
            version=str(spec.game.version),
            description=spec.game.description,
            path=self.loaded.path,
            content_hash=self.hash,
            spec=spec,
            instance_type=RecordT(tuple((n, f.type) for n, f in spec.instance.items())),
            field_defaults=dict(self.a.field_defaults),
            experiment_values=dict(self.a.experiment_values),
            instance_source=source,
            consts=dict(self.a.const_values),
            var_inits=[(n, compile_expr(v.init)) for n, v in spec.vars.items()],
            roles={n: RoleInfo(n, self.template(r.system), self.template(r.intro), r.persona, r.description)
                   for n, r in spec.roles.items()},
            moves=dict(self.a.moves),
            states=states,
            start=spec.start_state or "",
            score_main=compile_expr(spec.score.main) if spec.score.main is not None else None,
            score_reward=compile_expr(spec.score.reward) if spec.score.reward is not None else None,
            metrics=[(n, compile_expr(m)) for n, m in spec.score.metrics.items()],
            players={n: ScriptedPlayer(n, p.role, self.template(p.reply)) for n, p in spec.players.items()},
            score_sources={key: (self.loaded.smap.at(("score", key)).line, f"{key} = {ex.unparse(e)}")
                           for key, e in (("main", spec.score.main), ("reward", spec.score.reward)) if e is not None},
            limits=Limits(
                requests=limits.requests or DEFAULT_LIMITS["requests"],
                steps=limits.steps or DEFAULT_LIMITS["steps"],
                reply_chars=limits.reply_chars or DEFAULT_LIMITS["reply_chars"],
                reply_tokens=limits.reply_tokens or DEFAULT_LIMITS["reply_tokens"],
                on_limit=on_limit,
                on_limit_reason=on_limit_reason,
            ),
        )
