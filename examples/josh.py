"""JOSH measured: SFT on plain successful episodes against SFT on search golden paths (+ KTO), same tokens.

JOSH (sparse-reward self-training) lets a model explore a game by a branching search over its own
replies and trains it on what the search found. This script measures it on a game with several
once-only rewards, with a tiny model built locally, against the plain alternative: sample whole
episodes from the same model and keep the won ones. The steps (each prints the command line that
does the same by hand):

1. A noisy teacher (a small :class:`Player` in this file) plays the training instances of
   ``examples/josh_game/errands.game``: the customer needs three things in turn, the clerk fetches
   each, and every need met pays a once-only reward. The teacher fetches most items right but
   confuses four needs with a wrong item most of the time.
2. A tiny Llama model (tokenizer trained on those episodes), SFT on all the teacher's episodes:
   the **seed** model. Greedy, it repeats the teacher's confusions; sampled, it sometimes fetches
   the right item.
3. From the seed model at temperature 1, on the same training instances:
   (a) plain episodes (``gamelang run --episodes K``), the won ones exported for SFT;
   (b) ``gamelang search --mode josh`` trees, their golden paths exported for SFT
   (``export sft --golden``) and their sibling divergences as KTO rows (the rewarded golden reply
   desirable, its unrewarded siblings undesirable: :func:`trainers.search.divergence_rows`).
4. The two SFT sets are cut to the same number of learner tokens (whole rows, in a seeded order),
   and each trains the seed model with the same steps, batch and learning rate; KTO then trains
   the golden-path model on the divergences.
5. Every model plays the test instances greedily; one table.

    python examples/josh.py [--out runs/josh-example] [--quick]

``--quick`` runs every step on a handful of instances and steps: it checks the pipeline, not
JOSH. The full run's figures are in examples/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

import train_sft as ex  # noqa: E402  (same folder) the training example's pipeline, table and command line
LEARNER = "clerk"
NEEDS = ["write", "cut", "drink", "light", "sweep", "dig", "sew", "tie", "measure", "sit"]
ITEMS = ["pen", "knife", "cup", "lamp", "broom", "spade", "needle", "string", "ruler", "chair"]
#: The teacher's confusions: for these needs it fetches the wrong item most of the time.
CONFUSED = {"cut": "spade", "dig": "knife", "sew": "string", "measure": "needle"}


def game_path() -> Path:
    """The game, resolved when the script runs (the example's own folder)."""
    return HERE / "josh_game" / "errands.game"


@dataclass
class Plan:
    """Sizes of each step; :func:`quick_plan` shrinks them."""

    teacher_instances: int = 400   # training instances the noisy teacher plays (the seed model's data)
    teacher_right: float = 0.25    # how often the teacher fetches the right item for a confused need
    teacher_slip: float = 0.1      # how often it fetches a random wrong item for another need
    hidden_size: int = 64
    layers: int = 2
    vocab_size: int = 300
    seed_steps: int = 300
    explore_instances: int = 100   # training instances both (a) and (b) explore
    plain_episodes: int = 4        # (a): episodes per instance, temperature 1 (about as many replies as (b) samples)
    beam: int = 8                  # (b): JOSH's beam and branching
    branch: int = 2
    steps: int = 150               # SFT steps of (a) and of (b)
    lr: float = 1e-3
    batch: int = 16
    kto_steps: int = 60
    kto_lr: float = 2e-4
    kto_beta: float = 0.1
    test_episodes: int = 144       # every test instance (the split puts about 144 of the 720 there)
    explorer: str = "seed"         # who explores for (a) and (b): the seed model (temperature 1) or the teacher


def quick_plan() -> Plan:
    # the seed model cannot learn the game in a few steps: the teacher explores, so that every step has data
    return Plan(teacher_instances=12, hidden_size=32, layers=1, vocab_size=200, seed_steps=4, explore_instances=4,
                plain_episodes=2, beam=4, steps=2, batch=4, kto_steps=2, test_episodes=4, explorer="teacher")


# -- the noisy teacher ---------------------------------------------------------------------------

def noisy_teacher(plan: Plan):
    """A clerk that knows the items but confuses four needs (a :class:`Player`; seeded per request)."""
    from gamelang.players.base import Player

    class NoisyTeacher(Player):
        def __init__(self) -> None:
            super().__init__("noisy-teacher")

        def respond(self, requests):
            return [self.fetch(r.messages[-1]["content"], random.Random(r.seed)) for r in requests]

        @staticmethod
        def fetch(message: str, rng: random.Random) -> str:
            need = re.findall(r"Need: (\w+)", message)[-1]
            right = ITEMS[NEEDS.index(need)]
            if need in CONFUSED:
                item = right if rng.random() < plan.teacher_right else CONFUSED[need]
            else:
                item = rng.choice([i for i in ITEMS if i != right]) if rng.random() < plan.teacher_slip else right
            return f"FETCH: {item}"

    return NoisyTeacher()


class Josh:
    """The steps that train_sft.py's pipeline does not have: the teacher, the search, token budgets."""

    def __init__(self, ex, pipe, plan: Plan) -> None:
        self.ex, self.pipe, self.plan = ex, pipe, plan
        self.out = pipe.out

    def play_player(self, name: str, player, limit: int, episodes: int = 1, seed: int = 0) -> Path:
        """``gamelang run`` with a :class:`Player` object as the learner (played through the rollout engine)."""
        from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine, episode_seed
        from gamelang.runtime.run import RunSettings, select_instances
        from gamelang.runtime.runfolder import RunWriter
        from gamelang.splits import Split

        machine = self.pipe.machine
        run = self.out / "runs" / name
        self.ex.show(f"gamelang run {game_path()} --split train --limit {limit} --episodes {episodes} --seed {seed} "
                     f"--role {LEARNER}={player.spec.upper()} --out {run}")
        instances = select_instances(machine, RunSettings(out=run, limit=limit, split=Split("train")))
        jobs = [EpisodeJob(machine, inst, k, episode_seed(seed, (machine.name, inst.experiment, inst.id, k)))
                for inst in instances for k in range(episodes)]
        writer = RunWriter(run, {"kind": "run", "command": None, "players": {"roles": {LEARNER: player.spec}}})
        engine = RolloutEngine(Assignment(roles={LEARNER: player}))
        for rollout in engine.play(jobs):
            writer.append(rollout.record)
        writer.close("complete")
        return run

    def teacher_episodes(self) -> Path:
        """The noisy teacher on the first training instances."""
        return self.play_player("teacher", noisy_teacher(self.plan), self.plan.teacher_instances)

    def explorer(self, seed_spec: str):
        """Who explores for (a) and (b): the seed model at temperature 1, or (``--explorer teacher``) the teacher."""
        if self.plan.explorer == "teacher":
            return noisy_teacher(self.plan)
        return seed_spec + ("&" if "?" in seed_spec else "?") + "temperature=1.0"

    def plain(self, explorer) -> Path:
        p = self.plan
        if isinstance(explorer, str):
            return self.pipe.play("plain", "train", explorer, p.explore_instances, p.plain_episodes, 3)
        return self.play_player("plain", explorer, p.explore_instances, p.plain_episodes, 3)

    def search(self, explorer) -> tuple[Path, int]:
        """``gamelang search`` with the seed model sampling; returns the folder and the learner turns sampled."""
        from gamelang.players import parse_spec
        from gamelang.runtime.run import RunSettings
        from gamelang.splits import Split
        from trainers.search import SearchSettings, run_search

        p = self.plan
        run = self.out / "runs" / "search"
        spec = explorer if isinstance(explorer, str) else explorer.spec.upper()
        self.ex.show(f"gamelang search {game_path()} --learner {LEARNER} --model '{spec}' --mode josh "
                     f"--beam {p.beam} --branch {p.branch} --split train --limit {p.explore_instances} --out {run}")
        player = parse_spec(explorer) if isinstance(explorer, str) else explorer
        settings = RunSettings(out=run, limit=p.explore_instances, seed=2, role_specs={LEARNER: player},
                               split=Split("train"))
        nodes = [0]
        result = run_search([self.pipe.machine], settings, SearchSettings(learner=LEARNER, beam=p.beam,
                                                                          branch=p.branch),
                            trees_at_once=64, on_tree=lambda t: nodes.__setitem__(0, nodes[0] + len(t.nodes) - 1))
        print(f"    {result.trees} trees: " + ", ".join(f"{n} {s}" for s, n in sorted(result.statuses.items()))
              + f"; {nodes[0]} learner replies sampled", flush=True)
        return run, nodes[0]

    def divergences(self, run: Path) -> tuple[Path, int]:
        from gamelang.data.writer import write_rows
        from trainers.search import divergence_rows

        path = self.out / "data" / "divergences.jsonl"
        rows = divergence_rows(run, LEARNER)
        print(f"    sibling divergences of the successful trees: {sum(r['label'] for r in rows)} desirable, "
              f"{sum(not r['label'] for r in rows)} undesirable KTO rows", flush=True)
        if rows:
            write_rows(rows, path)
        return path, len(rows)


def learner_tokens(tokenizer, row: dict) -> int:
    """The tokens a row trains on: each assistant reply and its end-of-turn token."""
    return sum(len(tokenizer(m["content"], add_special_tokens=False).input_ids) + 1
               for m in row["messages"] if m["role"] == "assistant")


def same_tokens(base: Path, files: dict[str, Path], seed: int = 0) -> dict[str, tuple[Path, int, int]]:
    """Cut each SFT file to the learner tokens of the smallest: whole rows, in a seeded order.

    Returns name -> (the cut file, rows, learner tokens)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    data = {}
    for name, path in files.items():
        rows = [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []
        random.Random(seed).shuffle(rows)
        data[name] = [(row, learner_tokens(tokenizer, row)) for row in rows]
    budget = min(sum(n for _, n in rows) for rows in data.values())
    out = {}
    for name, rows in data.items():
        kept, total = [], 0
        for row, n in rows:
            if total + n > budget:
                continue
            kept.append(row)
            total += n
        path = files[name].with_name(files[name].stem + "-same-tokens.jsonl")
        path.write_text("".join(json.dumps(r) + "\n" for r in kept))
        out[name] = (path, len(kept), total)
        print(f"    {name}: {len(kept)} of {len(rows)} rows, {total} learner tokens (budget {budget})", flush=True)
    return out


def render(rows: list[tuple[str, dict | None, str]]) -> str:
    def cell(value) -> str:
        return "-" if value is None else f"{value:.1f}"

    header = ["method", "test win %", "needs met", "abort %", "training data", "test episodes"]
    lines = [header]
    for name, fig, data in rows:
        if fig is None:
            lines.append([name, "-", "-", "-", data, "-"])
        else:
            lines.append([name, cell(fig["win"]), cell(fig["needs"]), cell(fig["abort"]), data, str(fig["episodes"])])
    widths = [max(len(r[i]) for r in lines) for i in range(len(header))]
    out = []
    for k, r in enumerate(lines):
        out.append("  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def figures(ex, run: Path) -> dict:
    """train_sft.py's figures plus the mean number of needs met per episode."""
    from gamelang.runtime.runfolder import read_run

    fig = ex.figures(run)
    met = [((r.get("scores") or {}).get("metrics") or {}).get("needs_met") for r in read_run(run).latest().values()]
    met = [m for m in met if m is not None]
    fig["needs"] = sum(met) / len(met) if met else None
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/josh-example"), help="Working folder (replaced).")
    parser.add_argument("--quick", action="store_true", help="A few instances and steps: checks the pipeline only.")
    parser.add_argument("--reuse-seed", type=Path, default=None, metavar="DIR",
                        help="Take the teacher episodes and the base and seed models from the --out folder of an "
                             "earlier run (with the same model sizes) instead of making them again.")
    ex.add_plan_options(parser, Plan)
    args = parser.parse_args(argv)
    plan = ex.chosen_plan(args, quick_plan() if args.quick else Plan())
    ex.fresh_folder(args.out)
    (args.out / "plan.json").write_text(json.dumps(plan.__dict__, indent=2) + "\n")
    ex.GAME, ex.LEARNER = str(game_path()), LEARNER
    start = time.perf_counter()
    try:
        pipe = ex.Pipeline(args.out, ex.Plan(test_episodes=plan.test_episodes, hidden_size=plan.hidden_size,
                                             layers=plan.layers, vocab_size=plan.vocab_size))
        josh = Josh(ex, pipe, plan)
        common = {"lr": plan.lr, "batch_size": plan.batch, "lr_scheduler": "cosine", "warmup": 0.05}
        if args.reuse_seed:  # the teacher's episodes, the base and the seed model of an earlier run
            for sub in ("runs/teacher", "models/base", "models/seed"):
                shutil.copytree(args.reuse_seed / sub, args.out / sub)
            print(f"reusing the teacher episodes, base and seed models of {args.reuse_seed}", flush=True)
            teacher, seed = args.out / "runs" / "teacher", f"hf:{args.out / 'models' / 'seed'}"
        else:
            teacher = pipe.step("teacher", "the noisy teacher on the training instances", josh.teacher_episodes)
            base = pipe.step("build", "a tiny model, its tokenizer trained on those episodes", pipe.build_model,
                             teacher)
            seed_data, _ = pipe.export("sft", [teacher], "teacher.jsonl", outcomes=("win", "lose"))
            seed = pipe.step("seed", "the seed model: SFT on every teacher episode", pipe.train, "sft", str(base),
                             seed_data, "seed", {**common, "max_steps": plan.seed_steps, "lr": 2e-3,
                                                 "logging_steps": max(1, plan.seed_steps // 10),
                                                 "save_steps": plan.seed_steps})
        explorer = josh.explorer(seed)
        plain = pipe.step("plain", "(a) plain episodes of the explorer", josh.plain, explorer)
        plain_data, _ = pipe.export("sft", [plain], "plain.jsonl")
        search, nodes = pipe.step("search", "(b) JOSH search trees of the explorer", josh.search, explorer)
        golden_path = args.out / "data" / "golden.jsonl"
        ex.show(f"gamelang export sft {search} --golden --out {golden_path}")
        from gamelang.data.export import ExportOptions, export
        from gamelang.data.select import Criteria
        from gamelang.data.writer import write_rows

        golden_rows = export([search], ExportOptions("sft", Criteria(roles=(LEARNER,), golden=True))).rows
        write_rows(golden_rows, golden_path)
        print(f"    {len(golden_rows)} golden paths", flush=True)
        divergences, kto_rows = josh.divergences(search)
        cut = pipe.step("tokens", "the same learner tokens for (a) and (b)", same_tokens,
                        args.out / "models" / "base", {"plain": plain_data, "golden": golden_path})
        seed_folder = str(args.out / "models" / "seed")
        settings = {**common, "max_steps": plan.steps, "logging_steps": max(1, plan.steps // 10),
                    "save_steps": plan.steps}
        models: dict[str, str | None] = {"plain": None, "golden": None, "kto": None}
        for name in ("plain", "golden"):
            if cut[name][1]:
                models[name] = pipe.step(name, f"SFT on the {name} rows", pipe.train, "sft", seed_folder,
                                         cut[name][0], f"sft-{name}", settings)
        labels = [json.loads(line)["label"] for line in divergences.read_text().splitlines()] if kto_rows else []
        if models["golden"] and any(labels) and not all(labels):
            models["kto"] = pipe.step("kto", "KTO on the sibling divergences", pipe.train, "kto",
                                      str(args.out / "models" / "sft-golden"), divergences, "kto",
                                      {"max_steps": plan.kto_steps, "lr": plan.kto_lr, "batch_size": plan.batch,
                                       "beta": plan.kto_beta, "logging_steps": max(1, plan.kto_steps // 10),
                                       "save_steps": plan.kto_steps})
        evals = {}
        for name, spec in [("seed", seed), ("plain", models["plain"]), ("golden", models["golden"]),
                           ("kto", models["kto"])]:
            evals[name] = (pipe.step(f"measure {name}", f"measure {name}", pipe.play, f"{name}-test", "test", spec,
                                     plan.test_episodes) if spec else None)
    except ex.StepFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    plain_turns = sum(r["scores"]["requests"] for r in _records(plain))
    data = {"seed": f"{_count(teacher)} teacher episodes",
            "plain": f"{cut['plain'][1]} won episodes, {cut['plain'][2]} tokens",
            "golden": f"{cut['golden'][1]} golden paths, {cut['golden'][2]} tokens",
            "kto": f"+ {kto_rows} KTO rows"}
    names = {"seed": "seed (SFT on the noisy teacher)",
             "plain": "(a) + SFT on plain won episodes",
             "golden": "(b) + SFT on JOSH golden paths",
             "kto": "(b) + SFT golden + KTO divergences"}
    rows = [(names[k], figures(ex, r) if r else None, data[k]) for k, r in evals.items()]
    total = time.perf_counter() - start
    table = render(rows)
    print()
    print(f"errands, role {LEARNER}: greedy win rates on held-out test instances ({plan.test_episodes} planned); "
          f"exploration by {'the noisy teacher' if plan.explorer == 'teacher' else 'the seed model at temperature 1'} "
          f"on {plan.explore_instances} training instances: "
          f"(a) {plain_turns} learner replies sampled in {plan.plain_episodes} episodes per instance, "
          f"(b) {nodes} in JOSH trees (beam {plan.beam}, branch {plan.branch})")
    print(table)
    print(f"time: {total / 60:.1f} min (" + ", ".join(f"{n} {s:.0f}s" for n, s in pipe.timings) + ")")
    (args.out / "table.txt").write_text(table + "\n")
    return 0


def _records(run: Path) -> list[dict]:
    from gamelang.runtime.runfolder import read_run

    return list(read_run(run).latest().values())


def _count(run: Path) -> int:
    return len(_records(run))


if __name__ == "__main__":
    sys.exit(main())
