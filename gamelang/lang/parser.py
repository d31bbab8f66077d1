"""The .game front end: text -> parse tree (Lark, LALR) -> located data.

The parser is built once per process, on first use. Syntax errors are reported with friendly
token names and hints; after an error the parser skips to the next top-level declaration and
goes on, so that one pass reports the syntax errors of every declaration.
"""

from __future__ import annotations

import contextvars
import re
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from . import expr as ex
from .diagnostics import Diagnostics, LangSyntaxError, SourcePos, did_you_mean
from .expr import EXPRESSION_KEYWORDS  # noqa: F401 - part of the parser's interface
from .source import Located, TextPos
from .types import ANY, PRIMS, ListT, MapT, RecordT, Type

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

#: Keywords that begin a top-level declaration; recovery resumes at the next one.
TOP_LEVEL = ("game", "import", "use", "instance", "instances", "experiment", "role", "template", "const", "var",
             "move", "tool", "state", "score", "player", "limits")
STATEMENT_KEYWORDS = ("ask", "probe", "parse", "check", "set", "tell", "result", "reward", "goto", "end", "if", "for")
_DECL_START = re.compile(r"^(?:%s)\b" % "|".join(TOP_LEVEL), re.MULTILINE)
MAX_SYNTAX_ERRORS = 25

