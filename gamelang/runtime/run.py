"""A batch run: games x instances x episodes, played with the scheduler into a run folder.

A run can be interrupted at any moment and resumed with ``resume=True``: episodes already in
the folder are skipped (so nothing is played twice), a truncated last record is cut off and
played again, and a run is only resumed with the same games (by content hash) and players.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..instances import Instance, load_instances
from ..machine import Machine
from ..players.base import PlayerSpec
from ..splits import Split, describe_meta
from .runfolder import EPISODES_FILE, RunFolderError, RunWriter, SyncPolicy, invoking_command, read_run
from .scheduler import Assignment, EpisodeJob, episode_seed, run_jobs
from ..shard import Shard


@dataclass
class RunSettings:
    """What to run and how."""

    out: Path
    episodes: int = 1
    limit: int | None = None
    experiments: list[str] | None = None
    instance_ids: list[str] | None = None
    concurrency: int = 8
    seed: int = 0
    resume: bool = False
    retry_errors: bool = False
    role_specs: dict[str, PlayerSpec] = field(default_factory=dict)
    default_spec: PlayerSpec | None = None
    split: Split | None = None  # only the instances on this side of a train/test split
    sync: SyncPolicy = field(default_factory=SyncPolicy)  # when records are fsynced (a kill never loses one)
    shard: "Shard | None" = None  # only this share of the plan (gamelang/shard.py)


@dataclass
class RunResult:
    """What a run did."""

    out: Path
    planned: int
    skipped: int
    played: int
    problems: list[str]


def select_instances(machine: Machine, settings: RunSettings) -> list[Instance]:
    """The instances a run plays: by experiment and id, then the first ``limit`` of each game."""
    instances = load_instances(machine)
    if settings.experiments:
        known = {i.experiment for i in instances}
        unknown = [e for e in settings.experiments if e not in known]
        if unknown:
            raise RunFolderError(f"game '{machine.name}' has no experiment {', '.join(unknown)} "
                                 f"(it has: {', '.join(sorted(known))})")
        instances = [i for i in instances if i.experiment in settings.experiments]
    if settings.instance_ids:
        instances = [i for i in instances if i.id in settings.instance_ids]
    if settings.split is not None:
        instances = [i for i in instances if settings.split.contains(machine.name, i.experiment, i.id)]
    if settings.limit is not None:
        instances = instances[: settings.limit]
    return instances


def plan(machines: list[Machine], settings: RunSettings) -> list[EpisodeJob]:
    """Every episode of the run, in a stable order."""
    jobs = []
    for machine in machines:
        for inst in select_instances(machine, settings):
            for ep in range(settings.episodes):
                key = (machine.name, inst.experiment, inst.id, ep)
                if settings.shard is not None and not settings.shard.contains(key):
                    continue
                jobs.append(EpisodeJob(machine, inst, ep, episode_seed(settings.seed, key)))
    return jobs


def _meta(machines: list[Machine], jobs: list[EpisodeJob], settings: RunSettings, assignment: Assignment) -> dict:
    games = {}
    for m in machines:
        by_exp: dict[str, int] = {}
        for j in jobs:
            if j.machine is m:
                by_exp[j.instance.experiment] = by_exp.get(j.instance.experiment, 0) + 1
        games[m.name] = {"version": m.version, "content_hash": m.content_hash, "path": str(m.path),
                         "planned": sum(by_exp.values()), "planned_by_experiment": by_exp,
                         "players": assignment.describe(m)}
    return {
        "command": invoking_command(),
        "seed": settings.seed,
        "episodes_per_instance": settings.episodes,
        "limit": settings.limit,
        "experiments": settings.experiments,
        "split": settings.split.as_meta() if settings.split else None,
        "shard": settings.shard.as_meta() if settings.shard else None,
        "concurrency": settings.concurrency,
        "players": {"default": settings.default_spec.text if settings.default_spec else "scripted",
                    "roles": {r: s.text for r, s in settings.role_specs.items()}},
        "games": games,
    }


def execute(machines: list[Machine], settings: RunSettings, on_record: Callable[[dict], None] | None = None,
            on_start: Callable[[int, int], None] | None = None) -> RunResult:
    """Run (or resume) a batch; records are on disk as soon as each episode ends."""
    assignment = Assignment(settings.role_specs, settings.default_spec)
    assignment.prepare(machines)  # a bad player spec or model fails here, before anything is written
    jobs = plan(machines, settings)
    meta = _meta(machines, jobs, settings, assignment)
    problems: list[str] = []
    done: set[tuple] = set()
    truncate_at = None
    out = settings.out
    if (out / EPISODES_FILE).is_file() and (out / EPISODES_FILE).stat().st_size > 0:
        if not settings.resume:
            raise RunFolderError(f"{out} already holds a run: resume it with --resume, or choose another --out")
        existing = read_run(out)
        _check_same_run(existing.meta, meta)
        problems += existing.problems
        truncate_at = existing.truncated_at
        for key, record in existing.latest().items():
            if settings.retry_errors and record.get("outcome") == "error":
                continue
            done.add(key)
        meta["created"] = existing.meta.get("created")
    todo = [j for j in jobs if j.key not in done]
    if on_start is not None:
        on_start(len(jobs), len(jobs) - len(todo))
    writer = RunWriter(out, meta, truncate_at, settings.sync)
    status = "interrupted"

    def record(rec: dict) -> None:
        writer.append(rec)
        if on_record is not None:
            on_record(rec)

    try:
        concurrency = 1 if assignment.interactive else settings.concurrency
        played = run_jobs(todo, assignment, concurrency, record)
        status = "complete"
    finally:
        writer.close(status)
        assignment.close()
    return RunResult(out, len(jobs), len(jobs) - len(todo), played, problems)


#: The entries of run.json that define which episodes a run plays, and the options that set them.
PLAN_KEYS = (("episodes_per_instance", "--episodes"), ("limit", "--limit"), ("seed", "--seed"),
             ("experiments", "--experiment"), ("shard", "--shard"))


def _plan_value(key: str, value: object) -> object:
    if key == "experiments":  # the order of --experiment options does not change the plan
        return sorted(map(str, value)) if isinstance(value, list) and value else None
    if key == "shard":
        shard = Shard.from_meta(value)
        return shard.describe() if shard else None
    return value


def plan_differences(old: dict, new: dict) -> list[str]:
    """How the plan of ``new`` (run.json data) differs from that of ``old``, one line per option.

    A resumed run must play the plan it started with: otherwise it would end ``complete`` with
    planned episodes never played (a smaller --episodes) or mix episodes of two plans.
    """
    out = []
    for key, option in PLAN_KEYS:
        if key in old and _plan_value(key, old[key]) != _plan_value(key, new.get(key)):
            out.append(f"{option}: {_plan_value(key, old[key])} when the run started, "
                       f"{_plan_value(key, new.get(key))} now")
    if old.get("split") != new.get("split"):
        out.append(f"--split: {describe_meta(old.get('split'))} when the run started, "
                   f"{describe_meta(new.get('split'))} now")
    before, now = sorted(old.get("games") or {}), sorted(new.get("games") or {})
    if before and before != now:
        out.append(f"games: {', '.join(before)} when the run started, {', '.join(now)} now")
    return out


def _check_same_run(old: dict, new: dict) -> None:
    """Refuse to resume a run with another plan, games or players: its episodes would not be comparable."""
    if old.get("split") != new["split"]:
        raise RunFolderError(f"this run was started with split {describe_meta(old.get('split'))}, "
                             f"not {describe_meta(new['split'])}; "
                             "use the same --split, --test-share and --split-seed, or a new --out folder")
    differences = plan_differences(old, new)
    if differences:
        raise RunFolderError("this run was started with another plan: " + "; ".join(differences)
                             + ". Resume it with the plan it started with (`gamelang run --out FOLDER --resume` "
                               "takes it from run.json), or use a new --out folder")
    for game, info in new["games"].items():
        before = (old.get("games") or {}).get(game)
        if not isinstance(before, dict):
            continue  # a run.json written before games were recorded
        if before.get("content_hash") != info["content_hash"]:
            raise RunFolderError(f"game '{game}' changed since this run started (content hash "
                                 f"{before.get('content_hash')} -> {info['content_hash']}); use a new --out folder")
        if before.get("players") and before["players"] != info["players"]:
            raise RunFolderError(f"the players of '{game}' differ from those this run started with "
                                 f"({before['players']}); use the same players, or a new --out folder")



