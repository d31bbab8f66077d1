"""Imagined episodes: an LLM writes whole dialogues of a game, a critic revises them, the game judges them.

The pipeline, per game:

1. **Personas.** The imaginer (any player: ``hf:``, ``openai:``, ``replay:``, or a :class:`Player`
   object) writes ``personas`` varied personas for the *persona role*: the game's simulated roles
   (roles with ``persona FIELD``), or, when the game has none, the partner(s) of the learner.
2. **Dialogues.** For every persona, target outcome (``win``, ``lose``, ``abort``) and ``dialogues``
   times, it writes a whole episode of an instance of the game as plain text, one reply per
   ``ROLE: text`` line (:func:`parse_dialogue`).
3. **Critic.** The draft is replayed through the game first; the critic sees the draft, the game's
   verdict and transcript, and answers with a revised dialogue (or ``KEEP``).
4. **Replay.** The final dialogue is replayed through the game (``GameEnv.reset``/``step`` with the
   imagined replies, each role's in order), so its outcome, reward and conversations are the game's
   own. A dialogue the game rejects is kept with the outcome the game gave it (``abort`` or ``lose``
   with the game's reason); a dialogue that does not follow the game's turn order, or that stops
   before the game ends, is kept as ``abort`` with a reason that says where. Nothing is dropped.

Records are ordinary episode records (``scores``, ``messages``, ``events``) written with
:class:`~gamelang.runtime.runfolder.RunWriter`, so ``gamelang score``, ``transcript`` and
``export`` read them, plus an ``imagined`` entry: the persona, the target outcome, the imaginer
and critic specs, the texts, and whether the game's outcome matched the target.

The three prompts are Jinja templates rendered in gamelang's sandbox (never Python ``eval``):
defaults in ``trainers/imagine_prompts/``, overridden per game by files in an ``imagine/`` folder
beside the game file, or by ``prompts=DIR``. Model text reaches them only as values.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from gamelang.instances import Instance
from gamelang.lang.templates import CompiledTemplate, RenderError, TemplateProblem, compile_template
from gamelang.machine import Machine
from gamelang.players.base import Player, PlayerError, Request
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.rollout import episode_seed
from gamelang.runtime.runfolder import invoking_command

PROMPT_NAMES = ("personas", "dialogue", "critic")
DEFAULT_PROMPTS = Path(__file__).resolve().parent / "imagine_prompts"
#: The folder beside a game file whose templates override the defaults for that game.
GAME_PROMPTS = "imagine"
PERSONAS_FILE = "personas.jsonl"
TARGETS = ("win", "lose", "abort")
#: What a target outcome means, for the prompts (a template may say it its own way).
OUTCOME_MEANING = {
    "win": "the players reach the game's goal and the game ends with a win",
    "lose": "the game is played by its rules, but the goal is missed and the game ends with a loss",
    "abort": "a player breaks the reply format the game demands, so the game stops",
}
#: The word a critic answers when the draft needs no change.
KEEP = "KEEP"


class ImagineError(Exception):
    """Imagination cannot start: a bad setting, role or prompt template (a message for the user)."""


@dataclass
class ImagineSettings:
    """What to imagine and how."""

    out: Path
    personas: int = 4
    outcomes: tuple[str, ...] = ("win", "lose")
    dialogues: int = 1  # per persona and target outcome
    learner: str | None = None  # needed when the game has no persona role
    critic: bool = True
    prompts: Path | None = None  # a folder of personas.j2 / dialogue.j2 / critic.j2
    seed: int = 0
    limit: int | None = None  # instances drawn from (after the split)
    experiments: list[str] | None = None
    split: Any = None  # a gamelang.splits.Split
    max_tokens: int = 1024  # per dialogue or revision
    persona_tokens: int = 512  # per persona request
    persona_rounds: int = 3  # persona requests at most, until `personas` distinct ones are written
    batch_size: int = 32  # requests per call of the imaginer
    resume: bool = False  # go on with an interrupted run in ``out`` (its personas and episodes are kept)


# ---------------------------------------------------------------------------------------------- the text format

@dataclass(frozen=True)
class ImaginedTurn:
    """One reply of an imagined dialogue."""

    role: str
    text: str


@dataclass
class Dialogue:
    """A parsed imagined dialogue: its replies, and why it could not be read (None when it could)."""

    turns: list[ImaginedTurn]
    problem: str | None = None


_FENCE = re.compile(r"^\s*```")


def parse_dialogue(text: str, roles: list[str]) -> Dialogue:
    """Read an imagined dialogue: each reply starts on a line ``ROLE: text``.

    ``ROLE`` is a role of the game, matched without regard to case, and may be decorated as
    models like to (``**guesser**:``, ``- guesser:``, ``[guesser]:``). Lines before the first
    reply (a preamble) and Markdown code fences are ignored; every other line belongs to the
    reply above it, so replies may span several lines. A line ``END`` alone ends the dialogue.
    Trailing blank lines of a reply are dropped. A text with no reply line gives no turns and a
    ``problem`` that says so.
    """
    names = {r.lower(): r for r in roles}
    alternatives = "|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True))
    start = re.compile(rf"^\s*(?:[-*>]\s+)?[*_\[]*\s*({alternatives})\s*[*_\]]*\s*:[ \t]?(.*)$", re.IGNORECASE)
    turns: list[tuple[str, list[str]]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            continue
        if line.strip() == "END" and turns:
            break
        match = start.match(line)
        if match:
            turns.append((names[match.group(1).lower()], [match.group(2).rstrip()]))
        elif turns:
            turns[-1][1].append(line.rstrip())
    out = [ImaginedTurn(role, "\n".join(lines).strip("\n").strip()) for role, lines in turns]
    if not out:
        shown = ", ".join(f"'{r}:'" for r in roles)
        return Dialogue([], f"no line of the dialogue starts with a role's name ({shown})")
    return Dialogue(out)


def format_dialogue(turns: list[ImaginedTurn]) -> str:
    """The text form of a dialogue (what :func:`parse_dialogue` reads back)."""
    return "\n".join(f"{t.role}: {t.text}" for t in turns)


_PERSONA_LINE = re.compile(r"^\s*(?:[-*]\s+|\d+[.)]\s+)?\**\s*persona\s*\d*\s*\**\s*:\s*\**\s*(.+?)\s*$", re.IGNORECASE)


def parse_personas(text: str) -> list[str]:
    """The personas in a reply: lines ``PERSONA: ...`` (numbered or bulleted too), in order."""
    found = []
    for line in text.splitlines():
        match = _PERSONA_LINE.match(line)
        if match and match.group(1).strip("* "):
            found.append(match.group(1).strip("* "))
    return found


# ---------------------------------------------------------------------------------------------- prompts

@dataclass
class Prompts:
    """The compiled imagination templates, and where each came from."""

    templates: dict[str, CompiledTemplate]
    sources: dict[str, str]

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render a template; a failure names the template file."""
        try:
            return self.templates[name].render(context)
        except RenderError as err:
            raise ImagineError(f"the {name} prompt ({self.sources[name]}) failed: {err}") from None


