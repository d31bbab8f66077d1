"""The Python examples of docs/ecosystem.md run and print what their comments say."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "ecosystem.md"


def test_the_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})  # the docs' own examples
        printed = capsys.readouterr().out.splitlines()
        expected = [m.group(1).strip() for m in re.finditer(r"print\(.*?#\s*(.+)$", block, re.M)]
        assert printed == expected


def test_every_command_is_in_the_cli_page():
    cli = (DOC.parent / "cli.md").read_text(encoding="utf-8")
    for command in ("gamelang merge", "gamelang serve", "gamelang lsp", "--shard"):
        assert command in cli
