"""The worked examples of docs/training.md for search, imagine and ILQL run as written.

Each section's first command block is run line by line in a fresh folder, in this process (torch is
imported once), with only these changes: sizes shrink (`--limit`, `--max-steps`, `--personas`,
`--dialogues`; a `gamelang run` without `--limit` gets one), and the OpenAI-compatible server the
examples name (`http://localhost:8000/v1`) is a small loopback server that plays the imaginer
and the learner. `./base` is a tiny model built locally.
"""

from __future__ import annotations

import random
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.helpers.chat_server import ChatServer

DOCS = ROOT / "docs" / "training.md"
NEEDS = ["write", "cut", "drink", "light", "sweep", "dig", "sew", "tie", "measure", "sit"]
ITEMS = ["pen", "knife", "cup", "lamp", "broom", "spade", "needle", "string", "ruler", "chair"]
SHRINK = {"--limit": "3", "--max-steps": "2", "--personas": "2", "--dialogues": "1"}


def section_commands(heading: str) -> list[list[str]]:
    """The command lines of the first code block under ``heading`` (continuations joined, comments cut)."""
    text = DOCS.read_text().split(heading, 1)[1]
    block = re.search(r"```\n(.*?)```", text, re.S).group(1)
    lines = [shlex.split(line, comments=True) for line in block.replace("\\\n", " ").splitlines()]
    return [args for args in lines if args]


def shrink(args: list[str], url: str) -> list[str]:
    out = [SHRINK.get(args[i - 1], a) if i and args[i - 1] in SHRINK else a for i, a in enumerate(args)]
    out = [a.replace("http://localhost:8000/v1", url) for a in out]
    if out[:2] == ["gamelang", "run"] and "--limit" not in out:
        out += ["--limit", SHRINK["--limit"]]
    return out


def server_reply(rng: random.Random):
    """The loopback model: an imaginer for shapes (personas, dialogues from the prompt's example, KEEP)
    and an errands clerk that fetches the right item half of the time."""
    def reply(messages: list[dict]) -> str:
        first, last = messages[0]["content"], messages[-1]["content"]
        if "Fetch what the customer needs" in first:
            need = re.findall(r"Need: (\w+)", last)[-1]
            right = ITEMS[NEEDS.index(need)]
            return f"FETCH: {right if rng.random() < 0.5 else rng.choice(ITEMS)}"
        if last.startswith("You help to build training data"):
            return "PERSONA: a terse engineer\nPERSONA: a chatty teacher\nPERSONA: a sleepy student"
        if last.startswith("You write one complete"):
            example = last.split("reference players of this instance:\n", 1)[1].strip()
            if "must end in a lose" in last:
                example = re.sub(r"ANSWER: .*", "ANSWER: purple blob", example)
            return example
        return "KEEP"

    return reply


def run_block(heading: str, url: str) -> list[str]:
    from gamelang.cli import app

    runner = CliRunner()
    done = []
    for args in section_commands(heading):
        if args[:2] == ["mkdir", "-p"]:
            for folder in args[2:]:
                Path(folder).mkdir(parents=True, exist_ok=True)
            continue
        assert args[0] == "gamelang", args
        args = shrink(args, url)
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, f"{shlex.join(args)}\n{result.output[-3000:]}"
        done.append(shlex.join(args))
    return done


def test_search_imagine_and_ilql_examples_run_as_written(tmp_path, monkeypatch):
    from gamelang.testing import build_tiny_model

    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    build_tiny_model(tmp_path / "base", hidden_size=32, layers=1, split_lines=True)
    with ChatServer(server_reply(random.Random(0))) as server:
        search = run_block("## Branching search", server.url)
        imagine = run_block("## Imagined episodes", server.url)
        ilql = run_block("## Offline RL", server.url)
    assert any(" search " in c for c in search) and any("--golden" in c for c in search)
    assert any(" imagine " in c for c in imagine)
    assert any(" train ilql " in c for c in ilql) and (tmp_path / "ckpt" / "ilql" / "ilql_heads.pt").is_file()
    assert (tmp_path / "runs" / "search" / "trees.jsonl").is_file()