def load_prompts(machine: Machine, override: Path | None = None) -> Prompts:
    """The templates for a game: ``override/NAME.j2``, else ``GAME_DIR/imagine/NAME.j2``, else the default."""
    templates, sources = {}, {}
    folders = ([override] if override is not None else []) + [Path(machine.path).parent / GAME_PROMPTS,
                                                               DEFAULT_PROMPTS]
    if override is not None and not override.is_dir():
        raise ImagineError(f"--prompts {override}: no such folder")
    for name in PROMPT_NAMES:
        path = next(f / f"{name}.j2" for f in folders if (f / f"{name}.j2").is_file())
        try:
            templates[name] = compile_template(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ImagineError(f"cannot read {path}: {err.strerror or err}") from None
        except TemplateProblem as err:
            raise ImagineError(f"{path}:{err.lineno}: {err.message}") from None
        sources[name] = "default" if path.parent == DEFAULT_PROMPTS else str(path)
    return Prompts(templates, sources)


# ---------------------------------------------------------------------------------------------- roles

def persona_roles(machine: Machine, learner: str | None) -> tuple[str | None, list[str]]:
    """(the learner, the roles the personas are for).

    The game's simulated roles (``persona FIELD``) when it has any; otherwise every role but the
    learner, which must then be named: a game without personas does not say who is simulated.
    """
    roles = list(machine.roles)
    if learner is not None and learner not in roles:
        raise ImagineError(f"'{learner}' is not a role of game '{machine.name}' (its roles: {', '.join(roles)})")
    simulated = [r for r, info in machine.roles.items() if info.persona is not None]
    if simulated:
        if learner in simulated:
            raise ImagineError(f"'{learner}' is a simulated role of '{machine.name}' (persona "
                               f"{machine.roles[learner].persona}): the learner must be another role")
        return learner, simulated
    if learner is None:
        if len(roles) == 1:
            raise ImagineError(f"game '{machine.name}' has one role and no persona: there is no partner to imagine "
                               "personas for")
        raise ImagineError(f"game '{machine.name}' has no role with a persona: name the learner with --learner "
                           f"(one of {', '.join(roles)}); the personas are then for the other role(s)")
    others = [r for r in roles if r != learner]
    if not others:
        raise ImagineError(f"game '{machine.name}' has no role besides '{learner}' to imagine personas for")
    return learner, others


def with_persona(machine: Machine, instance: Instance, roles: list[str], persona: str) -> Instance:
    """The instance with the persona in the persona field of each simulated role (if it has one)."""
    fields = {machine.roles[r].persona for r in roles if machine.roles[r].persona is not None}
    if not fields:
        return instance
    return Instance(instance.experiment, instance.id, {**instance.data, **{f: persona for f in fields}}, instance.line)


# ---------------------------------------------------------------------------------------------- replay

@dataclass
class Replay:
    """A dialogue played through the game."""

    env: GameEnv
    used: int  # imagined replies the game took
    unused: int  # replies left over after the game ended
    problem: str | None  # why the dialogue did not fit the game's turns, if it did not


def end_as_abort(env: GameEnv, reason: str, role: str | None) -> None:
    """End an episode as ``abort``: an imagined dialogue that skips or reorders turns is the
    players' fault, not the machinery's (``fail`` would score it as a backend error)."""
    env.abort(reason, role)


def replay_dialogue(machine: Machine, instance: Instance, turns: list[ImaginedTurn], *, seed: int = 0,
                    episode: int = 0, players: dict[str, str] | None = None) -> Replay:
    """Play ``turns`` through the game: each time the game asks a role, the next imagined reply must be that role's.

    The game parses and checks every reply as in any episode; when it asks a role whose reply
    is not next in the dialogue (or the dialogue has run out), the episode ends as ``abort`` by
    that role, with a reason that says which reply was missing.
    """
    env = GameEnv(machine)
    turn = env.reset(instance, seed=seed, episode=episode, players=players)
    used = 0
    problem = None
    while not turn.done:
        asked = turn.role
        if used >= len(turns):
            problem = (f"the imagined dialogue ends after {used} repl{'y' if used == 1 else 'ies'}, "
                       f"but the game asks {asked} for another")
        elif turns[used].role != asked:
            problem = f"reply {used + 1} of the imagined dialogue is {turns[used].role}'s, but the game asks {asked}"
        if problem is not None:
            end_as_abort(env, problem, asked)
            break
        turn = env.step(turns[used].text)
        used += 1
    return Replay(env, used, len(turns) - used if problem is None else 0, problem)


def transcript(events: list[dict[str, Any]]) -> str:
    """What the game saw of an episode, as text for the critic: replies, the game's messages, rejections, the end."""
    lines = []
    for e in events:
        kind = e.get("type")
        if kind == "reply":
            lines.append(f"{e['role']}: {e['text']}")
        elif kind == "tell":
            lines.append(f"  [the game tells {e['role']}: {e['text']}]")
        elif kind == "parse" and not e.get("ok"):
            lines.append(f"  [the game cannot read it as {e.get('move')}: {e.get('error')}]")
        elif kind == "check" and not e.get("ok"):
            lines.append(f"  [check failed: {e.get('expr')}]")
        elif kind == "reprompt":
            lines.append(f"  [the game asks {e.get('role')} again: {e.get('reason')}]")
        elif kind == "end":
            reason = f", {e['reason']}" if e.get("reason") else ""
            lines.append(f"  [the game ends: {e.get('outcome')}{reason}]")
        elif kind == "error":
            lines.append(f"  [error: {e.get('message')}]")
    return "\n".join(lines)


def reference_dialogue(machine: Machine, instance: Instance) -> str:
    """The instance played by the game's reference players, in the dialogue format ("" if it cannot be)."""
    env = GameEnv(machine)
    turn = env.reset(instance)
    turns = []
    while not turn.done and len(turns) < 64:
        player = machine.reference_player(turn.role)
        if player is None:
            return ""
        try:
            text = player.reply.render(env.player_context(turn.role)).strip()
        except RenderError:
            return ""
        turns.append(ImaginedTurn(turn.role, text))
        turn = env.step(text)
    return format_dialogue(turns) if turn.done else ""


def openings(env: GameEnv) -> dict[str, str]:
    """What each role has been told when the episode first waits for a reply (system, intro, messages)."""
    state = env.state
    assert state is not None
    out = {}
    for role in env.machine.roles:
        parts = [m["content"] for m in state.histories[role]] + [p for p in state.pending[role] if p]
        out[role] = "\n\n".join(str(p) for p in parts)
    return out


# ---------------------------------------------------------------------------------------------- imagination

@dataclass
class _Job:
    """One dialogue to imagine."""

    index: int
    persona_id: int
    persona: str
    target: str
    instance: Instance
    context: dict[str, Any] = field(default_factory=dict)
    draft: str | None = None
    draft_error: str | None = None
    final: str | None = None
    critic_note: str | None = None


@dataclass
class ImagineResult:
    """What an imagination run wrote."""

    out: Path
    personas: dict[str, list[str]]
    records: int
    outcomes: dict[tuple[str, str], int]  # (target, outcome) -> episodes
    problems: int  # dialogues that did not fit the game's turns
    skipped: int = 0  # episodes already in the folder when a run was resumed

    @property
    def matched(self) -> int:
        """Episodes whose outcome in the game was their target."""
        return sum(n for (target, outcome), n in self.outcomes.items() if target == outcome)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f"{len(v)} personas for {game}" for game, v in self.personas.items()]
        lines.append(f"{self.records} imagined episodes written to {self.out} "
                     f"({self.matched} ended as their target; {self.problems} did not follow the game's turns)"
                     + (f"; {self.skipped} were already there" if self.skipped else ""))
        for target in sorted({t for t, _ in self.outcomes}):
            got = ", ".join(f"{o} {n}" for (t, o), n in sorted(self.outcomes.items()) if t == target)
            lines.append(f"  target {target}: {got}")
        return "\n".join(lines)


