"""The Python examples of docs/integrations.md run and print what their comments say; docs/ecosystem.md
(split into integrations.md and editors.md) still leads to both, and the pages' own links resolve."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


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


def slugs(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces as '-'."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_split_pages_link_to_each_other_and_exist():
    docs = DOC.parent
    index = (docs / "ecosystem.md").read_text(encoding="utf-8")
    for page in ("integrations.md", "editors.md", "ecosystem.md"):
        text = (docs / page).read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([\w.-]+\.md)(?:#([\w-]+))?\)", text):
            assert (docs / target).exists(), f"{page} links to a missing {target}"
            if anchor:
                assert anchor in slugs(docs / target), f"{page} links to a missing {target}#{anchor}"
    assert "(integrations.md)" in index and "(editors.md)" in index
    editors = (docs / "editors.md").read_text(encoding="utf-8")
    assert "gamelang.server.command" in editors and "GL0010" in editors
    assert "verifiers" in DOC.read_text(encoding="utf-8")


def test_the_editors_worked_example_shows_what_the_server_reports():
    from gamelang.lsp.analysis import diagnose

    root = DOC.parents[1]
    game = root / "games" / "taboo" / "taboo.game"
    text = game.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[53] == "  goto guess"  # the page's "line 54"
    lines[53] = "  goto gues"
    problems = diagnose("\n".join(lines), str(game))
    page = (DOC.parent / "editors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| .*? \((\d+):(\d+)\) \| (GL\d{4}) \| (.+?) \|$", page, re.M)
    assert len(rows) == 2
    assert [(p.line + 1, p.character + 1, p.code, p.message) for p in problems] == \
        [(int(line), int(col), code, message) for line, col, code, message in rows]
    assert diagnose(text, str(game)) == []
