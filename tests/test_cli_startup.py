"""The cycle collector waits while `run` and `play` set up (gamelang/cli.py), and is always on
again when a command is done or has its set-up behind it; nothing is frozen unless the process is
the command."""

from __future__ import annotations

import gc

import pytest

from gamelang import cli


def test_pause_and_setup_done_pair_up_and_setup_done_alone_changes_nothing():
    assert gc.isenabled()
    cli.setup_done()  # not paused: no effect
    assert gc.isenabled()
    cli._pause_collector()
    try:
        assert not gc.isenabled()
    finally:
        cli.setup_done()
    assert gc.isenabled()


@pytest.mark.parametrize("args", [["run", "no-such-game"], ["play", "no-such-game"], ["run", "taboo", "--limit", "1"]])
def test_a_command_called_in_process_leaves_the_collector_on_and_freezes_nothing(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frozen = gc.get_freeze_count()
    seen = []
    real = cli.setup_done

    def spy() -> None:
        seen.append(gc.isenabled())
        real()

    monkeypatch.setattr(cli, "setup_done", spy)
    with pytest.raises(SystemExit):
        cli.main(args if args[1] == "no-such-game" else [*args, "--out", str(tmp_path / "r")])
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert seen and seen[0] is False  # paused while setting up


def test_only_commands_that_say_when_set_up_ends_pause_the_collector():
    assert {name for name, c in cli.COMMANDS.items() if c.sets_up} == {"run", "play"}