def _text(reply: Any) -> str | PlayerError:
    if isinstance(reply, PlayerError):
        return reply
    return str(getattr(reply, "text", reply))


class Imaginer:
    """Asks the imaginer and critic players for personas, dialogues and revisions of one game."""

    def __init__(self, machine: Machine, player: Player, critic: Player | None, settings: ImagineSettings,
                 prompts: Prompts) -> None:
        self.machine, self.player, self.critic_player = machine, player, critic
        self.s = settings
        self.prompts = prompts
        self.learner, self.persona_roles = persona_roles(machine, settings.learner)
        try:
            self.source = Path(machine.path).read_text(encoding="utf-8")
        except OSError:
            self.source = ""
        self.base = {
            "game": machine.name, "description": machine.description, "source": self.source,
            "roles": [{"name": r.name, "description": r.description, "persona": r.persona is not None}
                      for r in machine.roles.values()],
            "role_names": list(machine.roles), "learner": self.learner or "",
            "persona_role": " and ".join(self.persona_roles),
        }
        self.calls = 0

    def ask(self, player: Player, stage: str, prompts: list[str], seeds: list[int],
            max_tokens: int) -> list[str | PlayerError]:
        """One answer per prompt, asked in batches of ``batch_size`` through the player's ``respond``.

        Every request shares one key (the game's imagination) and names its stage as the role,
        so that a replay file gives its replies in order (a list) or per stage (a map).
        """
        out: list[str | PlayerError] = []
        key = (self.machine.name, "imagine", "", 0, "")
        for start in range(0, len(prompts), self.s.batch_size):
            chunk = prompts[start:start + self.s.batch_size]
            requests = [Request(key, stage, [{"role": "user", "content": text}], max_tokens, seed=seed)
                        for text, seed in zip(chunk, seeds[start:start + self.s.batch_size])]
            try:
                replies = player.respond(requests)
            except Exception as err:  # a failing backend fails these requests, not the run
                replies = [PlayerError(f"{type(err).__name__}: {err}")] * len(requests)
            if len(replies) != len(requests):
                problem = PlayerError(f"the player answered {len(replies)} of {len(requests)} requests")
                replies = [problem] * len(requests)
            out += [_text(r) for r in replies]
            self.calls += 1
        return out

    def seed(self, *key: Any) -> int:
        return episode_seed(self.s.seed, (self.machine.name, *key))

    def personas(self) -> list[str]:
        """Up to ``personas`` distinct personas, asking again (for the rest) up to ``persona_rounds`` times."""
        found: list[str] = []
        for attempt in range(self.s.persona_rounds):
            need = self.s.personas - len(found)
            if need <= 0:
                break
            prompt = self.prompts.render("personas", {**self.base, "count": need, "existing": list(found)})
            reply = self.ask(self.player, "personas", [prompt], [self.seed("personas", attempt, 0)],
                             self.s.persona_tokens)[0]
            if isinstance(reply, PlayerError):
                raise ImagineError(f"the imaginer could not write personas for '{self.machine.name}': {reply}")
            for persona in parse_personas(reply):
                if persona.lower() not in {p.lower() for p in found} and len(found) < self.s.personas:
                    found.append(persona)
        if not found:
            raise ImagineError(f"the imaginer wrote no persona for '{self.machine.name}' in {self.s.persona_rounds} "
                               "tries (each on a line 'PERSONA: ...')")
        return found

    def jobs(self, personas: list[str], instances: list[Instance]) -> list[_Job]:
        """Every (persona, target, repetition), each with an instance drawn in turn from a shuffled list."""
        order = list(instances)
        random.Random(f"{self.s.seed}:{self.machine.name}").shuffle(order)
        jobs = []
        for pid, persona in enumerate(personas):
            for target in self.s.outcomes:
                for _ in range(self.s.dialogues):
                    index = len(jobs)
                    instance = with_persona(self.machine, order[index % len(order)], self.persona_roles, persona)
                    jobs.append(_Job(index, pid, persona, target, instance))
        for job in jobs:
            job.context = self._context(job)
        return jobs

    def _context(self, job: _Job) -> dict[str, Any]:
        env = GameEnv(self.machine)
        env.reset(job.instance)
        return {**self.base, "persona": job.persona, "outcome": job.target,
                "outcome_meaning": OUTCOME_MEANING[job.target], "instance": job.instance.data,
                "instance_json": json.dumps(job.instance.data, ensure_ascii=False, default=str),
                "openings": openings(env), "example": reference_dialogue(self.machine, job.instance)}

    def write(self, jobs: list[_Job]) -> None:
        """Draft every dialogue, then (with a critic) replay each draft and have it revised."""
        prompts = [self.prompts.render("dialogue", j.context) for j in jobs]
        drafts = self.ask(self.player, "dialogue", prompts, [self.seed("dialogue", j.index) for j in jobs],
                          self.s.max_tokens)
        for job, draft in zip(jobs, drafts):
            if isinstance(draft, PlayerError):
                job.draft_error = str(draft)
            else:
                job.draft = job.final = draft
        if self.critic_player is None:
            return
        todo = [j for j in jobs if j.draft is not None]
        prompts = []
        for job in todo:
            parsed = parse_dialogue(job.draft or "", list(self.machine.roles))
            played = replay_dialogue(self.machine, job.instance, parsed.turns)
            env = played.env
            verdict = (f"could not be read ({parsed.problem})" if parsed.problem else
                       f"ended in a {env.outcome}" + (f" ({env.reason})" if env.reason else ""))
            prompts.append(self.prompts.render("critic", {**job.context, "draft": job.draft, "verdict": verdict,
                                                          "draft_outcome": env.outcome or "",
                                                          "draft_transcript": transcript(env.events)}))
        revisions = self.ask(self.critic_player, "critic", prompts, [self.seed("critic", j.index) for j in todo],
                             self.s.max_tokens)
        for job, revision in zip(todo, revisions):
            if isinstance(revision, PlayerError):
                job.critic_note = f"the critic failed ({revision}); the draft was kept"
            elif revision.strip().strip(".").upper() == KEEP:
                job.critic_note = "kept"
            elif parse_dialogue(revision, list(self.machine.roles)).problem:
                job.critic_note = "the critic's answer was not a dialogue; the draft was kept"
            else:
                job.final, job.critic_note = revision, "revised"

    def record(self, job: _Job, imaginer: str, critic: str | None) -> dict[str, Any]:
        """The episode record of a job: its final dialogue replayed through the game, marked imagined."""
        key = (self.machine.name, job.instance.experiment, job.instance.id, job.index)
        seed = episode_seed(self.s.seed, key)
        players = {r: f"imagined:{imaginer}" for r in self.machine.roles}
        imagined: dict[str, Any] = {
            "persona": job.persona, "persona_id": job.persona_id, "persona_roles": self.persona_roles,
            "learner": self.learner, "target": job.target, "imaginer": imaginer, "critic": critic,
            "critic_note": job.critic_note, "draft": job.draft, "dialogue": job.final,
        }
        if job.final is None:  # the imaginer failed: a backend error, like any other
            env = GameEnv(self.machine)
            env.reset(job.instance, seed=seed, episode=job.index, players=players)
            env.fail(f"the imaginer failed: {job.draft_error}")
            imagined.update(replies=0, unused=0, problem=None)
        else:
            parsed = parse_dialogue(job.final, list(self.machine.roles))
            if parsed.problem:  # nothing to replay: the first role asked gave no reply the game could take
                env = GameEnv(self.machine)
                turn = env.reset(job.instance, seed=seed, episode=job.index, players=players)
                problem = f"the imagined dialogue could not be read: {parsed.problem}"
                if not turn.done:
                    end_as_abort(env, problem, turn.role)
                imagined.update(replies=0, unused=0, problem=problem)
            else:
                played = replay_dialogue(self.machine, job.instance, parsed.turns, seed=seed, episode=job.index,
                                         players=players)
                env = played.env
                imagined.update(replies=played.used, unused=played.unused, problem=played.problem)
        record = env.record()
        imagined["matched"] = record["outcome"] == job.target
        record["imagined"] = imagined
        # every role but the learner was played from the imagination of a persona: exporters leave them out
        record["simulated_roles"] = sorted(set(record.get("simulated_roles") or []) | set(self.persona_roles))
        return record


