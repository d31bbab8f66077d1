"""The table of commands in gamelang/cli.py (what `gamelang --help` prints without importing typer)
is the typer app: the same commands, the same one-line help, every one of them runnable."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from gamelang import cli
from tests.conftest import ROOT, gamelang_cmd


def one_line(text: str) -> str:
    """The first paragraph of a docstring or help, on one line."""
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


def typer_commands() -> dict[str, str]:
    """Every command of the whole typer app, in the order of its help, with the one-line help typer
    gives it (its function's docstring, or the help of its typer app of subcommands)."""
    group = typer.main.get_command(cli.build_app())
    return {name: one_line(command.help) for name, command in group.commands.items()}


def test_the_table_lists_exactly_the_commands_of_the_typer_app_in_order():
    commands = typer_commands()
    assert list(cli.COMMANDS) == list(commands)
    for name, entry in cli.COMMANDS.items():
        assert entry.help == commands[name], name


def test_every_target_is_importable_and_is_what_the_table_says():
    for name, entry in cli.COMMANDS.items():
        target = cli.load_target(name)
        doc = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
        assert one_line(doc) == entry.help, name


def test_the_command_list_names_every_command_with_its_whole_help():
    for width in (50, 80, 100):
        text = cli.command_list(width=width)
        assert text.startswith("Usage: gamelang [OPTIONS] COMMAND [ARGS]...")
        assert all(len(line) <= width for line in text.splitlines() if " " in line.strip())
        listed = text.split("Commands:\n", 1)[1].split("\n\n")[0]
        entries = {}
        for line in listed.splitlines():
            if not line.startswith("   "):  # a command's first line; the others are indented further
                name = line.split()[0]
                entries[name] = []
            entries[name] += line.split()[1 if not line.startswith("   ") else 0:]
        assert {name: " ".join(words) for name, words in entries.items()} == {
            name: entry.help for name, entry in cli.COMMANDS.items()}


@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_help_is_printed_without_typer_or_rich(args):
    code = ("import sys; from gamelang.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit as e:\n    print('EXIT', e.code)\n"
            "print('LOADED', sorted(m for m in ('typer', 'click', 'rich', 'pydantic', 'jinja2', 'lark') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "LOADED []" in proc.stdout, proc.stdout + proc.stderr
    assert f"EXIT {2 if not args else 0}" in proc.stdout  # no command at all is bad usage, as typer says
    for name in cli.COMMANDS:
        assert f"\n  {name} " in proc.stdout


def all_command_paths() -> list[list[str]]:
    paths = []
    for name in cli.COMMANDS:
        target = cli.load_target(name)
        paths.append([name])
        if isinstance(target, typer.Typer):
            group = typer.main.get_command(target)
            paths += [[name, sub] for sub in group.commands]
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=" ".join)
def test_every_command_help_is_typers_own(path):
    """`gamelang CMD --help` through the table (one command registered) prints what the whole app prints."""
    whole = CliRunner().invoke(cli.build_app(), [*path, "--help"], prog_name="gamelang")
    assert whole.exit_code == 0, whole.output
    assert f"Usage: gamelang {' '.join(path)} " in whole.output
    alone = CliRunner().invoke(cli.build_app([path[0]]), [*path, "--help"], prog_name="gamelang")
    assert alone.exit_code == 0 and alone.output == whole.output


def test_gamelang_cmd_help_runs_in_a_process():
    proc = subprocess.run(gamelang_cmd() + ["run", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: gamelang run [OPTIONS]")


@pytest.mark.parametrize("args, message", [
    (["valdate"], "No such command 'valdate'. Did you mean 'validate'?"),
    (["--version"], "No such option: --version"),
    (["validate"], "Missing argument"),
    (["run", "--fsync", "never", "taboo"], "--fsync takes episode"),
])
def test_bad_usage_is_typers_answer_with_exit_2(args, message):
    proc = subprocess.run(gamelang_cmd() + args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_the_whole_app_and_helpers_are_still_found_on_gamelang_cli():
    assert cli.app is cli.app  # built once
    assert callable(cli.resume_command) and callable(cli.load_machine_or_exit) and callable(cli.fail)
    with pytest.raises(AttributeError):
        cli.no_such_helper  # noqa: B018


def test_every_command_function_of_the_cli_modules_is_in_the_table():
    """A function written as a command (its parameters are typer arguments or options) that the
    table does not name would never be registered: a new command needs its line in the table."""
    import importlib
    import pkgutil

    import gamelang
    from typer.models import ParameterInfo

    targets = {entry.target for entry in cli.COMMANDS.values()}
    for name in cli.COMMANDS:  # subcommands of a typer app that the table names (train sft, ...)
        target = cli.load_target(name)
        if isinstance(target, typer.Typer):
            targets |= {f"{c.callback.__module__}:{c.callback.__name__}" for c in target.registered_commands}
    for info in pkgutil.iter_modules(gamelang.__path__):
        if not info.name.startswith("cli_"):
            continue
        module = importlib.import_module(f"gamelang.{info.name}")
        for name, value in vars(module).items():
            if not inspect.isfunction(value) or value.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = inspect.signature(value).parameters.values()
            if any(isinstance(p.default, ParameterInfo) for p in params):
                assert f"{module.__name__}:{name}" in targets, f"{module.__name__}.{name} is not in cli.COMMANDS"
