"""`gamelang lsp`, driven over its protocol: a pygls client talks to the server process on stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from gamelang.lsp import analysis

ROOT = Path(__file__).resolve().parents[2]
TABOO = ROOT / "games" / "taboo" / "taboo.game"


class Session:
    """A client, the diagnostics it was sent, and a way to wait for the next ones of a document."""

    def __init__(self) -> None:
        self.client = LanguageClient("gamelang-test", "1")
        self.diagnostics: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.arrived = asyncio.Event()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.diagnostics.setdefault(params.uri, []).append(params)
            self.arrived.set()

    async def next_diagnostics(self, uri: str, count: int) -> list[types.Diagnostic]:
        async def wait() -> None:
            while len(self.diagnostics.get(uri, [])) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(wait(), timeout=60)
        return self.diagnostics[uri][count - 1].diagnostics


async def drive() -> dict:
    session = Session()
    client = session.client
    await client.start_io(sys.executable, "-m", "gamelang", "lsp", cwd=str(ROOT))
    try:
        result = await asyncio.wait_for(client.initialize_async(types.InitializeParams(
            process_id=None, root_uri=ROOT.as_uri(), capabilities=types.ClientCapabilities())), timeout=60)
        client.initialized(types.InitializedParams())
        caps = result.capabilities
        uri = TABOO.as_uri()
        text = TABOO.read_text(encoding="utf-8")
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="gamelang", version=1, text=text)))
        opened = await session.next_diagnostics(uri, 1)
        # type a goto to a state that does not exist, as an editor sends it: one incremental change
        rows = text.split("\n")
        line = next(i for i, r in enumerate(rows) if r.strip() == "goto guess")
        col = rows[line].index("guess")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, col), types.Position(line, col + len("guess"))),
                text="gues")]))
        broken = await session.next_diagnostics(uri, 2)
        # and fix it again
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))
        fixed = await session.next_diagnostics(uri, 3)
        ask = next(i for i, r in enumerate(rows) if r.strip() == "ask describer")
        completion = await client.text_document_completion_async(types.CompletionParams(
            types.TextDocumentIdentifier(uri), types.Position(ask, rows[ask].index("describer") + 3)))
        state_line = next(i for i, r in enumerate(rows) if r.strip() == "goto guess")
        definition = await client.text_document_definition_async(types.DefinitionParams(
            types.TextDocumentIdentifier(uri), types.Position(state_line, rows[state_line].index("guess") + 1)))
        hover = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(ask, rows[ask].index("describer") + 1)))
        var_line = next(i for i, r in enumerate(rows) if r.startswith("var turn"))
        rename = await client.text_document_rename_async(types.RenameParams(
            types.TextDocumentIdentifier(uri), types.Position(var_line, 5), new_name="rounds_played"))
        # positions count UTF-16 code units (the default): an emoji before a word counts twice
        wide_uri = (ROOT / "wide.game").as_uri()  # never written: the server reads the editor's text
        wide = 'game w {\n  version 1\n}\nrole r { intro "hi" }\nstate s {\n  ask r\n  tell r "\U0001F600" goto t\n}\n'
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=wide_uri, language_id="gamelang", version=1, text=wide)))
        wide_diagnostics = await session.next_diagnostics(wide_uri, 1)
        await asyncio.wait_for(client.shutdown_async(None), timeout=30)
        client.exit(None)
        return {"caps": caps, "opened": opened, "broken": broken, "fixed": fixed, "completion": completion,
                "definition": definition, "hover": hover, "rename": rename, "wide": wide_diagnostics, "rows": rows, "line": line}
    finally:
        await client.stop()


def test_the_server_over_its_protocol():
    out = asyncio.run(drive())
    caps = out["caps"]
    assert caps.completion_provider is not None and caps.definition_provider and caps.hover_provider
    assert list(out["opened"]) == []  # a valid game: no diagnostics
    (problem,) = [d for d in out["broken"] if d.code == "GL0010"]
    assert problem.code == "GL0010" and "undefined state 'gues'" in problem.message
    assert problem.severity == types.DiagnosticSeverity.Error and problem.source == "gamelang"
    assert problem.range.start.line == out["line"]
    assert list(out["fixed"]) == []
    labels = {item.label: item for item in out["completion"].items}
    assert "describer" in labels and labels["describer"].kind == types.CompletionItemKind.Class
    assert all(label.startswith("des") for label in labels)  # filtered by the word typed so far
    definition = out["definition"]
    assert out["rows"][definition.range.start.line].startswith("state guess")
    assert "role" in out["hover"].contents.value and "describer" in out["hover"].contents.value
    # rename the variable `turn`: in code and in the Jinja of templates, not the counter `turns` nor text
    rows = list(out["rows"])
    edits = next(iter(out["rename"].changes.values()))
    for edit in sorted(edits, key=lambda e: (e.range.start.line, -e.range.start.character)):
        row = rows[edit.range.start.line]
        assert row[edit.range.start.character:edit.range.end.character] == "turn"
        rows[edit.range.start.line] = row[:edit.range.start.character] + edit.new_text + row[edit.range.end.character:]
    renamed = "\n".join(rows)
    assert "var rounds_played: int = 0" in renamed and "set rounds_played = rounds_played + 1" in renamed
    assert "{% if rounds_played == 0 %}" in renamed and "metric turns = rounds_played" in renamed
    assert "You have {{ max_turns }} turns." in renamed
    assert analysis.diagnose(renamed, str(TABOO)) == []
    (undefined,) = [d for d in out["wide"] if d.code == "GL0010"]
    line = '  tell r "\U0001F600" goto t'
    assert undefined.range.start.line == 6 and undefined.range.start.character == line.index("goto t") + 5 + 1


def test_completion_offers_keywords_and_every_kind_of_name():
    text = TABOO.read_text(encoding="utf-8")
    kinds = {d.name: d.kind for d in analysis.declarations(text)}
    assert kinds["stopwords"] == "constant" and kinds["describer"] == "role" and kinds["clue"] == "move"
    assert kinds["letters"] == "player" and kinds["max_turns"] == "field"
    assert kinds["describe"] == "state" and kinds["turn"] == "variable" and kinds["target_word"] == "field"
    assert "id" not in kinds  # `instances ... by experiment id game_id` declares nothing
    masked = analysis.blank('role r { intro """state fake"""  # state other\n}\nmove m by r = regex /state x/\n')
    assert "fake" not in masked and "other" not in masked and "state x" not in masked
    assert {"state", "goto", "reprompt", "regex", "probe", "import"} <= set(analysis.keywords())


def test_diagnostics_have_ranges_on_the_word():
    text = 'game g {\n  version 1\n}\nrole r { intro "hi" }\nstate s {\n  ask nobody\n  end win\n}\n'
    problems = analysis.diagnose(text, None)
    undefined = [p for p in problems if p.code == "GL0009"]
    assert undefined and (undefined[0].line, undefined[0].character, undefined[0].end_character) == (5, 6, 12)


def test_rename_refuses_keywords_and_functions():
    import pytest

    text = TABOO.read_text(encoding="utf-8")
    line = next(i for i, r in enumerate(text.split("\n")) if r.startswith("var turn"))
    for bad in ("goto", "round", "2x"):
        with pytest.raises(ValueError):
            analysis.rename_edits(text, line, 5, bad)
    assert analysis.rename_edits(text, 0, 0, "fine") is None  # a comment: nothing to rename


def test_a_library_file_is_not_asked_for_a_game_header():
    lib = ROOT / "games" / "wordle" / "wordle.gamelib"
    assert analysis.diagnose(lib.read_text(encoding="utf-8"), str(lib)) == []
    names = {d.name for d in analysis.declarations(lib.read_text(encoding="utf-8"))}
    assert {"valid_words", "guesser", "current"} <= names