def _read_personas(path: Path) -> dict[str, list[str]]:
    """The personas already written, by game (a torn last line is ignored)."""
    found: dict[str, dict[int, str]] = {}
    if not path.is_file():
        return {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            found.setdefault(str(row["game"]), {})[int(row["id"])] = str(row["persona"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
    return {game: [by_id[i] for i in sorted(by_id)] for game, by_id in found.items()}


#: The entries of run.json that must not change when an imagine run is resumed.
_PLAN_KEYS = ("seed", "limit", "experiments", "split")


def _resume_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How the settings of ``new`` (run.json data) differ from the run that is resumed."""
    out = []
    if old.get("kind") != "imagine":
        return [f"the folder holds a {old.get('kind') or 'run'} of kind {old.get('kind')!r}, not an imagine run"]
    for key in _PLAN_KEYS:
        if old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)!r} when the run started, {new.get(key)!r} now")
    before, now = old.get("imagine") or {}, new["imagine"]
    for key in now:
        if key != "max_tokens" and before.get(key) != now[key]:
            out.append(f"{key}: {before.get(key)!r} when the run started, {now[key]!r} now")
    games_before, games_now = old.get("games") or {}, new["games"]
    if sorted(games_before) != sorted(games_now):
        out.append(f"games: {', '.join(sorted(games_before))} when the run started, {', '.join(sorted(games_now))} now")
    for game, info in games_now.items():
        was = games_before.get(game) or {}
        if was and was.get("content_hash") != info["content_hash"]:
            out.append(f"game '{game}' changed since the run started (content hash {was.get('content_hash')} -> "
                       f"{info['content_hash']})")
    return out


def run_imagine(machines: list[Machine], imaginer: Player, settings: ImagineSettings, critic: Player | None = None,
                on_record: Callable[[dict[str, Any]], None] | None = None) -> ImagineResult:
    """Imagine episodes of every game into the run folder ``settings.out``.

    ``critic`` is the player that revises drafts (None with ``settings.critic`` false; the
    imaginer itself when not given). Personas go to ``personas.jsonl`` as soon as a game's are
    written; dialogues are written, revised and judged ``batch_size`` at a time, and each
    episode's record is on disk as soon as it is judged. With ``settings.resume`` an interrupted
    run goes on: the personas already written are kept (the imaginer is not asked again), the
    episodes already in ``episodes.jsonl`` are skipped, a torn last record is imagined again, and
    the settings must be those the run started with.
    """
    from gamelang.runtime.run import RunSettings, select_instances
    from gamelang.runtime.runfolder import EPISODES_FILE, RUN_FILE, RunFolderError, RunWriter, episode_key, read_run

    s = settings
    unknown = [o for o in s.outcomes if o not in TARGETS]
    if unknown or not s.outcomes:
        raise ImagineError(f"unknown target outcome {', '.join(unknown) or '(none)'}: the targets are "
                           f"{', '.join(TARGETS)}")
    if s.personas < 1 or s.dialogues < 1:
        raise ImagineError("--personas and --dialogues must be at least 1")
    out = Path(s.out)
    critic_player = (critic or imaginer) if s.critic else None
    selection = RunSettings(out=out, limit=s.limit, experiments=s.experiments, split=s.split)
    plans = []
    for machine in machines:
        prompts = load_prompts(machine, s.prompts)
        worker = Imaginer(machine, imaginer, critic_player, s, prompts)
        try:
            instances = select_instances(machine, selection)
        except RunFolderError as err:
            raise ImagineError(str(err)) from None
        if not instances:
            raise ImagineError(f"game '{machine.name}' has no instance to imagine episodes of (after the "
                               "split and --limit)")
        plans.append((machine, worker, instances, prompts))
    meta: dict[str, Any] = {
        "command": invoking_command(),
        "kind": "imagine", "seed": s.seed, "limit": s.limit, "experiments": s.experiments,
        "split": s.split.as_meta() if s.split is not None else None,
        "players": {"default": f"imagined:{imaginer.spec}", "roles": {}},
        "imagine": {"imaginer": imaginer.spec, "critic": critic_player.spec if critic_player else None,
                    "personas": s.personas, "outcomes": list(s.outcomes), "dialogues": s.dialogues,
                    "learner": s.learner, "max_tokens": s.max_tokens},
        "games": {m.name: {"version": m.version, "content_hash": m.content_hash, "path": str(m.path),
                           "planned": s.personas * len(s.outcomes) * s.dialogues,
                           "persona_roles": w.persona_roles, "learner": w.learner, "prompts": p.sources,
                           "players": {r: f"imagined:{imaginer.spec}" for r in m.roles}}
                  for m, w, _, p in plans},
    }
    done: set[tuple] = set()
    kept_personas: dict[str, list[str]] = {}
    truncate_at = None
    episodes_file = out / EPISODES_FILE
    started = episodes_file.is_file() and episodes_file.stat().st_size > 0
    if started and not s.resume:
        raise ImagineError(f"{out} already holds episodes: resume it with --resume, or choose another --out")
    if s.resume and (started or (out / PERSONAS_FILE).is_file()):
        try:
            existing = read_run(out)
        except RunFolderError as err:
            raise ImagineError(f"cannot resume: {err}") from None
        if existing.meta:
            differences = _resume_differences(existing.meta, meta)
            if differences:
                raise ImagineError("cannot resume: this imagine run was started with other settings: "
                                   + "; ".join(differences) + ". Use the same options, or a new --out folder")
            meta["created"] = existing.meta.get("created")
        elif started:
            raise ImagineError(f"cannot resume: {out} has episodes but no readable {RUN_FILE}; use a new --out folder")
        truncate_at = existing.truncated_at
        done = {episode_key(r)[:4] for r in existing.records}
        kept_personas = _read_personas(out / PERSONAS_FILE)
    writer = RunWriter(out, meta, truncate_at)
    status = "interrupted"
    personas: dict[str, list[str]] = {}
    outcomes: dict[tuple[str, str], int] = {}
    records = problems = skipped = 0
    try:
        # rewritten whole: a torn last line of an interrupted run is dropped
        persona_lines = [json.dumps({"game": m.name, "id": pid, "persona": text, "roles": w.persona_roles},
                                    ensure_ascii=False) + "\n"
                         for m, w, _, _ in plans for pid, text in enumerate(kept_personas.get(m.name, []))]
        with open(out / PERSONAS_FILE, "w", encoding="utf-8") as fh:
            fh.write("".join(persona_lines))
            fh.flush()
            for machine, worker, instances, _ in plans:
                found = kept_personas.get(machine.name)
                if not found:
                    found = worker.personas()
                    for pid, text in enumerate(found):
                        fh.write(json.dumps({"game": machine.name, "id": pid, "persona": text,
                                             "roles": worker.persona_roles}, ensure_ascii=False) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                personas[machine.name] = found
                jobs = worker.jobs(found, instances)
                todo = [j for j in jobs if (machine.name, j.instance.experiment, j.instance.id, j.index) not in done]
                skipped += len(jobs) - len(todo)
                step = max(1, s.batch_size)
                for start in range(0, len(todo), step):  # a batch at a time: an interruption loses one batch
                    chunk = todo[start:start + step]
                    worker.write(chunk)
                    for job in chunk:
                        record = worker.record(job, imaginer.spec, critic_player.spec if critic_player else None)
                        writer.append(record)
                        records += 1
                        problems += record["imagined"]["problem"] is not None
                        pair = (job.target, record["outcome"])
                        outcomes[pair] = outcomes.get(pair, 0) + 1
                        if on_record is not None:
                            on_record(record)
        status = "complete"
    finally:
        writer.close(status)
    return ImagineResult(out, personas, records, outcomes, problems, skipped)
