"""The gamelang language server on pygls: diagnostics as you type, completion, hover, go-to-definition.

Started by ``gamelang lsp`` (standard input and output). Needs the ``lsp`` extra.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from .. import __version__
from . import analysis

KIND_ICONS = {
    "state": types.CompletionItemKind.Function, "role": types.CompletionItemKind.Class,
    "variable": types.CompletionItemKind.Variable, "constant": types.CompletionItemKind.Constant,
    "move": types.CompletionItemKind.Method, "tool": types.CompletionItemKind.Interface,
    "template": types.CompletionItemKind.Snippet, "player": types.CompletionItemKind.Class,
    "experiment": types.CompletionItemKind.Module, "field": types.CompletionItemKind.Field,
}


def _path(uri: str) -> str | None:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else None


def _range(doc, line: int, start: int, end_line: int, end: int) -> types.Range:
    """A range in code points (as gamelang counts) in the client's units (UTF-16 unless negotiated)."""
    try:
        return doc.range_to_client_units(ServerTextRange(ServerTextPosition(line, start),
                                                         ServerTextPosition(end_line, end)))
    except (IndexError, ValueError):  # past the end of the text: as it is
        return types.Range(types.Position(line, start), types.Position(end_line, end))


def _position(doc, position: types.Position) -> tuple[int, int]:
    """A client position in code points."""
    server = doc.position_from_client_units(position)
    return server.line, server.character


def create_server() -> LanguageServer:
    server = LanguageServer("gamelang", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)

    def publish(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        diagnostics = [
            types.Diagnostic(
                range=_range(doc, p.line, p.character, p.end_line, p.end_character),
                message=p.message,
                severity=types.DiagnosticSeverity.Error if p.severity == "error" else types.DiagnosticSeverity.Warning,
                code=p.code,
                source="gamelang",
            )
            for p in analysis.diagnose(doc.source, _path(uri))
        ]
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        publish(params.text_document.uri)  # instance files beside the game may have changed

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", "."]))
    def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
        doc = server.workspace.get_text_document(params.text_document.uri)
        text = doc.source
        prefix = analysis.prefix_at(text, *_position(doc, params.position))
        items: dict[str, types.CompletionItem] = {}
        for decl in analysis.declarations(text):
            items.setdefault(decl.name, types.CompletionItem(label=decl.name, kind=KIND_ICONS[decl.kind],
                                                             detail=f"{decl.kind}: {decl.detail}"))
        for word in analysis.keywords():
            items.setdefault(word, types.CompletionItem(label=word, kind=types.CompletionItemKind.Keyword))
        for name in analysis.function_names():
            items.setdefault(name, types.CompletionItem(label=name, kind=types.CompletionItemKind.Function,
                                                        detail="function"))
        chosen = [item for label, item in items.items() if label.startswith(prefix)]
        return types.CompletionList(is_incomplete=False, items=chosen)

    def find(uri: str, position: types.Position) -> tuple[analysis.Declaration, analysis.Span] | None:
        doc = server.workspace.get_text_document(uri)
        return analysis.find_declaration(doc.source, *_position(doc, position))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: LanguageServer, params: types.DefinitionParams) -> types.Location | None:
        found = find(params.text_document.uri, params.position)
        if found is None:
            return None
        decl, _ = found
        doc = server.workspace.get_text_document(params.text_document.uri)
        return types.Location(params.text_document.uri, _range(doc, decl.span.line, decl.span.start, decl.span.line,
                                                               decl.span.end))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
        found = find(params.text_document.uri, params.position)
        if found is None:
            return None
        decl, span = found
        value = f"**{decl.kind}** `{decl.name}` (line {decl.span.line + 1})\n\n```game\n{decl.detail}\n```"
        doc = server.workspace.get_text_document(params.text_document.uri)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
                           range=_range(doc, span.line, span.start, span.line, span.end))

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(ls: LanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        uri = params.text_document.uri
        doc = server.workspace.get_text_document(uri)
        try:
            spans = analysis.rename_edits(doc.source, *_position(doc, params.position), params.new_name)
        except ValueError as err:
            raise JsonRpcException(str(err)) from None
        if not spans:
            return None
        edits = [types.TextEdit(_range(doc, s.line, s.start, s.line, s.end), params.new_name) for s in spans]
        return types.WorkspaceEdit(changes={uri: edits})

    return server


def main() -> None:
    create_server().start_io()
