"""`gamelang search`: grow search trees over episodes (JOSH beam or fixed-factor branching)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

from .cli_params import Argument, Option

from .cli_commands import MODEL_HELP, ROLE_HELP, _assignment_specs, _check_roles, fail, load_machine_or_exit


class SearchMode(str, Enum):
    josh = "josh"
    factor = "factor"


def search(
    games: list[str] = Argument(..., help="Games to search (files or names)."),
    learner: str = Option(..., "--learner", help="The role whose turns branch."),
    out: Path = Option(..., "--out", "-o", help="Search folder: episodes.jsonl, trees.jsonl, run.json."),
    model: Optional[str] = Option(None, "--model", help=MODEL_HELP),
    role: list[str] = Option([], "--role", help=ROLE_HELP),
    mode: SearchMode = Option(SearchMode.josh, "--mode", help="josh (beam over rewards) or factor (Playpen)."),
    beam: int = Option(8, min=1, help="josh: branch while a tree has at most this many leaves."),
    branch: int = Option(2, min=1, help="Children per branching learner turn."),
    depth: int = Option(4, min=0, help="factor: learner turns that branch."),
    max_nodes: int = Option(256, min=1, help="A tree stops branching past this many nodes."),
    episodes: int = Option(1, min=1, help="Trees per instance."),
    limit: Optional[int] = Option(None, min=1, help="Only the first N instances of each game."),
    seed: int = Option(0, help="Run seed; every tree's seed derives from it."),
    trees: int = Option(8, "--trees", min=1, help="Trees grown at once (their learner turns share batches)."),
    resume: bool = Option(False, help="Go on with an interrupted search in --out (finished trees are kept)."),
    split: Optional[str] = Option(None, "--split", help="Only the instances of this side: train or test."),
    test_share: float = Option(0.2, "--test-share", help="Share of instances in the test split."),
    split_seed: int = Option(0, "--split-seed", help="Seed of the train/test split."),
) -> None:
    """Branch episodes at the learner's turns; keep golden paths and failed siblings for training."""
    from rich.console import Console

    from trainers.search import SearchSettings, run_search

    from .cli_data import split_or_exit
    from .instances import InstanceError
    from .players import PlayerSpecError
    from .runtime.run import RunSettings
    from .runtime.runfolder import RunFolderError

    machines = [load_machine_or_exit(g) for g in games]
    role_specs, default = _assignment_specs(model, role, [])
    _check_roles(machines, role_specs)
    settings = RunSettings(out=out, episodes=episodes, limit=limit, seed=seed, resume=resume,
                           role_specs=role_specs, default_spec=default,
                           split=split_or_exit(split, test_share, split_seed))
    knobs = SearchSettings(learner=learner, mode=mode.value, beam=beam, branch=branch, depth=depth,
                           max_nodes=max_nodes)
    console = Console(highlight=False)
    try:
        result = run_search(machines, settings, knobs, trees_at_once=trees,
                            on_tree=lambda t: console.print(f"  {t.key[0]} {t.key[1]}/{t.key[2]} #{t.key[3]}: "
                                                            f"{t.status}, {len(t.nodes)} nodes", markup=False))
    except (RunFolderError, InstanceError, PlayerSpecError) as err:
        raise fail(str(err)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; finished trees are kept: resume with the same command and --resume",
                   code=130) from None
    summary = ", ".join(f"{n} {s}" for s, n in sorted(result.statuses.items())) or "none"
    console.print(f"{result.trees} trees searched ({summary}), {result.skipped} already done; "
                  f"{result.records} leaf episodes written to {out}", markup=False)
