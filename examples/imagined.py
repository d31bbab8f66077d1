"""Imagined episodes, then offline RL (ILQL) against filtered behaviour cloning on the same data.

The steps, with the real gamelang APIs (each step prints the command line that does the same):

1. ``gamelang imagine shapes --learner listener --split train``: a scripted imaginer (a small
   :class:`Player` in this file, standing in for an LLM) writes personas for the speaker and whole
   dialogues for a target outcome (win or lose). Like an LLM it makes mistakes: some dialogues
   meant to be won name the wrong shape, some break the rules. The game replays every dialogue and
   records its real outcome.
2. A tiny Llama model with a tokenizer trained on the imagined episodes' text.
3. Filtered BC: ``gamelang export sft --min-score 100`` (the episodes the game judged won) and
   ``gamelang train sft``.
4. ILQL: ``gamelang export sft --outcome win --outcome lose --outcome abort`` (every episode, with
   its reward) and ``gamelang train ilql``, with the same steps, batch and learning rate.
5. Each model plays the listener against the scripted ``pointer`` speaker on held-out **test**
   instances (greedy); ILQL with its heads (advantage-weighted decoding) and without them.

    python examples/imagined.py [--out runs/imagined-example] [--quick]

``--quick`` runs every step on a few dialogues and steps: it checks the pipeline, not learning.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import train_sft as ex  # the training example in this folder: its pipeline, table and command line

GAME = "shapes"
LEARNER = "listener"
ORDINALS = ["first", "second", "third"]
STYLES = ["a patient teacher who counts from the left", "a hurried commuter who answers in few words",
          "a careful accountant", "a child who likes colours", "a retired sailor", "a sleepy student"]

# The example's prompts: the imaginer here is a script, so the dialogue prompt hands it the
# instance and the target as JSON (an LLM would get the default prompts, in words).
PROMPTS = {
    "personas.j2": "Write {{ count }} personas, one per line 'PERSONA: ...'.",
    "dialogue.j2": '{"instance": {{ instance_json }}, "outcome": "{{ outcome }}", "persona": {{ persona | tojson }}}',
    "critic.j2": "{{ draft }}",
}


@dataclass
class Plan:
    """Sizes of each step; :func:`quick_plan` shrinks them."""

    personas: int = 4
    dialogues: int = 250        # per persona and target outcome (win, lose): 2000 imagined episodes
    mistakes: float = 0.25      # share of would-be wins where the imaginer names a wrong shape
    broken: float = 0.05        # share of dialogues that break a rule (a reply the game cannot read)
    test_episodes: int = 300
    hidden_size: int = 128
    layers: int = 2
    vocab_size: int = 800
    steps: int = 500            # both methods
    lr: float = 2e-3
    batch: int = 32
    ilql_beta: float = 4.0
    head_lr: float = 2e-3       # the heads at the LM's rate (the default, 10 x lr, is for the small rates of big models)
    polyak: float = 0.02        # a few hundred steps: the target heads must follow within them


def quick_plan() -> Plan:
    return Plan(personas=2, dialogues=6, test_episodes=4, hidden_size=32, layers=1, vocab_size=400, steps=3, batch=4)


def scripted_imaginer(plan: Plan, seed: int = 0):
    """A stand-in for an LLM imaginer (a :class:`Player`): personas from a list, dialogues from the
    instance and the target outcome, with the imaginer's mistakes."""
    from gamelang.players.base import Player

    class ScriptedImaginer(Player):
        def __init__(self) -> None:
            super().__init__("scripted-imaginer")
            self.random = random.Random(seed)

        def respond(self, requests):
            return [_imagined(plan, self.random, r.role, r.messages[-1]["content"]) for r in requests]

    return ScriptedImaginer()


def _imagined(plan: Plan, rng: random.Random, stage: str, prompt: str) -> str:
    """The scripted imaginer's answer to one prompt of ``stage``."""
    if stage == "personas":
        return "\n".join(f"PERSONA: {s}" for s in STYLES)
    ask = json.loads(prompt)
    inst, target = ask["instance"], ask["outcome"]
    place = inst["target"]
    clue = f"speaker: CLUE: the {ORDINALS[place]} one from the left"
    if rng.random() < plan.broken:
        return clue + "\nlistener: I think it is that one"  # the game cannot read it: abort
    wrong = rng.choice([i for i in range(3) if i != place])
    right = target == "win" and rng.random() >= plan.mistakes
    pick = place if right else wrong
    return clue + f"\nlistener: ANSWER: {inst['colours'][pick]} {inst['shapes'][pick]}"