# How regex-defined terminals are named in messages.
_TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a string", "LONG_STRING": 'a """text block"""', "INT": "a whole number",
    "FLOAT": "a number", "REGEX": "a /regex/", "COMPARE": "a comparison", "$END": "end of file",
}


class _WholeWordKeywords:
    """A no-op post-lexer that makes every lexer state accept NAME.

    Lark reads a keyword as NAME-then-retype only where NAME is acceptable; elsewhere the
    keyword literal would match the start of a longer word (`asks` as `ask` + `s`).
    Accepting NAME everywhere makes keywords whole words, and a misspelt keyword an error.
    """

    always_accept = ("NAME",)

    def process(self, stream):
        # also the place that sees every token: it enforces the parse's token budget
        budget = _token_budget.get(None)
        if budget is None:
            yield from stream
            return
        for token in stream:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooManyTokens(token)
            yield token


#: Tokens one file's parse may read, syntax-error recovery included. Lark takes tens of
#: microseconds a token, so this keeps compiling any file within seconds; the shipped games have
#: about 250 tokens (a text block is one token).
MAX_TOKENS = 20_000
_token_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("gamelang_token_budget")


class TooManyTokens(Exception):
    """A parse read more than :data:`MAX_TOKENS` tokens; ``token`` is where it stopped."""

    def __init__(self, token: Token) -> None:
        super().__init__("too many tokens")
        self.token = token


@lru_cache(maxsize=1)
def get_parser() -> Lark:
    """The Lark parser for all three start symbols, once per process (its tables cached on disk)."""
    from ..parsercache import lalr_parser

    parser = lalr_parser(GRAMMAR_PATH.read_text(encoding="utf-8"), start=["start", "expr", "type"],
                         propagate_positions=True, maybe_placeholders=True, postlex=_WholeWordKeywords())
    try:
        from .treebuild import fuse_callbacks
    except ImportError:  # a Lark whose internals moved: its own tree building, the same trees
        return parser
    fuse_callbacks(parser)  # the same trees, built in one call per rule instead of Lark's chain of wrappers
    return parser



@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """Every word the grammar reserves."""
    words = set()
    for t in get_parser().terminals:
        value = getattr(t.pattern, "value", "")
        if t.pattern.type == "str" and re.fullmatch(r"[a-z_]+", value):
            words.add(value)
    return frozenset(words)


@lru_cache(maxsize=1)
def _terminal_display() -> dict[str, str]:
    names = dict(_TERMINAL_NAMES)
    for t in get_parser().terminals:
        if t.pattern.type == "str":
            names.setdefault(t.name, f"'{t.pattern.value}'")
    return names


_OPERATORS = {"'%'", "'*'", "'+'", "'-'", "'/'", "'//'", "'.'", "'['", "'and'", "'or'", "'in'", "'not'",
              "a comparison"}


def _describe_expected(expected: set[str]) -> str:
    shown = sorted({_terminal_display().get(e, e) for e in expected if not e.startswith("__")})
    if len(shown) > 4 and sum(s in _OPERATORS for s in shown) > 2:
        shown = sorted(s for s in shown if s not in _OPERATORS) + ["an operator"]
    if len(shown) > 8:
        return ", ".join(shown[:8]) + f" or {len(shown) - 8} more"
    return " or ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else (shown[0] if shown else "nothing")


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type == "NAME":
        return f"name '{tok}'"
    if tok.type in ("STRING", "LONG_STRING"):
        text = str(tok)
        return "string " + (text if len(text) <= 30 else text[:27] + '..."')
    return f"'{tok}'"


# ------------------------------------------------------------------ expressions and types

#: Levels of the parse tree a game may nest (expressions, blocks, types). The shipped games use
#: about 10; the compiler's passes recurse over the tree, so a limit checked here, without
#: recursion, keeps 10,000 `not`s or a 50,000-term sum a diagnostic instead of a RecursionError.
MAX_NESTING = 200
TOO_DEEP = f"nested too deeply: more than {MAX_NESTING} levels of expressions, blocks or types"
TOO_DEEP_HINT = "split the expression (a constant or a variable for a part), or flatten the nested blocks"


def too_deep(tree: Tree) -> tuple[int, int] | None:
    """(line, column) where ``tree`` nests more than :data:`MAX_NESTING` levels, else None (no recursion)."""
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return _first_position(node)
        if isinstance(node, Tree):
            stack.extend((c, depth + 1) for c in node.children if c is not None)
    return None


def _first_position(node: Any) -> tuple[int, int]:
    while True:
        if isinstance(node, Token):
            return max(node.line or 1, 1), max(node.column or 1, 1)
        if not isinstance(node, Tree):
            return 1, 1
        if not node.meta.empty:
            return max(node.meta.line, 1), max(node.meta.column, 1)
        children = [c for c in node.children if c is not None]
        if not children:
            return 1, 1
        node = children[0]


def parse_expression(text: str) -> ex.Expr:
    """Parse one expression; raise :class:`LangSyntaxError` (relative position) if invalid."""
    token = _token_budget.set([MAX_TOKENS])
    try:
        tree = get_parser().parse(text, start="expr")
    except TooManyTokens as err:
        raise LangSyntaxError(f"the expression has more than {MAX_TOKENS:,} tokens", max(err.token.line or 1, 1),
                              max(err.token.column or 1, 1), "GL0005") from None
    except UnexpectedInput as err:
        message, hint, code = _syntax_message(err)
        raise LangSyntaxError(message, err.line if err.line > 0 else 1, err.column if err.column > 0 else 1,
                              code, hint) from None
    finally:
        _token_budget.reset(token)
    deep = too_deep(tree)
    if deep is not None:
        raise LangSyntaxError(TOO_DEEP, deep[0], deep[1], "GL0040", TOO_DEEP_HINT)
    return ex.build(tree)


def parse_type(text: str) -> Type:
    """Parse one type (``list[str]``, ``{a: int}``); raise :class:`LangSyntaxError` if invalid."""
    try:
        tree = get_parser().parse(text, start="type")
    except UnexpectedInput as err:
        message, hint, code = _syntax_message(err)
        raise LangSyntaxError(f"invalid type: {message}", max(err.line, 1), max(err.column, 1), code, hint) from None
    deep = too_deep(tree)
    if deep is not None:
        raise LangSyntaxError(TOO_DEEP, deep[0], deep[1], "GL0040", TOO_DEEP_HINT)
    return build_type(tree)


def build_type(node: Tree) -> Type:
    """Turn a ``type`` parse tree into a :class:`Type`, checking type names."""
    if node.data == "type_name":
        tok = node.children[0]
        if str(tok) in PRIMS:
            return PRIMS[str(tok)]
        known = list(PRIMS) + ["list", "map"]
        raise LangSyntaxError(f"unknown type '{tok}'", tok.line, tok.column, "GL0024",
                              did_you_mean(str(tok), known) or "types are str, int, float, bool, list[T], "
                              "map[str, T] and records {name: T, ...}", tok.end_column - 1)
    if node.data == "type_apply":
        tok, args = node.children[0], [build_type(c) for c in node.children[1:]]
        if str(tok) == "list" and len(args) == 1:
            return ListT(args[0])
        if str(tok) == "map" and len(args) == 2 and args[0] == PRIMS["str"]:
            return MapT(args[1])
        if str(tok) == "map" and len(args) == 1:
            return MapT(args[0])
        raise LangSyntaxError(f"unknown type '{tok}[...]' with {len(args)} argument(s)", tok.line, tok.column,
                              "GL0024", "use list[T] or map[str, T]", tok.end_column - 1)
    if node.data == "record_type":
        fields: list[tuple[str, Type]] = []
        for f in node.children:
            name = str(f.children[0])
            if any(n == name for n, _ in fields):
                t = f.children[0]
                raise LangSyntaxError(f"field '{name}' appears twice in a record type", t.line, t.column, "GL0008")
            fields.append((name, build_type(f.children[1])))
        return RecordT(tuple(fields))
    return ANY


# ------------------------------------------------------------------ syntax errors

def _syntax_message(err: UnexpectedInput) -> tuple[str, str | None, str]:
    """Message, hint and code for a Lark error."""
    if isinstance(err, UnexpectedCharacters):
        ch = err.char
        if ch in "\"'":
            return "unterminated string", "a string must end on the line it starts; use \"\"\"...\"\"\" for text over several lines", "GL0002"
        if ch == "/":
            return "unexpected '/'", "a regex is written /.../ on one line, after `regex`", "GL0002"
        shown = repr(ch) if not ch.isprintable() or ch.isspace() else f"'{ch}'"
        return f"unexpected character {shown}", None, "GL0002"
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        expected = set(getattr(err, "expected", set()))
        if "RBRACE" in expected:
            return "unexpected end of file; expected '}'", None, "GL0003"
        return f"unexpected end of file; expected {_describe_expected(expected)}", None, "GL0003"
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    expected = set(err.expected)
    message = f"unexpected {_describe_token(tok)}; expected {_describe_expected(expected)}"
    hint = None
    if "RBRACE" in expected and str(tok) in TOP_LEVEL:
        hint = "a block above is not closed: add '}' before this line"
    elif tok.type == "NAME":
        candidates = [_terminal_display()[e].strip("'") for e in expected if e in _terminal_display()
                      and _terminal_display()[e].startswith("'")]
        hint = did_you_mean(str(tok), candidates)
        if hint is None and expected & {k.upper() for k in STATEMENT_KEYWORDS}:
            hint = "statements begin with one of: " + ", ".join(STATEMENT_KEYWORDS)
    elif tok.type == "EQUAL" and "COMPARE" in expected:
        hint = "use '==' to compare"
    return message, hint, "GL0001"


def _decl_starts(text: str) -> list[int]:
    return [m.start() for m in _DECL_START.finditer(text)]


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines so that positions do not move."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def parse_tree(text: str, path: str, diags: Diagnostics) -> Tree | None:
    """Parse a whole file, reporting every syntax error; return the tree of what parsed."""
    token = _token_budget.set([MAX_TOKENS])  # shared by the re-parses of syntax-error recovery
    try:
        return _parse_tree(text, path, diags)
    except TooManyTokens as err:
        line, col = max(err.token.line or 1, 1), max(err.token.column or 1, 1)
        diags.add(path, SourcePos(line, col), "GL0005", f"the file has more than {MAX_TOKENS:,} tokens "
                  "(counting the re-reads after syntax errors); the compiler stops here",
                  "a game is a page or two: move long data into instance or constant files")
        return None
    finally:
        _token_budget.reset(token)


def _parse_tree(text: str, path: str, diags: Diagnostics) -> Tree | None:
    parser = get_parser()
    work = text
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            tree = parser.parse(work, start="start")
        except UnexpectedInput as err:
            message, hint, code = _syntax_message(err)
            line, col = max(err.line, 1), max(err.column, 1)
            offset = _offset(work, err)
            starts = _decl_starts(work)
            before = [s for s in starts if s < offset] or [0]
            begin = before[-1]
            words = work[begin:offset].split()
            if len(before) >= 2 and len(words) == 1 and words[0] in TOP_LEVEL:
                # the declaration before this keyword is incomplete and swallowed the keyword
                prev = before[-2]
                line = work.count("\n", 0, begin) + 1
                prev_word = work[prev:].split(None, 1)[0]
                prev_line = work.count("\n", 0, prev) + 1
                diags.add(path, SourcePos(line, 1, line, len(words[0])), "GL0001",
                          f"unexpected '{words[0]}': the `{prev_word}` declaration at line {prev_line} is not complete")
                work = _blank(work, prev, begin)
                continue
            after = [s for s in starts if s > begin]
            end = after[0] if after else len(work)
            if code == "GL0003" and begin < len(work):
                first_word = work[begin:].split(None, 1)[0] if work[begin:].strip() else "block"
                hint = hint or f"the `{first_word}` declaration at line {work.count(chr(10), 0, begin) + 1} is not closed"
            if isinstance(err, UnexpectedToken) and err.token.type == "$END":
                line, col = _last_position(text)
            tok = getattr(err, "token", None)
            end_col = col + max(0, len(str(tok)) - 1) if tok is not None and tok.type != "$END" and "\n" not in str(tok) else col
            diags.add(path, SourcePos(line, col, line, end_col), code, message, hint)
            blanked = _blank(work, begin, end)
            if blanked == work:
                return None
            work = blanked
            continue
        deep = too_deep(tree)
        if deep is not None:
            diags.add(path, SourcePos(*deep), "GL0040", TOO_DEEP, TOO_DEEP_HINT)
            return None
        return tree
    return None


def _offset(text: str, err: UnexpectedInput) -> int:
    pos = getattr(err, "pos_in_stream", None)
    if pos is None:
        tok = getattr(err, "token", None)
        pos = getattr(tok, "start_pos", None)
    if pos is None or pos < 0:
        return len(text)
    return pos


def _last_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1)
    return line, max(col, 1)


# ------------------------------------------------------------------ tree -> located data

def _tok_pos(tok: Token) -> SourcePos:
    return SourcePos(tok.line, tok.column, tok.end_line, max(tok.column, tok.end_column - 1))


def _node_pos(node: Tree) -> SourcePos:
    m = node.meta
    return SourcePos(m.line, m.column, m.end_line, max(1, m.end_column - 1))


def long_string_value(raw: str) -> tuple[str, int, int]:
    """The text of a \"\"\"...\"\"\" block: first blank line dropped, dedented, right-stripped.

    Returns (text, lines_skipped, indent) so positions inside the text can be mapped back.
    """
    body = raw[3:-3]
    skipped = 0
    if "\n" in body and body[: body.index("\n")].strip() == "":
        body = body[body.index("\n") + 1:]
        skipped = 1
    dedented = textwrap.dedent(body)
    first = next((ln for ln in body.splitlines() if ln.strip()), "")
    indent = len(first) - len(first.lstrip()) if dedented != body else 0
    return dedented.rstrip(), skipped, indent


class GameBuilder:
    """Builds the located data of one file from its parse tree."""

    def __init__(self, text: str, path: str, diags: Diagnostics) -> None:
        self.text, self.path, self.diags = text, path, diags
        self.data: dict[Any, Any] = {}
        self._first: dict[tuple, SourcePos] = {}

    # -- helpers
    def name(self, tok: Token) -> Located:
        return Located(str(tok), _tok_pos(tok))

    def slice(self, node: Tree | Token) -> Located:
        """An expression or type as its source text, positioned at its first character."""
        if isinstance(node, Token):
            pos = _tok_pos(node)
            return Located(str(node), pos, TextPos(pos))
        pos = _node_pos(node)
        return Located(self.text[node.meta.start_pos:node.meta.end_pos], pos, TextPos(pos))

    def expression(self, node: Tree | Token) -> Located:
        """An expression, built from its subtree: the spec takes it as it is, where parsing its text
        again would cost a second Lark parse. Its positions are relative to its text, as
        :func:`parse_expression` gives them, so diagnostics map back through the same TextPos."""
        located = self.slice(node)
        if isinstance(node, Tree):
            try:
                located.value = ex.build(node, (node.meta.line, node.meta.column))
            except ValueError:
                pass  # not an expression tree: the spec parses the text and reports it
        return located

    def type_expr(self, node: Tree | Token) -> Located:
        """A type, built from its subtree. An unknown type name is left as text, which the spec
        parses again to report the error at the same place as for a YAML game."""
        located = self.slice(node)
        if isinstance(node, Tree):
            try:
                located.value = build_type(node)
            except LangSyntaxError:
                pass
        return located

    def text_value(self, tok: Token) -> Located:
        """A string or text block as its value, with a map back to the file."""
        raw = str(tok)
        if tok.type == "LONG_STRING":
            value, skipped, indent = long_string_value(raw)
            if skipped:
                start = SourcePos(tok.line + 1, indent + 1)
                return Located(value, _tok_pos(tok), TextPos(start, indent))
            return Located(value, _tok_pos(tok), TextPos(SourcePos(tok.line, tok.column + 3), 0))
        return Located(ex.unquote(raw), _tok_pos(tok), TextPos(SourcePos(tok.line, tok.column + 1)))

    def template(self, node: Tree | Token | None) -> Located | None:
        if node is None:
            return None
        if isinstance(node, Token):
            return self.text_value(node)
        if node.data == "template_file":
            return Located({"file": self.text_value(node.children[0])}, _node_pos(node))
        if node.data == "template_ref":
            return Located({"template": self.name(node.children[0])}, _node_pos(node))
        raise ValueError(node.data)

    def section(self, key: str) -> dict:
        return self.data.setdefault(key, {})

    def put(self, section: str, name_tok: Token, value: Any, what: str) -> None:
        """Add a named declaration, reporting a duplicate instead of overwriting."""
        table = self.section(section)
        name = str(name_tok)
        if (section, name) in self._first:
            first = self._first[(section, name)]
            self.diags.add(self.path, _tok_pos(name_tok), "GL0008",
                           f"{what} '{name}' is declared twice (first at line {first.line})",
                           "rename one of them or remove the second")
            return
        self._first[(section, name)] = _tok_pos(name_tok)
        table[self.name(name_tok)] = value

    def single(self, key: str, node: Tree, value: Any, what: str) -> None:
        if key in self.data:
            first = self._first[(key,)]
            self.diags.add(self.path, _node_pos(node), "GL0008",
                           f"a game has one {what}; this one repeats the one at line {first.line}")
            return
        self._first[(key,)] = _node_pos(node)
        self.data[Located(key, _node_pos(node))] = value

    # -- declarations
    def build(self, tree: Tree) -> dict:
        for decl in tree.children:
            getattr(self, "decl_" + decl.data)(decl)
        return self.data

    def decl_game_decl(self, node: Tree) -> None:
        header: dict[Any, Any] = {Located("name", _tok_pos(node.children[0])): self.name(node.children[0])}
        for setting in node.children[1:]:
            key_tok, value = setting.children
            key = Located(str(key_tok), _tok_pos(key_tok))
            if key.value == "name":
                self.diags.add(self.path, key.pos, "GL0007",
                               f"the game's name is the word after `game` ('{node.children[0]}'); "
                               "`name` is not a header setting",
                               f"remove `name`, or rename the game: game {self.value(value).value} {{ ... }}"
                               if isinstance(self.value(value).value, str) else "remove `name`")
                continue
            if key.value in {k.value if isinstance(k, Located) else k for k in header}:
                self.diags.add(self.path, key.pos, "GL0008", f"header setting '{key.value}' is given twice")
                continue
            header[key] = self.value(value)
        self.single("game", node, Located(header, _node_pos(node)), "game header")

    def value(self, node: Tree | Token) -> Located:
        if isinstance(node, Token):
            if node.type in ("STRING", "LONG_STRING"):
                return self.text_value(node)
            if node.type == "INT":
                return Located(int(node), _tok_pos(node))
            return Located(float(node), _tok_pos(node))
        if node.data == "true":
            return Located(True, _node_pos(node))
        if node.data == "false":
            return Located(False, _node_pos(node))
        if node.data == "name_value":  # `start play`: a name, kept as text
            return Located(str(node.children[0]), _node_pos(node))
        return self.string_list(node)

    def string_list(self, node: Tree) -> Located:
        return Located([self.text_value(t) for t in node.children if t is not None], _node_pos(node))

    def decl_import_decl(self, node: Tree) -> None:
        names, file_tok = node.children
        entry: dict[str, Any] = {"file": self.text_value(file_tok)}
        if names is not None:
            entry["names"] = Located([self.name(t) for t in names.children], _node_pos(names))
        self.listed("imports", Located(entry, _node_pos(node)))

    def decl_use_decl(self, node: Tree) -> None:
        for tok in node.children:
            self.listed("use", self.name(tok))

    def listed(self, key: str, item: Located) -> None:
        """Append to a top-level list (imports, use), which several declarations may add to."""
        for k, v in self.data.items():
            if (k.value if isinstance(k, Located) else k) == key:
                v.value.append(item)
                return
        self.data[Located(key, item.pos)] = Located([item], item.pos)

    def decl_instance_decl(self, node: Tree) -> None:
        fields: dict[Any, Any] = {}
        seen: dict[str, SourcePos] = {}
        for f in node.children:
            name_tok, type_node, default = f.children
            if str(name_tok) in seen:
                self.diags.add(self.path, _tok_pos(name_tok), "GL0008",
                               f"instance field '{name_tok}' is declared twice (first at line {seen[str(name_tok)].line})")
                continue
            seen[str(name_tok)] = _tok_pos(name_tok)
            entry: dict[str, Any] = {"type": self.type_expr(type_node)}
            if default is not None:
                entry["default"] = self.expression(default)
            fields[self.name(name_tok)] = Located(entry, _tok_pos(name_tok))
        self.single("instance", node, Located(fields, _node_pos(node)), "instance block")

    def decl_instances_decl(self, node: Tree) -> None:
        file_tok, by, id_ = node.children
        entry: dict[str, Any] = {"file": self.text_value(file_tok)}
        if by is not None:
            entry["by"] = self.name(by.children[0])
        if id_ is not None:
            entry["id"] = self.name(id_.children[0])
        self.single("instances", node, Located(entry, _node_pos(node)), "instances declaration")

    def decl_experiment_decl(self, node: Tree) -> None:
        settings: dict[Any, Any] = {}
        for s in node.children[1:]:
            settings[self.name(s.children[0])] = self.expression(s.children[1])
        self.put("experiments", node.children[0], Located(settings, _tok_pos(node.children[0])), "experiment")

    def decl_role_decl(self, node: Tree) -> None:
        role: dict[Any, Any] = {}
        for item in node.children[1:]:
            key = {"role_system": "system", "role_intro": "intro", "role_persona": "persona",
                   "role_description": "description"}[item.data]
            if key in role:
                self.diags.add(self.path, _node_pos(item), "GL0008", f"role '{node.children[0]}' sets `{key}` twice")
                continue
            child = item.children[0]
            if key in ("system", "intro"):
                role[key] = self.template(child)
            elif key == "persona":
                role[key] = self.name(child)
            else:
                role[key] = self.text_value(child)
        self.put("roles", node.children[0], Located(role, _tok_pos(node.children[0])), "role")

    def decl_template_decl(self, node: Tree) -> None:
        self.put("templates", node.children[0], self.template(node.children[1]), "template")

    def decl_const_value(self, node: Tree) -> None:
        name, type_node, value = node.children
        self.put("consts", name, Located({"type": self.type_expr(type_node), "value": self.expression(value)},
                                         _tok_pos(name)), "constant")

    def decl_const_file(self, node: Tree) -> None:
        name, type_node, file_tok = node.children
        self.put("consts", name, Located({"type": self.type_expr(type_node), "file": self.text_value(file_tok)},
                                         _tok_pos(name)), "constant")

    def decl_var_decl(self, node: Tree) -> None:
        name, type_node, init = node.children
        self.put("vars", name, Located({"type": self.type_expr(type_node), "init": self.expression(init)},
                                       _tok_pos(name)), "variable")

    def decl_move_decl(self, node: Tree) -> None:
        name, role, parser = node.children
        move: dict[str, Any] = {"by": self.name(role)}
        if parser.data == "each_move":  # each match|line|item PARSER [count N [to M]]
            kind, inner, bounds = parser.children
            move["each"] = Located(str(kind.children[0]), _node_pos(kind))
            if bounds is not None:
                low, high = bounds.children
                move["count"] = Located([Located(int(low), _tok_pos(low)),
                                         Located(int(high if high is not None else low), _tok_pos(high or low))],
                                        _node_pos(bounds))
            parser = inner
        if parser.data == "each_move":
            self.diags.add(self.path, _node_pos(parser), "GL0007", "`each` cannot be nested: a list move parses "
                                                                    "each match, line or item once")
            return
        if parser.data == "regex_move":
            tok, types = parser.children
            raw = str(tok)
            close = raw.rindex("/")
            pattern = raw[1:close].replace("\\/", "/")
            move["regex"] = Located(pattern, _tok_pos(tok), TextPos(SourcePos(tok.line, tok.column + 1)))
            flags = raw[close + 1:]
            if flags:
                move["flags"] = Located(flags, SourcePos(tok.line, tok.column + close + 1))
            if types is not None:
                record = types.children[0]
                move["types"] = Located({self.name(f.children[0]): self.type_expr(f.children[1])
                                         for f in record.children}, _node_pos(record))
        elif parser.data == "choice_move":
            move["choice"] = self.string_list(parser.children[0])
        elif parser.data == "tool_move":  # `tool` offers every declared tool, `tool [a, b]` those
            move["tool"] = Located([self.name(t) for t in parser.children if t is not None], _node_pos(parser))
        else:
            record = parser.children[0]
            move["json"] = Located({self.name(f.children[0]): self.type_expr(f.children[1]) for f in record.children},
                                   _node_pos(record))
        self.put("moves", name, Located(move, _tok_pos(name)), "move")

    def decl_tool_decl(self, node: Tree) -> None:
        name, *args, description = node.children
        tool: dict[str, Any] = {}
        if description is not None:
            tool["description"] = self.text_value(description)
        table: dict[Any, Any] = {}
        seen: set[str] = set()
        for arg in args:
            if arg is None:
                continue
            arg_name, optional, type_node = arg.children
            if str(arg_name) in seen:
                self.diags.add(self.path, _tok_pos(arg_name), "GL0008",
                               f"tool '{name}' has two arguments named '{arg_name}'")
                continue
            seen.add(str(arg_name))
            entry: dict[str, Any] = {"type": self.type_expr(type_node)}
            if optional is not None:
                entry["optional"] = Located(True, _tok_pos(optional))
            table[self.name(arg_name)] = Located(entry, _tok_pos(arg_name))
        if table:
            tool["args"] = Located(table, _node_pos(node))
        self.put("tools", name, Located(tool, _tok_pos(name)), "tool")

    def decl_state_decl(self, node: Tree) -> None:
        name, block = node.children
        self.put("states", name, Located(self.block(block), _tok_pos(name)), "state")

    def decl_score_decl(self, node: Tree) -> None:
        score: dict[Any, Any] = {}
        metrics: dict[Any, Any] = {}
        for item in node.children:
            if item.data == "score_metric":
                metric_name = item.children[0]
                if str(metric_name) in {m.value for m in metrics}:
                    self.diags.add(self.path, _tok_pos(metric_name), "GL0008", f"metric '{metric_name}' is declared twice")
                    continue
                metrics[self.name(metric_name)] = self.expression(item.children[1])
            else:
                key = item.data.removeprefix("score_")
                if key in {k.value if isinstance(k, Located) else k for k in score}:
                    self.diags.add(self.path, _node_pos(item), "GL0008", f"score `{key}` is given twice")
                    continue
                score[Located(key, _node_pos(item))] = self.expression(item.children[0])
        if metrics:
            score["metrics"] = metrics
        self.single("score", node, Located(score, _node_pos(node)), "score block")

    def decl_player_decl(self, node: Tree) -> None:
        name, role, *items = node.children
        player: dict[str, Any] = {"for": self.name(role)}
        for item in items:
            if "reply" in player:
                self.diags.add(self.path, _node_pos(item), "GL0008", f"player '{name}' has two `reply` templates")
                continue
            player["reply"] = self.template(item.children[0])
        self.put("players", name, Located(player, _tok_pos(name)), "player")

    def decl_limits_decl(self, node: Tree) -> None:
        limits: dict[Any, Any] = {}
        for item in node.children:
            if item.data == "limit_value":
                key, value = item.children
                limits[Located(str(key), _tok_pos(key))] = Located(int(value), _tok_pos(value))
            else:
                limits["on_limit"] = self.failure_end(item.children[0], item.children[1], _node_pos(item))
        self.single("limits", node, Located(limits, _node_pos(node)), "limits block")

    # -- statements
    def block(self, block: Tree) -> list:
        return [self.stmt(s) for s in block.children]

    def failure_end(self, outcome: Tree, reason: Token | None, pos: SourcePos) -> Located:
        kind = str(outcome.children[0])
        return Located({Located(kind, _node_pos(outcome)): self.text_value(reason) if reason is not None else None}, pos)

    def failure(self, node: Tree | None) -> Located | None:
        if node is None:
            return None
        if node.data == "fail_end":
            return self.failure_end(node.children[0], node.children[1], _node_pos(node))
        if node.data == "fail_goto":  # not fatal: the game goes on in another state
            return Located({"goto": self.name(node.children[0])}, _node_pos(node))
        times, message, then_outcome, then_reason = node.children
        out: dict[str, Any] = {"reprompt": Located(int(times), _tok_pos(times)), "message": self.template(message)}
        if then_outcome is not None:
            out["then"] = self.failure_end(then_outcome, then_reason, _node_pos(then_outcome))
        return Located(out, _node_pos(node))

    def stmt(self, node: Tree) -> Located:
        """One statement: the data of its grammar rule (``stmt_`` + the rule's alias), located."""
        return Located(getattr(self, "stmt_" + node.data)(node.children, _node_pos(node)), _node_pos(node))

    def stmt_ask(self, ch: list, pos: SourcePos) -> dict:
        out = {"ask": self.name(ch[0])}
        if ch[1] is not None:
            out["message"] = self.template(ch[1])
        return out

    def stmt_probe(self, ch: list, pos: SourcePos) -> dict:
        # a probe is an ask whose exchange stays out of the role's history
        return {**self.stmt_ask(ch, pos), "probe": Located(True, pos)}

    def stmt_parse(self, ch: list, pos: SourcePos) -> dict:
        out = {"parse": self.name(ch[0])}
        if ch[1] is not None:
            out["else"] = self.failure(ch[1])
        return out

    def stmt_check(self, ch: list, pos: SourcePos) -> dict:
        out = {"check": self.expression(ch[0])}
        if ch[1] is not None:
            out["else"] = self.failure(ch[1])
        return out

    def stmt_set(self, ch: list, pos: SourcePos) -> dict:
        return {"set": self.name(ch[0]), "to": self.expression(ch[1])}

    def stmt_tell(self, ch: list, pos: SourcePos) -> dict:
        return {"tell": self.name(ch[0]), "message": self.template(ch[1])}

    def stmt_result(self, ch: list, pos: SourcePos) -> dict:
        return {"result": self.name(ch[0]), "message": self.template(ch[1])}

    def stmt_reward(self, ch: list, pos: SourcePos) -> dict:
        out = {"reward": self.expression(ch[0])}
        if ch[1] is not None:
            out["to"] = self.name(ch[1])
        if ch[2] is not None:
            out["once"] = self.expression(ch[2])
        return out

    def stmt_goto(self, ch: list, pos: SourcePos) -> dict:
        return {"goto": self.name(ch[0])}

    def stmt_end(self, ch: list, pos: SourcePos) -> dict:
        return self.end(ch[0], ch[1])

    def stmt_if_block(self, ch: list, pos: SourcePos) -> dict:
        cond, then, other = ch
        out = {"if": self.expression(cond), "then": Located(self.block(then), _node_pos(then))}
        if other is not None:  # `else { ... }` or `else if ...`
            out["else"] = Located(self.block(other) if other.data == "block" else [self.stmt(other)],
                                  _node_pos(other))
        return out

    def stmt_if_goto(self, ch: list, pos: SourcePos) -> dict:
        return {"if": self.expression(ch[0]), "then": [Located({"goto": self.name(ch[1])}, _tok_pos(ch[1]))]}

    def stmt_if_end(self, ch: list, pos: SourcePos) -> dict:
        return {"if": self.expression(ch[0]), "then": [Located(self.end(ch[1], ch[2]), _node_pos(ch[1]))]}

    def stmt_for_loop(self, ch: list, pos: SourcePos) -> dict:
        return {"for": self.name(ch[0]), "in": self.expression(ch[1]),
                "do": Located(self.block(ch[2]), _node_pos(ch[2]))}

    def end(self, outcome: Tree, reason: Token | None) -> dict:
        out: dict[str, Any] = {"end": Located(str(outcome.children[0]), _node_pos(outcome))}
        if reason is not None:
            out["reason"] = self.text_value(reason)
        return out


def parse_game_text(text: str, path: str, diags: Diagnostics) -> dict | None:
    """Parse the text of a .game file into located data (None if nothing could be parsed)."""
    tree = parse_tree(text, path, diags)
    if tree is None:
        return None
    return GameBuilder(text, path, diags).build(tree)
