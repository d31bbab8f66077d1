"""The expression language: syntax tree, canonical printing, and building from parse trees.

Expressions are small, typed and side-effect free. They are never evaluated with Python's
``eval``: :mod:`gamelang.lang.evaluate` compiles a checked tree into closures.

Positions in a tree are relative to the text of the expression (line 1, column 1 is its first
character); a :class:`~gamelang.lang.source.TextPos` maps them back into the game file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .diagnostics import SourcePos

if TYPE_CHECKING:  # lark is imported where trees are built: a game loaded from parsedcache needs none
    from lark import Token, Tree

#: Words that may appear inside an expression: a name may never be one of these.
#: Every other keyword (`ask`, `reply`, `choice`, `persona`, ...) is a plain name where a name is expected.
EXPRESSION_KEYWORDS = frozenset({"and", "or", "not", "in", "if", "true", "false", "for"})


@dataclass(frozen=True)
class Expr:
    """Base of expression nodes. ``pos`` is not part of equality: a game written twice
    with different spacing has equal expressions."""

    pos: SourcePos = field(compare=False, repr=False, kw_only=True, default=SourcePos(1, 1))

    def __str__(self) -> str:
        return unparse(self)


@dataclass(frozen=True)
class Lit(Expr):
    """A literal: int, float, str or bool."""

    value: Any


@dataclass(frozen=True)
class RegexLit(Expr):
    """``/pattern/flags``: the pattern argument of ``matches``, ``search`` and ``find_all``."""

    pattern: str
    flags: str = ""

    def inline(self) -> str:
        """The pattern with its flags written inline, as RE2 takes them: ``(?i)abc``."""
        return f"(?{self.flags}){self.pattern}" if self.flags else self.pattern


@dataclass(frozen=True)
class Name(Expr):
    """A name: an instance field, constant, variable, move or built-in."""

    name: str


@dataclass(frozen=True)
class Field(Expr):
    """Field access on a record: ``clue.text``."""

    obj: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    """Indexing a list, string or map: ``words[0]``, ``scores["a"]``."""

    obj: Expr
    index: Expr


@dataclass(frozen=True)
class Slice(Expr):
    """A part of a list or string: ``xs[1:]``, ``s[a:b]``, ``xs[::2]`` (a bound left out is the end)."""

    obj: Expr
    start: Expr | None = None
    end: Expr | None = None
    step: Expr | None = None


@dataclass(frozen=True)
class Call(Expr):
    """A call of a built-in function."""

    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class IfExpr(Expr):
    """``if(cond, then, else)``: only the chosen branch is evaluated."""

    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class ListLit(Expr):
    """``[a, b, c]``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class MapLit(Expr):
    """``{"key": value, ...}``."""

    entries: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class Unary(Expr):
    """``-x`` or ``not x``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    """A binary operation: arithmetic, comparison, ``and``/``or``, ``in``/``not in``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Comprehension(Expr):
    """``[item for x in source if cond]``; over a map ``x`` is each key, ``k, v`` each key and value;
    over a list ``i, x`` is each position and item."""

    item: Expr
    names: tuple[str, ...]
    source: Expr
    cond: Expr | None = None


@dataclass(frozen=True)
class KeyFunction(Expr):
    """``x => body``: the key or condition argument of ``sorted``, ``min``, ``any``, ... (never a value)."""

    param: str
    body: Expr


# Binding strength of operators, weakest first; used to print only the parentheses needed.
PRECEDENCE = {
    "or": 1, "and": 2, "not": 3,
    "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4, "not in": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "neg": 7,
}