def imagine(out: Path, plan: Plan) -> Path:
    from gamelang.compiler import compile_file
    from gamelang.registry import resolve_game
    from gamelang.splits import Split
    from trainers.imagine import ImagineSettings, run_imagine

    prompts = out / "prompts"
    prompts.mkdir(parents=True, exist_ok=True)
    for name, text in PROMPTS.items():
        (prompts / name).write_text(text, encoding="utf-8")
    run = out / "runs" / "imagined"
    print(f"    $ gamelang imagine {GAME} --model IMAGINER --learner {LEARNER} --personas {plan.personas} "
          f"--outcomes win,lose --dialogues {plan.dialogues} --no-critic --prompts {prompts} --split train "
          f"--out {run}", flush=True)
    machine = compile_file(resolve_game(GAME)).machine
    result = run_imagine([machine], scripted_imaginer(plan), ImagineSettings(
        out=run, personas=plan.personas, outcomes=("win", "lose"), dialogues=plan.dialogues, learner=LEARNER,
        critic=False, prompts=prompts, split=Split("train")))
    print("    " + result.summary().replace("\n", "\n    "), flush=True)
    return run


def export(out: Path, run: Path, name: str, **criteria) -> Path:
    from gamelang.data.export import ExportOptions, export as do_export
    from gamelang.data.select import Criteria
    from gamelang.data.writer import write_rows

    path = out / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = (" --min-score 100" if criteria.get("min_score") is not None else
             "".join(f" --outcome {o}" for o in criteria.get("outcomes", ())))
    print(f"    $ gamelang export sft {run} --role {LEARNER}{flags} --out {path}", flush=True)
    result = do_export([run], ExportOptions("sft", Criteria(roles=(LEARNER,), **criteria)))
    write_rows(result.rows, path)
    rewards = [r["reward"] for r in result.rows]
    print(f"    {len(result.rows)} rows, mean reward {sum(rewards) / max(1, len(rewards)):.2f}", flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/imagined-example"), help="Working folder (replaced).")
    parser.add_argument("--quick", action="store_true", help="A few dialogues and steps: checks the pipeline only.")
    ex.add_plan_options(parser, Plan)
    args = parser.parse_args(argv)
    plan = ex.chosen_plan(args, quick_plan() if args.quick else Plan())
    ex.fresh_folder(args.out)
    ex.LEARNER = LEARNER
    sizes = ex.Plan(test_episodes=plan.test_episodes, hidden_size=plan.hidden_size, layers=plan.layers,
                    vocab_size=plan.vocab_size)
    start = time.perf_counter()
    pipe = ex.Pipeline(args.out, sizes)
    run = pipe.step("imagine", "imagined episodes on the training instances", imagine, args.out, plan)
    base = pipe.step("build", "a tiny model, its tokenizer trained on the imagined episodes", pipe.build_model, run)
    common = {"max_steps": plan.steps, "lr": plan.lr, "batch_size": plan.batch, "lr_scheduler": "cosine",
              "warmup": 0.05, "logging_steps": max(1, plan.steps // 10), "save_steps": plan.steps}
    good = pipe.step("export", "export: the won episodes (filtered BC)",
                     lambda: export(args.out, run, "bc.jsonl", min_score=100.0))
    every = pipe.step("export", "export: every episode with its reward (ILQL)",
                      lambda: export(args.out, run, "all.jsonl", outcomes=("win", "lose", "abort")))
    bc = pipe.step("bc", "filtered BC: train sft on the won episodes", pipe.train, "sft", str(base), good, "bc",
                   common)
    ilql = pipe.step("ilql", "ILQL on every episode", pipe.train, "ilql", str(base), every, "ilql",
                     {**common, "ilql_beta": plan.ilql_beta, "head_lr": plan.head_lr, "polyak": plan.polyak})
    evals = {}
    for name, spec in [("base (untrained)", f"hf:{base}"), ("filtered BC (sft, wins only)", bc),
                       (f"ILQL, beta {plan.ilql_beta:g}", ilql), ("ILQL's LM alone (beta 0)", f"{ilql}?ilql_beta=0")]:
        short = ["base", "bc", "ilql", "ilql-lm"][len(evals)]
        evals[name] = pipe.step(f"measure {short}", f"measure {name}", pipe.play, f"{short}-test", "test", spec,
                                plan.test_episodes)
    rows = [(name, ex.figures(r), None) for name, r in evals.items()]
    total = time.perf_counter() - start
    print()
    print(f"{GAME}, role {LEARNER}, trained on imagined episodes: win rates on held-out test instances "
          f"({plan.test_episodes} planned)")
    table = ex.render(rows)
    print(table)
    print(f"time: {total / 60:.1f} min (" + ", ".join(f"{n} {s:.0f}s" for n, s in pipe.timings) + ")")
    (args.out / "table.txt").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
