"""The docs say what the code does: examples compile, lists are complete."""

from __future__ import annotations

import re

from gamelang.compiler import compile_loaded
from gamelang.lang.diagnostics import CODES
from gamelang.lang.functions import ALL_FUNCTIONS
from gamelang.lang.loader import load_spec_text
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def code_blocks(text: str, lang: str = "") -> list[str]:
    return re.findall(r"```" + lang + r"\n(.*?)```", text, re.S)


def test_diagnostics_page_lists_exactly_the_codes():
    text = (DOCS / "diagnostics.md").read_text()
    documented = re.findall(r"^## (GL\d{4}) (\S+)$", text, re.M)
    assert documented == [(c.code, c.name) for c in CODES.values()]


def test_every_function_is_documented():
    table = (DOCS / "language.md").read_text().split("## Functions", 1)[1].split("\n## ", 1)[0]
    for name in ALL_FUNCTIONS:
        assert f"`{name}(" in table, name


def test_language_examples_compile_and_both_forms_agree(tmp_path):
    text = (DOCS / "language.md").read_text()
    game_src = code_blocks(text)[0]
    yaml_src = code_blocks(text, "yaml")[0]
    (tmp_path / "numbers.jsonl").write_text('{"secret": 7}\n{"secret": 2, "tries": 4}\n')
    results = []
    for name, src in (("guess_number.game", game_src), ("guess_number.game.yaml", yaml_src)):
        loaded = load_spec_text(src, str(tmp_path / name), path=tmp_path / name)
        result = compile_loaded(loaded)
        assert result.ok and not result.diagnostics, result.render()
        results.append(result)
    assert results[0].loaded.spec == results[1].loaded.spec


def test_readme_game_example_compiles(tmp_path):
    text = (ROOT / "README.md").read_text()
    game = next(b for b in code_blocks(text) if b.startswith("game taboo"))
    (tmp_path / "instances.jsonl").write_text((ROOT / "games" / "taboo" / "instances.jsonl").read_text())
    loaded = load_spec_text(game, str(tmp_path / "taboo.game"), path=tmp_path / "taboo.game")
    result = compile_loaded(loaded)
    assert result.ok and not [d for d in result.diagnostics if d.is_error], result.render()


def test_every_game_has_a_readme():
    for folder in (ROOT / "games").iterdir():
        if folder.is_dir():
            assert (folder / "README.md").is_file(), folder
            assert (folder / "LICENSE.clembench").is_file() or "clembench" not in (folder / "README.md").read_text()


def test_the_rollouts_fork_example_runs(capsys):
    block = code_blocks((DOCS / "rollouts.md").read_text(), "python")[0]
    exec(compile(block, "docs/rollouts.md", "exec"), {})  # the docs' own example, not game text
    lines = capsys.readouterr().out.split("\n")
    assert [line.split()[0] for line in lines if line] == ["1", "2"]
