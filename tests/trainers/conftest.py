"""Small hand-written training files in the shapes `gamelang export` writes, and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

SFT_ROWS = [
    {"messages": [{"role": "system", "content": "You guess words."},
                  {"role": "user", "content": "CLUE: a season of the year"},
                  {"role": "assistant", "content": "GUESS: winter"}],
     "game": "taboo", "instance": "0", "role": "guesser", "outcome": "win", "main": 100, "reward": 1.0},
    {"messages": [{"role": "user", "content": "CLUE: a cold season"},
                  {"role": "assistant", "content": "GUESS: autumn"},
                  {"role": "user", "content": "CLUE: colder"},
                  {"role": "assistant", "content": "GUESS: winter"}],
     "game": "taboo", "instance": "1", "role": "guesser", "outcome": "win", "main": 50, "reward": None},
    {"messages": [{"role": "user", "content": "Expression: the grid with a cross"},
                  {"role": "assistant", "content": "Answer: first"}],
     "game": "referencegame", "instance": "2", "role": "follower", "outcome": "win", "main": None, "reward": 1},
]

DPO_ROWS = [
    {"prompt": [{"role": "user", "content": "CLUE: a season of the year"}],
     "chosen": [{"role": "assistant", "content": "GUESS: winter"}],
     "rejected": [{"role": "assistant", "content": "GUESS: crane"}], "game": "taboo", "branch": None},
    {"prompt": [{"role": "user", "content": "Expression: the grid with a cross"}],
     "chosen": [{"role": "assistant", "content": "Answer: first"}],
     "rejected": [{"role": "assistant", "content": "Answer: third"}], "game": "referencegame", "branch": "0.1"},
]

KTO_ROWS = [
    {"prompt": [{"role": "user", "content": "CLUE: a season of the year"}],
     "completion": [{"role": "assistant", "content": "GUESS: winter"}], "label": True, "outcome": "win"},
    {"prompt": [{"role": "user", "content": "CLUE: a season of the year"}],
     "completion": [{"role": "assistant", "content": "GUESS: crane"}], "label": False, "outcome": "lose"},
    {"prompt": [{"role": "user", "content": "Expression: the grid with a cross"}],
     "completion": [{"role": "assistant", "content": "Answer: first"}], "label": True, "outcome": "win"},
    {"prompt": [{"role": "user", "content": "Expression: the grid with a cross"}],
     "completion": [{"role": "assistant", "content": "Answer: second"}], "label": False, "outcome": "abort"},
]

ROWS = {"sft": SFT_ROWS, "dpo": DPO_ROWS, "kto": KTO_ROWS}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def data_file(tmp_path):
    """data_file(method) -> a JSONL file of that method's rows."""
    return lambda method: write_jsonl(tmp_path / f"{method}.jsonl", ROWS[method])


@pytest.fixture
def train_cli():
    """train_cli(*args) runs `gamelang train ARGS` in this process (torch is imported once)."""
    from gamelang.cli import app

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["train", *map(str, args)])

    return invoke


# settings that make a real run take seconds on two CPU cores
FAST = ("--batch-size", "2", "--lr", "1e-3", "--set", "save_steps=2", "--set", "logging_steps=1")
