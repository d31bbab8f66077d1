"""The `gamelang` command's entry point: a table of the commands, and typer only for the one that runs.

Importing typer and every command module takes several times as long as starting Python itself,
and most of it is wasted on `gamelang --help` or on a command that uses none of the others. So the
entry point keeps a table of the commands (name, where the function is, its one-line help):
`gamelang`, `gamelang --help` and `gamelang -h` print the list from the table alone, and a
command that runs imports typer and its own module, and registers only itself on the typer app.
Anything else on the command line (an unknown command, an unknown option) goes to the whole typer
app, which answers as it always did. tests/test_cli_table.py keeps the table equal to the commands.

``gamelang.cli.app`` is the whole typer app (every command), built on first use, for programs and
tests that drive the CLI in process; the shared helpers (``fail``, ``load_machine_or_exit``, ...)
are found here too, from gamelang/cli_commands.py.
"""

from __future__ import annotations

import os
import sys

#: The help of the whole command (typer's app and the list printed here).
APP_HELP = "Dialogue games for language models: validate, play, run, score and export them."

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class Command:
    """One command of `gamelang`: where it is (``module:attribute``, a function or a typer app of
    subcommands), its one-line help (the first paragraph of its docstring or help), and whether it
    calls :func:`setup_done` where its set-up ends (the collector waits until then).

    A plain class, not a NamedTuple or dataclass: importing typing or dataclasses would cost more
    than the rest of printing the list."""

    __slots__ = ("target", "help", "sets_up")

    def __init__(self, target: str, help: str, sets_up: bool = False) -> None:
        self.target = target
        self.help = help
        self.sets_up = sets_up  # the command calls setup_done() where its set-up ends


#: Every command, in the order `gamelang --help` lists them.
COMMANDS: dict[str, Command] = {
    "validate": Command("gamelang.cli_commands:validate",
                        "Check game files and report every problem with its position, code and hint."),
    "graph": Command("gamelang.cli_commands:graph", "Print a game's state machine as a Mermaid or Graphviz "
                                                    "diagram (of every game under a folder)."),
    "schema": Command("gamelang.cli_commands:schema", "Print the JSON schema of the YAML form of a game (for editors)."),
    "games": Command("gamelang.cli_commands:games", "List the games gamelang can find by name."),
    "play": Command("gamelang.cli_commands:play",
                    "Play one episode with a live transcript (scripted players by default).", sets_up=True),
    "run": Command("gamelang.cli_commands:run",
                   "Play every instance of one or more games, log every episode, and print the scores.",
                   sets_up=True),
    "score": Command("gamelang.cli_commands:score", "Score runs from their episode logs alone."),
    "transcript": Command("gamelang.cli_commands:transcript",
                          "Write a run's transcripts as one self-contained HTML page."),
    "export": Command("gamelang.cli_data:export_command",
                      "Turn the episodes of runs into an SFT, DPO or KTO dataset that TRL's trainers take, or "
                      "write them as clembench results (export clembench RUN... --out FOLDER)."),
    "compare": Command("gamelang.cli_data:compare",
                       "Compare runs game by game: clembench's % played, quality and clemscore with bootstrap "
                       "intervals, which pairs of runs each game separates, and win rate, quality and reward "
                       "against the first run."),
    "split": Command("gamelang.cli_data:split_command",
                     "Show how a game's instances fall into the train and test splits."),
    "merge": Command("gamelang.cli_ecosystem:merge",
                     "Join the shard folders of a run into one run folder; report missing or doubled episodes."),
    "serve": Command("gamelang.cli_ecosystem:serve", "Serve one role of a game over HTTP with OpenEnv's "
                                                     "reset/step protocol (docs/integrations.md)."),
    "lsp": Command("gamelang.cli_ecosystem:lsp",
                   "Run the language server for .game files on standard input and output (for editors)."),
    "search": Command("gamelang.cli_search:search", "Branch episodes at the learner's turns; keep golden paths "
                                                    "and failed siblings for training."),
    "imagine": Command("gamelang.cli_imagine:imagine", "Imagine episodes: personas, dialogues for a persona and a "
                                                       "target outcome, a critic pass, replayed by the game."),
    "train": Command("gamelang.cli_train:train_app", "Train a model with TRL: sft, dpo, kto on datasets written by "
                                                     "`gamelang export`; grpo online, by playing games."),
}

HELP_FLAGS = ("--help", "-h")


def load_target(name: str) -> object:
    """The function (or typer app of subcommands) of command ``name``, its module imported."""
    from importlib import import_module

    module, _, attribute = COMMANDS[name].target.partition(":")
    return getattr(import_module(module), attribute)


def build_app(names: list[str] | None = None):
    """A typer app with the commands ``names`` (default: all of them), registered from the table.

    An app of one command gets an empty callback, so that typer keeps it a group of commands:
    `gamelang run --help` and its usage errors read `gamelang run ...` as with the whole app.
    """
    import typer

    app = typer.Typer(name="gamelang", help=APP_HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None)
    from .cli_params import declared_params, typer_signature

    chosen = list(COMMANDS) if names is None else names
    for name in chosen:
        target = load_target(name)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name=name)(typer_signature(target) if declared_params(target) else target)
    if len(chosen) == 1:
        app.callback()(_no_options)
    return app


def _no_options() -> None:
    """The group's callback of a one-command app: the group takes no options of its own."""