def unparse(e: Expr, parent: int = 0) -> str:
    """The canonical text of an expression (parsing it again gives an equal tree)."""
    if isinstance(e, Lit):
        if isinstance(e.value, bool):
            return "true" if e.value else "false"
        if isinstance(e.value, str):
            return _quote(e.value)
        text = repr(e.value)
        # a negative number under a postfix operator needs parentheses: (-1).x, not -(1.x)
        return f"({text})" if text.startswith("-") and parent > PRECEDENCE["neg"] else text
    if isinstance(e, Name):
        return e.name
    if isinstance(e, RegexLit):
        return "/" + e.pattern.replace("/", "\\/") + "/" + e.flags
    if isinstance(e, Field):
        return f"{unparse(e.obj, 8)}.{e.name}"
    if isinstance(e, Index):
        return f"{unparse(e.obj, 8)}[{unparse(e.index)}]"
    if isinstance(e, Slice):
        parts = [unparse(x) if x is not None else "" for x in (e.start, e.end)]
        step = f":{unparse(e.step)}" if e.step is not None else ""
        return f"{unparse(e.obj, 8)}[{parts[0]}:{parts[1]}{step}]"
    if isinstance(e, Call):
        return f"{e.func}({', '.join(unparse(a) for a in e.args)})"
    if isinstance(e, IfExpr):
        return f"if({unparse(e.cond)}, {unparse(e.then)}, {unparse(e.other)})"
    if isinstance(e, ListLit):
        return "[" + ", ".join(unparse(i) for i in e.items) + "]"
    if isinstance(e, MapLit):
        return "{" + ", ".join(f"{_quote(k)}: {unparse(v)}" for k, v in e.entries) + "}"
    if isinstance(e, Comprehension):
        cond = f" if {unparse(e.cond)}" if e.cond is not None else ""
        return f"[{unparse(e.item)} for {', '.join(e.names)} in {unparse(e.source, PRECEDENCE['+'])}{cond}]"
    if isinstance(e, KeyFunction):
        return f"{e.param} => {unparse(e.body)}"
    if isinstance(e, Unary):
        prec = PRECEDENCE["neg" if e.op == "-" else "not"]
        inner = unparse(e.operand, prec)
        text = f"-{inner}" if e.op == "-" else f"not {inner}"
        return f"({text})" if prec < parent else text
    if isinstance(e, Binary):
        prec = PRECEDENCE[e.op]
        # arithmetic and and/or are left-associative: the right operand needs parentheses at equal
        # precedence; comparisons do not chain, so both operands need them
        left_prec = prec + 1 if prec == PRECEDENCE["=="] else prec
        text = f"{unparse(e.left, left_prec)} {e.op} {unparse(e.right, prec + 1)}"
        return f"({text})" if prec < parent else text
    raise TypeError(f"not an expression: {e!r}")


def negated(cond: Expr) -> Expr:
    """`not cond`, without a double negation (`a == b` becomes `a != b`)."""
    if isinstance(cond, Unary) and cond.op == "not":
        return cond.operand
    if isinstance(cond, Binary) and cond.op in _OPPOSITE:
        return Binary(_OPPOSITE[cond.op], cond.left, cond.right)
    return Unary("not", cond)


_OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in", "not in": "in"}


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    if code.startswith("u") and len(code) == 5:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES.get(code, code)


def unquote(token: str) -> str:
    """The value of a string token: quotes removed, backslash escapes read."""
    body = token[1:-1]
    return _ESCAPE.sub(_unescape, body) if "\\" in body else body


def walk(e: Expr):
    """Yield ``e`` and every expression inside it."""
    yield e
    if isinstance(e, (Field,)):
        yield from walk(e.obj)
    elif isinstance(e, Index):
        yield from walk(e.obj)
        yield from walk(e.index)
    elif isinstance(e, Slice):
        for part in _children(e):
            yield from walk(part)
    elif isinstance(e, Call):
        for a in e.args:
            yield from walk(a)
    elif isinstance(e, IfExpr):
        yield from walk(e.cond)
        yield from walk(e.then)
        yield from walk(e.other)
    elif isinstance(e, ListLit):
        for i in e.items:
            yield from walk(i)
    elif isinstance(e, MapLit):
        for _, v in e.entries:
            yield from walk(v)
    elif isinstance(e, Unary):
        yield from walk(e.operand)
    elif isinstance(e, Binary):
        yield from walk(e.left)
        yield from walk(e.right)
    elif isinstance(e, Comprehension):
        yield from walk(e.source)
        yield from walk(e.item)
        if e.cond is not None:
            yield from walk(e.cond)
    elif isinstance(e, KeyFunction):
        yield from walk(e.body)


def names_in(e: Expr) -> set[str]:
    """All plain names an expression reads from outside it (loop variables are not among them)."""
    if isinstance(e, Name):
        return {e.name}
    if isinstance(e, Comprehension):
        inner = names_in(e.item) | (names_in(e.cond) if e.cond is not None else set())
        return names_in(e.source) | (inner - set(e.names))
    if isinstance(e, KeyFunction):
        return names_in(e.body) - {e.param}
    out: set[str] = set()
    for child in _children(e):
        out |= names_in(child)
    return out


def _children(e: Expr) -> list[Expr]:
    if isinstance(e, Field):
        return [e.obj]
    if isinstance(e, Index):
        return [e.obj, e.index]
    if isinstance(e, Slice):
        return [x for x in (e.obj, e.start, e.end, e.step) if x is not None]
    if isinstance(e, Call):
        return list(e.args)
    if isinstance(e, IfExpr):
        return [e.cond, e.then, e.other]
    if isinstance(e, ListLit):
        return list(e.items)
    if isinstance(e, MapLit):
        return [v for _, v in e.entries]
    if isinstance(e, Unary):
        return [e.operand]
    if isinstance(e, Binary):
        return [e.left, e.right]
    return []


