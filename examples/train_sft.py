"""End to end: a tiny model trained from scratch on a game's reference episodes, measured on held-out instances.

The steps are the ones a user runs by hand with ``gamelang run``, ``export`` and ``train``; the
script calls the same Python API in one process (torch is imported once) and prints, for each step,
the command line that does it:

1. ``gamelang run shapes --split train``: reference episodes on the training instances, both roles
   played by the game's scripted reference players.
2. A tiny Llama model with a tokenizer trained on the text of those episodes (built locally: no
   download), and its win rate as the listener on the **test** instances (``--split test``).
3. ``gamelang export sft`` of the listener's won reference episodes, ``gamelang train sft``, and the
   win rate again.
4. The SFT model samples several episodes per training instance (temperature 1); ``gamelang export
   dpo`` pairs a won and a lost (or aborted) reply of the same instance; ``gamelang train dpo``
   starts from the SFT model; and the win rate again.

5. ``gamelang train grpo`` from the SFT model: the listener plays whole episodes against the scripted
   speaker on the training instances, and the games' rewards train it online; and the win rate again.

Finally one table: per method the test win rate, main score, % played and abort rate, and the
win rate on training instances (how well the model imitates what it was trained on).

    python examples/train_sft.py [--out runs/train-example] [--quick]

``--quick`` runs every step on a handful of instances and a few training steps: it checks that
the pipeline works, not that the model learns. The run without GRPO took 24 minutes on two CPU cores that
other jobs were using too, most of it training (examples/README.md has what it reached).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

GAME = "shapes"
LEARNER = "listener"  # the role the model plays; the other roles keep their scripted reference player


@dataclass
class Plan:
    """Sizes of each step. The defaults are the full run; :func:`quick_plan` shrinks them."""

    test_episodes: int = 300        # held-out instances the win rate is measured on (one episode each)
    train_eval_episodes: int = 150  # training instances the training-instance win rate is measured on
    reference_instances: int | None = None  # training instances with a reference episode (None: all)
    # the model: small enough to train on a CPU in minutes, big enough to learn the lookup
    hidden_size: int = 128
    layers: int = 2
    vocab_size: int = 800  # every colour and shape word becomes one token
    # SFT (settings found by a probe: see examples/README.md)
    sft_steps: int = 800
    sft_lr: float = 2e-3
    sft_batch: int = 32
    # DPO on the SFT model's own episodes
    dpo_instances: int = 400  # training instances the SFT model samples
    dpo_samples: int = 4      # episodes per instance, at temperature 1
    dpo_steps: int = 100
    dpo_lr: float = 5e-5      # 5e-4 was too much: the format broke (examples/README.md)
    dpo_batch: int = 16
    dpo_beta: float = 0.1
    dpo_with_reference: bool = False  # also pair the reference episodes (quick mode: there may be no pairs otherwise)
    # online GRPO from the SFT model: the listener plays whole episodes against the scripted speaker.
    # Exploration matters more than anything else here: at temperature 1 the SFT model is confidently
    # wrong on the instances it loses, so most groups score the same and give no signal
    # (examples/README.md); temperature 1.5 and groups of 16 let a group find the right answer.
    grpo_steps: int = 400
    grpo_lr: float = 5e-4
    grpo_group: int = 16
    grpo_batch: int = 128     # episodes per step: 8 instances x 16
    grpo_temperature: float = 1.5
    grpo_beta: float = 0.0


def quick_plan() -> Plan:
    """A few instances and steps: for a test of the pipeline, not of learning."""
    return Plan(test_episodes=6, train_eval_episodes=6, reference_instances=64, hidden_size=32, layers=1,
                vocab_size=400, sft_steps=4, sft_batch=8, dpo_instances=6, dpo_samples=2, dpo_steps=2,
                dpo_batch=2, dpo_with_reference=True, grpo_steps=2, grpo_group=2, grpo_batch=4)


class StepFailed(Exception):
    """A step that cannot go on (no data to export, a game that does not compile)."""


def show(command: str) -> None:
    """Print the command line that does what the next step does, for a user who runs it by hand."""
    print(f"    $ {command}", flush=True)


class Pipeline:
    """The steps, each writing under ``out``. They call gamelang's Python API in this process (so that
    torch and transformers are imported once); each prints the command line that does the same."""

    def __init__(self, out: Path, plan: Plan) -> None:
        from gamelang.compiler import compile_file
        from gamelang.registry import resolve_game

        self.out, self.plan = out, plan
        compiled = compile_file(resolve_game(GAME))
        if not compiled.ok:
            raise StepFailed(compiled.render())
        self.machine = compiled.machine
        self.timings: list[tuple[str, float]] = []
        for sub in ("runs", "data", "models"):
            (out / sub).mkdir(parents=True, exist_ok=True)

    def step(self, short: str, name: str, func, *args):
        """Run one step, print and time it (``short`` names it in the time summary)."""
        print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)
        start = time.perf_counter()
        result = func(*args)
        self.timings.append((short, time.perf_counter() - start))
        return result

    # -- the building blocks: gamelang run, export and train -------------------------------

    def play(self, name: str, split: str, learner: str | None, limit: int | None, episodes: int = 1,
             seed: int = 0) -> Path:
        """``gamelang run GAME --split SPLIT [--role LEARNER=SPEC]``: the episodes go to runs/NAME."""
        from gamelang.players import parse_spec
        from gamelang.runtime.run import RunSettings, execute
        from gamelang.splits import Split

        run = self.out / "runs" / name
        show(f"gamelang run {GAME} --split {split}" + (f" --limit {limit}" if limit else "")
             + (f" --episodes {episodes}" if episodes > 1 else "") + (f" --seed {seed}" if seed else "")
             + (f" --role {LEARNER}='{learner}'" if learner else "") + f" --out {run}")
        settings = RunSettings(out=run, episodes=episodes, limit=limit, concurrency=64, seed=seed,
                               role_specs={LEARNER: parse_spec(learner)} if learner else {}, split=Split(split))
        result = execute([self.machine], settings)
        if result.problems:
            print("    notes: " + "; ".join(result.problems), flush=True)
        return run

    def export(self, kind: str, runs: list[Path], name: str, **options) -> tuple[Path, int]:
        """``gamelang export KIND RUNS --role LEARNER --split train``: rows of the learner's episodes."""
        from gamelang.data.episodes import ExportError
        from gamelang.data.export import ExportOptions, export
        from gamelang.data.select import Criteria
        from gamelang.data.writer import write_rows
        from gamelang.splits import Split

        path = self.out / "data" / name
        extra = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in options.items() if k != "outcomes")
        outcomes = options.pop("outcomes", ())
        show(f"gamelang export {kind} {' '.join(map(str, runs))} --role {LEARNER} --split train "
             + "".join(f"--outcome {o} " for o in outcomes) + (extra + " " if extra else "") + f"--out {path}")
        criteria = Criteria(roles=(LEARNER,), outcomes=tuple(outcomes), split=Split("train"))
        try:
            result = export(runs, ExportOptions(kind, criteria, **options))
        except ExportError as err:
            raise StepFailed(f"export {kind}: {err}") from None
        for warning in result.warnings:
            print(f"    warning: {warning}", flush=True)
        if result.rows:
            write_rows(result.rows, path)
        print(f"    {len(result.rows)} {kind} rows", flush=True)
        return path, len(result.rows)

    def train(self, method: str, model: str, data: Path | None, name: str, settings: dict) -> str:
        """``gamelang train METHOD --model M [--data D] --out models/NAME ...``; returns the trained model's spec.

        GRPO has no data: its settings name the games, the learner and the partners instead.
        """
        from trainers import train
        from trainers.config import ConfigError, load_config

        out = self.out / "models" / name
        flags = {"max_steps": "--max-steps", "lr": "--lr", "batch_size": "--batch-size", "group": "--group",
                 "temperature": "--temperature", "learner": "--learner"}
        shown = {k: v for k, v in settings.items() if k not in ("games", "partners")}
        words = [f"--games {','.join(settings['games'])}"] if "games" in settings else []
        words += [f"--partner {r}={p}" for r, p in settings.get("partners", {}).items()]
        words += [f"{flags[k]} {v}" if k in flags else f"--set {k}={v}" for k, v in shown.items()]
        show(f"gamelang train {method} --model {model} " + (f"--data {data} " if data else "") + f"--out {out} "
             + " ".join(words))
        values = {"model": model, "out": str(out), "overwrite": True, **settings}
        if data is not None:
            values["data"] = [str(data)]
        try:
            config = load_config(method, None, values)
            result = train(config)
        except ConfigError as err:
            raise StepFailed(f"train {method}: {err}") from None
        print("    " + result.summary().replace("\n", "\n    "), flush=True)
        return result.player_spec()

    # -- the steps ---------------------------------------------------------------------------

    def reference_episodes(self) -> Path:
        """Both roles played by the game's scripted reference players, on the training instances."""
        return self.play("reference", "train", None, self.plan.reference_instances)

    def build_model(self, reference: Path) -> Path:
        """A tiny model whose tokenizer is trained on the reference episodes' text."""
        from gamelang.runtime.runfolder import read_run
        from gamelang.testing import build_tiny_model

        texts = [m["content"] for rec in read_run(reference).latest().values()
                 for conv in rec["messages"].values() for m in conv]
        folder = self.out / "models" / "base"
        # split_lines: the generation prompt ends with a line break that must stay a token of its own
        build_tiny_model(folder, texts=texts, vocab_size=self.plan.vocab_size, hidden_size=self.plan.hidden_size,
                         layers=self.plan.layers, split_lines=True)
        return folder

    def evaluate(self, name: str, spec: str) -> dict[str, Path]:
        """Greedy episodes of the model as the learner: on test instances, and on training instances."""
        return {"test": self.play(f"{name}-test", "test", spec, self.plan.test_episodes),
                "train": self.play(f"{name}-train", "train", spec, self.plan.train_eval_episodes)}

    def train_sft(self, reference: Path, base: Path) -> str:
        """SFT on the learner's side of the won reference episodes."""
        p = self.plan
        data, _ = self.export("sft", [reference], "sft.jsonl", outcomes=("win",))
        return self.train("sft", str(base), data, "sft", {
            "max_steps": p.sft_steps, "lr": p.sft_lr, "batch_size": p.sft_batch, "lr_scheduler": "cosine",
            "warmup": 0.05, "logging_steps": max(1, p.sft_steps // 10), "save_steps": p.sft_steps})

    def train_dpo(self, sft_spec: str, reference: Path) -> str | None:
        """DPO from the SFT model on pairs of its own sampled episodes; None when there is no pair."""
        p = self.plan
        sampling = sft_spec + ("&" if "?" in sft_spec else "?") + "temperature=1.0"
        sampled = self.play("sft-sampled", "train", sampling, p.dpo_instances, episodes=p.dpo_samples, seed=1)
        sources = [sampled] + ([reference] if p.dpo_with_reference else [])
        try:
            data, pairs = self.export("dpo", sources, "dpo.jsonl", level="turn")
        except StepFailed as err:  # nothing to pair is an outcome of the experiment, not a failure
            print(f"    {err}", flush=True)
            return None
        if pairs == 0:
            return None
        # the folder SFT wrote (a whole model here; gamelang train also starts from an adapter folder)
        model = str(self.out / "models" / "sft")
        return self.train("dpo", model, data, "dpo", {
            "max_steps": p.dpo_steps, "lr": p.dpo_lr, "batch_size": p.dpo_batch, "beta": p.dpo_beta,
            "logging_steps": max(1, p.dpo_steps // 10), "save_steps": p.dpo_steps})

    def train_grpo(self, sft_spec: str) -> str:
        """Online GRPO from the SFT model: it plays the listener against the scripted speaker on training instances."""
        p = self.plan
        model = str(self.out / "models" / "sft")
        return self.train("grpo", model, None, "grpo", {
            "games": [GAME], "learner": LEARNER, "partners": {"speaker": "scripted"}, "group": p.grpo_group,
            "batch_size": p.grpo_batch, "max_steps": p.grpo_steps, "lr": p.grpo_lr,
            "temperature": p.grpo_temperature, "beta": p.grpo_beta, "logging_steps": max(1, p.grpo_steps // 10),
            "save_steps": p.grpo_steps})


# -- the table ---------------------------------------------------------------------------------


def figures(run: Path) -> dict:
    """Win rate, main score, % played and abort rate of a run, from its episode records."""
    from gamelang.runtime.runfolder import read_run
    from gamelang.scoring import score_records

    records = list(read_run(run).latest().values())
    row = score_records(records)
    valid = sum(r.get("outcome") in ("win", "lose", "abort") for r in records)
    return {"episodes": valid, "errors": row.errors, "win": row.win_pct, "main": row.quality,
            "played": row.played_pct, "abort": None if row.played_pct is None else 100.0 - row.played_pct}


def render(rows: list[tuple[str, dict | None, dict | None]]) -> str:
    """One table: a row per method; test figures, then the training-instance win rate."""
    def cell(value) -> str:
        return "-" if value is None else f"{value:.1f}"

    header = ["method", "test win %", "main score", "% played", "abort %", "train-instance win %", "test episodes"]
    lines = [header]
    for name, test, train in rows:
        if test is None:
            lines.append([name, "-", "-", "-", "-", "-", "-"])
            continue
        lines.append([name, cell(test["win"]), cell(test["main"]), cell(test["played"]), cell(test["abort"]),
                      cell(train["win"] if train else None), str(test["episodes"])])
    widths = [max(len(r[i]) for r in lines) for i in range(len(header))]
    out = []
    for k, r in enumerate(lines):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


# -- the command line, shared with the other measured examples (josh.py, imagined.py) -------------


def add_plan_options(parser: argparse.ArgumentParser, plan_type: type) -> None:
    """One option per field of the plan dataclass (``sft_steps`` -> ``--sft-steps 800``); unset: the plan's value."""
    kinds = {"int": int, "float": float, "bool": _yes_no, "str": str}
    for f in fields(plan_type):
        kind = kinds.get(str(f.type).split(" ")[0], int)
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=None, metavar=f.name.upper(),
                            help=f"(default {getattr(plan_type, f.name, None)})")


def chosen_plan(args: argparse.Namespace, plan):
    """``plan`` with the sizes given on the command line (options made by :func:`add_plan_options`)."""
    for f in fields(plan):
        value = getattr(args, f.name)
        if value is not None:
            setattr(plan, f.name, value)
    return plan


def fresh_folder(out: Path) -> None:
    """The working folder, emptied: an example's run always starts afresh."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)


def _yes_no(text: str) -> bool:
    if text.lower() in ("1", "yes", "true", "on"):
        return True
    if text.lower() in ("0", "no", "false", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, got {text!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/train-example"), help="Working folder (replaced).")
    parser.add_argument("--quick", action="store_true", help="A few instances and steps: checks the pipeline only.")
    add_plan_options(parser, Plan)
    args = parser.parse_args(argv)
    plan = chosen_plan(args, quick_plan() if args.quick else Plan())
    fresh_folder(args.out)
    (args.out / "plan.json").write_text(json.dumps(plan.__dict__, indent=2) + "\n")
    start = time.perf_counter()
    try:
        pipe = Pipeline(args.out, plan)
        reference = pipe.step("reference", "reference episodes on the training instances", pipe.reference_episodes)
        base = pipe.step("build", "a tiny model, its tokenizer trained on those episodes", pipe.build_model, reference)
        evals = {"base (untrained)": pipe.step("measure base", "measure the base model", pipe.evaluate, "base",
                                               f"hf:{base}")}
        sft = pipe.step("sft", "export and train SFT", pipe.train_sft, reference, base)
        evals["SFT"] = pipe.step("measure sft", "measure the SFT model", pipe.evaluate, "sft", sft)
        dpo = pipe.step("dpo", "sample, export and train DPO", pipe.train_dpo, sft, reference)
        evals["SFT + DPO"] = (pipe.step("measure dpo", "measure the DPO model", pipe.evaluate, "dpo", dpo)
                              if dpo else None)
        grpo = pipe.step("grpo", "online GRPO from the SFT model", pipe.train_grpo, sft)
        evals["SFT + GRPO"] = pipe.step("measure grpo", "measure the GRPO model", pipe.evaluate, "grpo", grpo)
    except StepFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    rows = [(name, figures(r["test"]) if r else None, figures(r["train"]) if r else None) for name, r in evals.items()]
    total = time.perf_counter() - start
    print()
    print(f"{GAME}, role {LEARNER}: win rates on held-out test instances ({plan.test_episodes} planned) and on "
          f"{plan.train_eval_episodes} training instances")
    print(render(rows))
    if dpo is None:
        print("SFT + DPO: no DPO pairs (every sampled episode of an instance scored the same); not trained")
    print(f"time: {total / 60:.1f} min (" + ", ".join(f"{n} {s:.0f}s" for n, s in pipe.timings) + ")")
    runs = " ".join(str(r["test"]) for r in evals.values() if r)
    print(f"compare the test runs game by game: gamelang compare {runs}")
    (args.out / "table.txt").write_text(render(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
