"""`gamelang imagine`: an LLM imagines whole episodes for personas and target outcomes; the game judges them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .cli_params import Argument, Option

from .cli_commands import SPLIT_HELP, SPLIT_SEED_HELP, TEST_SHARE_HELP, fail, load_machine_or_exit


def imagine(
    games: list[str] = Argument(..., help="Games to imagine episodes of (files or names)."),
    model: str = Option(..., "--model", help="The imaginer: hf:PATH, openai:MODEL@URL or replay:FILE."),
    out: Path = Option(..., "--out", "-o", help="Run folder: episodes.jsonl, personas.jsonl, run.json."),
    personas: int = Option(4, "--personas", min=1, help="Personas to write for the simulated role."),
    outcomes: str = Option("win,lose", "--outcomes", help="Target outcomes, comma-separated: win, lose, abort."),
    dialogues: int = Option(1, "--dialogues", min=1, help="Dialogues per persona and target outcome."),
    learner: Optional[str] = Option(None, "--learner", help="The learner role; needed when no role has a "
                                          "persona (the personas are then for the other roles)."),
    critic: Optional[str] = Option(None, "--critic", help="The critic's player spec (default: the imaginer)."),
    no_critic: bool = Option(False, "--no-critic", help="Keep the drafts as written (no critic pass)."),
    prompts: Optional[Path] = Option(None, "--prompts", help="A folder of personas.j2, dialogue.j2, critic.j2 "
                                           "that replace the game's or the default prompts."),
    limit: Optional[int] = Option(None, min=1, help="Draw instances from the first N of each game."),
    max_tokens: int = Option(1024, "--max-tokens", min=1, help="Tokens per dialogue or revision."),
    batch_size: int = Option(32, "--batch-size", min=1, help="Requests per call of the imaginer."),
    seed: int = Option(0, help="Seed of the requests and of the instance order."),
    resume: bool = Option(False, "--resume", help="Go on with an interrupted run in --out: its personas and "
                                "episodes are kept, the missing dialogues are imagined (same options as the run)."),
    split: Optional[str] = Option(None, "--split", help=SPLIT_HELP),
    test_share: float = Option(0.2, "--test-share", help=TEST_SHARE_HELP),
    split_seed: int = Option(0, "--split-seed", help=SPLIT_SEED_HELP),
) -> None:
    """Imagine episodes: personas, dialogues for a persona and a target outcome, a critic pass, replayed by the game."""
    from rich.console import Console

    from trainers.imagine import ImagineError, ImagineSettings, run_imagine

    from .cli_data import split_or_exit
    from .instances import InstanceError
    from .players import PlayerSpecError, make_player, parse_spec

    machines = [load_machine_or_exit(g) for g in games]
    settings = ImagineSettings(out=out, personas=personas, outcomes=tuple(o.strip() for o in outcomes.split(",")
                                                                          if o.strip()),
                               dialogues=dialogues, learner=learner, critic=not no_critic, prompts=prompts,
                               seed=seed, limit=limit, split=split_or_exit(split, test_share, split_seed),
                               max_tokens=max_tokens, batch_size=batch_size, resume=resume)
    console = Console(highlight=False, soft_wrap=True)
    players = []
    try:
        imaginer = make_player(parse_spec(model))
        players.append(imaginer)
        critic_player = None
        if critic is not None and not no_critic:
            critic_player = make_player(parse_spec(critic))
            players.append(critic_player)
        result = run_imagine(machines, imaginer, settings, critic=critic_player,
                             on_record=lambda r: console.print(
                                 f"  {r['experiment']}/{r['instance']} #{r['episode']}: target "
                                 f"{r['imagined']['target']}, {r['outcome']}"
                                 + (f" ({r['reason']})" if r["outcome"] != r["imagined"]["target"] and r["reason"]
                                    else ""), markup=False))
    except (ImagineError, PlayerSpecError, InstanceError) as err:
        raise fail(str(err)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; the episodes judged so far are kept: go on with the same command and --resume",
                   code=130) from None
    finally:
        for player in players:
            player.close()
    console.print(result.summary(), markup=False)