# ------------------------------------------------------------------ building from parse trees

def _pos(node: Tree | Token, origin: tuple[int, int] = (1, 1)) -> SourcePos:
    from lark import Token

    if isinstance(node, Token):
        line, column = _relative(node.line, node.column, origin)
        end_line, end_column = _relative(node.end_line, node.end_column or 1, origin)
        return SourcePos(line, column, end_line, max(column, end_column - 1))
    m = node.meta
    if getattr(m, "empty", True):
        return SourcePos(1, 1)
    line, column = _relative(m.line, m.column, origin)
    end_line, end_column = _relative(m.end_line, m.end_column, origin)
    return SourcePos(line, column, end_line, max(1, end_column - 1))


def _relative(line: int, column: int, origin: tuple[int, int]) -> tuple[int, int]:
    """A file position made relative to ``origin`` (the expression's first character, which becomes
    line 1, column 1): columns move on the origin's line only, as they do in the expression's text."""
    if origin == (1, 1):
        return line, column
    if line == origin[0]:
        return 1, column - origin[1] + 1
    return line - origin[0] + 1, column


def build(node: Tree | Token, origin: tuple[int, int] = (1, 1)) -> Expr:
    """Build an expression from a parse tree of the ``expr`` rule.

    Positions are made relative to ``origin``, the (line, column) where the expression's text
    begins: a subtree of a whole file's parse tree thus gives the same tree, positions included,
    as parsing the expression's text alone (the .game front end hands expressions over built)."""
    from lark import Token

    p = _pos(node, origin)
    if isinstance(node, Token):  # a bare token can only be a parenthesised atom's content
        raise ValueError(f"unexpected token {node!r}")
    kind, ch = node.data, node.children
    if kind == "int_lit":
        return Lit(int(ch[0]), pos=p)
    if kind == "float_lit":
        return Lit(float(ch[0]), pos=p)
    if kind == "str_lit":
        return Lit(unquote(str(ch[0])), pos=p)
    if kind == "true":
        return Lit(True, pos=p)
    if kind == "false":
        return Lit(False, pos=p)
    if kind == "name":
        return Name(str(ch[0]), pos=p)
    if kind == "regex_lit":
        raw = str(ch[0])
        close = raw.rindex("/")
        return RegexLit(raw[1:close].replace("\\/", "/"), raw[close + 1:], pos=p)
    if kind == "field":
        return Field(build(ch[0], origin), str(ch[1]), pos=p)
    if kind == "index":
        return Index(build(ch[0], origin), build(ch[1], origin), pos=p)
    if kind in ("slice_", "slice_step"):
        obj, start, end, *step = (build(x, origin) if x is not None else None for x in ch)
        return Slice(obj, start, end, step[0] if step else None, pos=p)
    if kind == "call":
        return Call(str(ch[0]), tuple(build(a, origin) for a in ch[1:] if a is not None), pos=p)
    if kind == "if_expr":
        return IfExpr(build(ch[0], origin), build(ch[1], origin), build(ch[2], origin), pos=p)
    if kind == "list_lit":
        return ListLit(tuple(build(a, origin) for a in ch if a is not None), pos=p)
    if kind == "comprehension":
        item, first, second, source, cond = ch
        names = (str(first),) + ((str(second),) if second is not None else ())
        return Comprehension(build(item, origin), names, build(source, origin),
                             build(cond, origin) if cond is not None else None, pos=p)
    if kind == "key_function":
        return KeyFunction(str(ch[0]), build(ch[1], origin), pos=p)
    if kind == "map_lit":
        return MapLit(tuple((unquote(str(m.children[0])), build(m.children[1], origin)) for m in ch if m is not None),
                      pos=p)
    if kind == "neg":
        operand = build(ch[1], origin)
        if isinstance(operand, Lit) and type(operand.value) in (int, float):
            return Lit(-operand.value, pos=p)  # a negative number, as YAML would give it
        return Unary("-", operand, pos=p)
    if kind == "not_":
        return Unary("not", build(ch[0], origin), pos=p)
    if kind in ("or_", "and_"):
        return Binary(kind[:-1], build(ch[0], origin), build(ch[1], origin), pos=p)
    if kind in ("binary", "compare"):
        return Binary(str(ch[1]), build(ch[0], origin), build(ch[2], origin), pos=p)
    if kind == "in_":
        return Binary("in", build(ch[0], origin), build(ch[1], origin), pos=p)
    if kind == "not_in":
        return Binary("not in", build(ch[0], origin), build(ch[1], origin), pos=p)
    raise ValueError(f"unknown expression node {kind}")