def _terminal_width() -> int:
    """Columns to wrap the command list to: $COLUMNS, else the terminal's, else 80 (at most 100)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        try:
            columns = os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 80
    return max(50, min(columns, 100))


def _wrap(text: str, width: int) -> list[str]:
    """``text`` cut at spaces into lines of at most ``width`` columns (a longer word stays whole)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def command_list(width: int | None = None) -> str:
    """The text of `gamelang --help`: usage, what gamelang is, and every command with its help."""
    width = width or _terminal_width()
    column = max(len(name) for name in COMMANDS) + 4
    out = ["Usage: gamelang [OPTIONS] COMMAND [ARGS]...", ""]
    out += ["  " + line for line in _wrap(APP_HELP, width - 2)]
    out += ["", "Options:", "  --help  Show this message and exit.", "", "Commands:"]
    for name, command in COMMANDS.items():
        first, *rest = _wrap(command.help, width - column)
        out.append(f"  {name:<{column - 2}}{first}")
        out += [" " * column + line for line in rest]
    out += ["", *_wrap("Run `gamelang COMMAND --help` for the options of a command.", width)]
    return "\n".join(out) + "\n"


def _dispatch(args: list[str]) -> None:
    """Run the command line ``args`` (without the program name); always ends with SystemExit."""
    if not args or args[0] in HELP_FLAGS:
        sys.stdout.write(command_list())
        sys.stdout.flush()
        # as typer does: no command at all is a usage error (2), asking for help is not
        sys.exit(EXIT_USAGE if not args else EXIT_OK)
    name = args[0]
    if name in COMMANDS and COMMANDS[name].sets_up:
        _pause_collector()
    try:
        _run_command(name, args)
    finally:
        setup_done()


def _run_command(name: str, args: list[str]) -> None:
    """Run command ``name`` on ``args`` (its own name first): read without typer if the command
    line is plain (gamelang/cli_fast.py), else by typer; always ends with SystemExit."""
    if name in COMMANDS and not os.environ.get("GAMELANG_TYPER_ONLY"):
        target = load_target(name)
        from .cli_params import declared_params

        if declared_params(target):  # a plain command line needs no typer (gamelang/cli_fast.py)
            from .cli_fast import parse_plain, run_plain

            kwargs = parse_plain(target, args[1:])
            if kwargs is not None:
                run_plain(target, kwargs)
    app = build_app([name] if name in COMMANDS else None)
    app(args=args, prog_name="gamelang", standalone_mode=True)


def _settle_heap() -> None:
    """Exempt what the command leaves on the heap from the collections at interpreter exit.

    When Python exits it clears every module and runs the cycle collector over what is left: the
    reference cycles of every imported module (functions and their globals, classes, the
    internals of typer, pydantic, jinja2 and lark), some 70,000 objects after `gamelang run`,
    which took 0.15 s, a sixth of a whole `run taboo`, to free memory the operating system takes
    back anyway. By the time a command returns, everything it opened is closed by the code that
    opened it (the run folder is synced and closed, run.json written, players closed), and exit
    still runs atexit handlers, flushes the standard streams and frees every object that is not
    in a cycle. ``gc.freeze()`` moves the surviving objects out of the collector's sight, so the
    exit collections have nothing to walk. Only done when the process is the command (``main()``
    without arguments), never for ``main(argv)`` called from a longer-lived program.
    """
    import gc

    gc.freeze()


#: Whether this process is the `gamelang` command (main() without arguments), not a program that
#: calls main(argv) and goes on: only then may the objects of a command's set-up be frozen.
_IS_PROCESS = False
#: Whether the cycle collector is paused for the set-up of the command that runs.
_COLLECTOR_PAUSED = False


def _pause_collector() -> None:
    """Pause the cycle collector while a command sets up, until it calls :func:`setup_done`.

    Set-up (importing the command's modules, compiling its games, reading its instances) makes
    tens of thousands of long-lived objects and almost no garbage, and the collector, run every
    700 new objects, walks them again and again: about 40 ms of a 0.5 s `gamelang run taboo`.
    Only for the commands whose table entry says they call :func:`setup_done` (run, play), and
    ended by ``_dispatch`` in any case, so that no command works long with the collector off.
    """
    global _COLLECTOR_PAUSED
    import gc

    if gc.isenabled():
        gc.disable()
        _COLLECTOR_PAUSED = True


def setup_done() -> None:
    """A command's set-up is over: the collector resumes for its work (episodes, whose garbage it
    collects). When the process is the command, what set-up made is first moved out of the
    collector's sight (``gc.freeze()``): it lives as long as the command. No effect unless
    :func:`_pause_collector` paused the collector."""
    global _COLLECTOR_PAUSED
    if _COLLECTOR_PAUSED:
        import gc

        _COLLECTOR_PAUSED = False
        if _IS_PROCESS:
            gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `gamelang` script: no Python traceback reaches the user."""
    global _IS_PROCESS
    _IS_PROCESS = argv is None
    try:
        try:
            _dispatch(sys.argv[1:] if argv is None else list(argv))
        finally:
            if argv is None:  # the process is the `gamelang` command: it ends now
                _settle_heap()
    except KeyboardInterrupt:
        print("gamelang: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # a bug in gamelang itself: say so plainly, keep the details available
        if os.environ.get("GAMELANG_DEBUG"):
            raise
        from .safetext import visible

        print(f"gamelang: internal error: {type(err).__name__}: {visible(str(err))} "
              "(set GAMELANG_DEBUG=1 to see the traceback)", file=sys.stderr)
        sys.exit(3)


def __getattr__(name: str) -> object:
    """``app`` (the whole typer app, built once) and the helpers of gamelang/cli_commands.py,
    imported only when a program asks for them."""
    if name == "app":
        globals()["app"] = app = build_app()
        return app
    if name.startswith("__"):
        raise AttributeError(name)
    from . import cli_commands

    try:
        return getattr(cli_commands, name)
    except AttributeError:
        raise AttributeError(f"module 'gamelang.cli' has no attribute '{name}'") from None
