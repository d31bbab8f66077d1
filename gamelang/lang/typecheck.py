"""Type checking of expressions against a scope of declared names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from . import expr as ex
from .diagnostics import SourcePos, did_you_mean
from .builtins import builtin_types
from .functions import (
    FUNCTIONS,
    REGEX_FUNCTIONS,
    EvalError,
    Function,
    compiled_regex,
    describe_signatures,
    library_of,
    result_type,
)
from .types import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    NOTHING,
    STR,
    AnyT,
    ListT,
    MapT,
    NothingT,
    RecordT,
    Type,
    is_numeric,
    join,
    type_of_value,
)


@dataclass(frozen=True)
class Symbol:
    """A name an expression may read: what it is and its type."""

    name: str
    type: Type
    kind: str  # 'field', 'const', 'var', 'move', 'builtin', 'score'


class Reporter(Protocol):
    """Where the checker sends problems: (code, position inside the expression, message, hint)."""

    def __call__(self, code: str, pos: SourcePos, message: str, hint: str | None = None) -> None: ...


#: Functions that take a key function as their second argument, and what its body must give.
KEY_FUNCTIONS = {"any": "bool", "all": "bool", "count": "bool", "sum": "number", "min": "order", "max": "order",
                 "sorted": "order"}

_KIND_NAMES = {"field": "instance field", "const": "constant", "var": "variable", "move": "move",
               "builtin": "built-in name", "score": "score value"}


def kind_name(kind: str) -> str:
    """What a symbol of ``kind`` is, with its article: 'a variable', 'an instance field'."""
    return {"field": "an instance field", "const": "a constant", "move": "a move", "builtin": "a built-in counter",
            "score": "a score value", "var": "a variable", "local": "a loop name"}.get(kind, kind)


#: Names that exist only in some places, and where.
SCOPED_BUILTINS = {
    **{name: "the score block" for name in builtin_types("score")},
    "main": "`reward` and metrics of the score block, once `main` is declared",
}


class TypeChecker:
    """Checks expressions in one scope; records which names were read."""

    def __init__(self, scope: dict[str, Symbol], report: Reporter, on_read: Callable[[str], None] | None = None,
                 functions: dict[str, Function] | None = None):
        self.scope = scope
        self.report = report
        self.on_read = on_read or (lambda name: None)
        self.functions = FUNCTIONS if functions is None else functions  # those the game may call

    def unknown_function(self, e: ex.Call) -> None:
        """Report a call of a function the game cannot call (perhaps one of a library it does not use)."""
        lib = library_of(e.func)
        hint = (f"'{e.func}' is in the function library '{lib}': add `use {lib}` to the game" if lib
                else did_you_mean(e.func, self.functions) or "see docs/language.md for the list of functions")
        self.report("GL0013", e.pos, f"unknown function '{e.func}'", hint)

    def check(self, e: ex.Expr) -> Type:
        """The type of ``e``; problems go to the reporter and give the type `any`."""
        method = getattr(self, "_" + type(e).__name__)
        return method(e)

    def expect(self, e: ex.Expr, want: Type, what: str) -> Type:
        """Check ``e`` and that its type fits ``want`` (GL0017 otherwise)."""
        got = self.check(e)
        if not got.fits(want):
            self.report("GL0017", e.pos, f"{what} must be {want}, but this is {got}")
        return got

    # -- leaves
    def _Lit(self, e: ex.Lit) -> Type:
        return type_of_value(e.value)

    def _Name(self, e: ex.Name) -> Type:
        sym = self.scope.get(e.name)
        if sym is None:
            if e.name in SCOPED_BUILTINS:
                self.report("GL0034", e.pos, f"'{e.name}' only has a value in {SCOPED_BUILTINS[e.name]}")
            elif e.name in self.functions:
                self.report("GL0012", e.pos, f"'{e.name}' is a function; call it: {e.name}(...)")
            else:
                self.report("GL0012", e.pos, f"undefined name '{e.name}'", did_you_mean(e.name, self.scope))
            return ANY
        self.on_read(e.name)
        return sym.type

    # -- structure
    def _Field(self, e: ex.Field) -> Type:
        obj = self.check(e.obj)
        if isinstance(obj, AnyT):
            return ANY
        if isinstance(obj, RecordT):
            t = obj.field(e.name)
            if t is None:
                names = [n for n, _ in obj.fields]
                listing = ", ".join(names) if names else "none"
                self.report("GL0015", e.pos, f"'{ex.unparse(e.obj)}' has no field '{e.name}' (fields: {listing})",
                            did_you_mean(e.name, names))
                return ANY
            return t
        if isinstance(obj, MapT):
            self.report("GL0017", e.pos, f"'{ex.unparse(e.obj)}' is a map; read a key with [\"{e.name}\"]")
            return ANY
        hint = None
        if isinstance(obj, ListT) and isinstance(obj.item, RecordT):
            shown = ex.unparse(e.obj)
            hint = f"it is a list: read one item's field, {shown}[0].{e.name}, or all: [x.{e.name} for x in {shown}]"
        self.report("GL0017", e.pos, f"'{ex.unparse(e.obj)}' is {obj} and has no fields", hint)
        return ANY

    def _Index(self, e: ex.Index) -> Type:
        obj = self.check(e.obj)
        idx = self.check(e.index)
        if isinstance(obj, AnyT):
            return ANY
        if isinstance(obj, (ListT,)) or obj == STR:
            if not idx.fits(INT):
                self.report("GL0017", e.index.pos, f"an index into {obj} must be int, but this is {idx}")
            return obj.item if isinstance(obj, ListT) and not isinstance(obj.item, NothingT) else (STR if obj == STR else ANY)
        if isinstance(obj, MapT):
            if not idx.fits(STR):
                self.report("GL0017", e.index.pos, f"a map key must be str, but this is {idx}")
            return obj.value
        if isinstance(obj, RecordT):
            if isinstance(e.index, ex.Lit) and isinstance(e.index.value, str) and obj.field(e.index.value):
                return obj.field(e.index.value)
            self.report("GL0017", e.pos, f"read a record's field with a dot: {ex.unparse(e.obj)}.name")
            return ANY
        self.report("GL0017", e.pos, f"{obj} cannot be indexed")
        return ANY

    def _Slice(self, e: ex.Slice) -> Type:
        obj = self.check(e.obj)
        for part, what in ((e.start, "start"), (e.end, "end"), (e.step, "step")):
            if part is None:
                continue
            t = self.check(part)
            if not t.fits(INT):
                self.report("GL0017", part.pos, f"the {what} of a slice must be int, but this is {t}")
        if isinstance(e.step, ex.Lit) and isinstance(e.step.value, int) and e.step.value <= 0:
            self.report("GL0017", e.step.pos, "the step of a slice must be positive",
                        "for the items in reverse order use reversed(xs)")
        if isinstance(obj, AnyT) or isinstance(obj, ListT) or obj == STR:
            return obj
        self.report("GL0017", e.pos, f"{obj} cannot be sliced", "slices take a part of a list or a text")
        return ANY

    def _RegexLit(self, e: ex.RegexLit) -> Type:
        self.report("GL0017", e.pos, "a /regex/ is only the pattern of " + ", ".join(f"{f}()" for f in REGEX_FUNCTIONS),
                    f'to test a text: matches(text, /{e.pattern}/{e.flags})')
        return ANY

    def _pattern(self, e: ex.Call) -> Type:
        """The pattern of matches(), search(), find_all(): a constant regex, compiled now (GL0021 if it does not)."""
        pattern = e.args[1]
        if isinstance(pattern, ex.RegexLit):
            text, flags = pattern.pattern, pattern.flags
        elif isinstance(pattern, ex.Lit) and isinstance(pattern.value, str):
            text, flags = pattern.value, ""
        else:
            self.check(pattern)
            self.report("GL0018", pattern.pos, f"the pattern of {e.func}() must be a constant: /regex/flags or a string",
                        f"write the regex in place: {e.func}(text, /[0-9]+/)")
            return ANY
        bad = sorted(set(flags) - set("ism"))
        if bad:
            self.report("GL0021", pattern.pos, f"unknown regex flag '{bad[0]}'", "the flags are i, s and m")
            return ANY
        try:
            compiled_regex(pattern.inline() if isinstance(pattern, ex.RegexLit) else text)
        except EvalError as err:
            self.report("GL0021", pattern.pos, str(err))
            return ANY
        return STR

    def _Call(self, e: ex.Call) -> Type:
        if e.args and isinstance(e.args[-1], ex.KeyFunction):
            return self._key_call(e)
        if e.func in REGEX_FUNCTIONS and len(e.args) == 2 and e.func in self.functions:
            args = [self.check(e.args[0]), self._pattern(e)]
        else:
            args = [self.check(a) for a in e.args]
        fn = self.functions.get(e.func)
        if fn is None:
            self.unknown_function(e)
            return ANY
        result = result_type(fn, args)
        if result is None:
            shown = ", ".join(map(str, args))
            self.report("GL0018", e.pos, f"{e.func}() cannot be called with ({shown})",
                        f"it takes: {describe_signatures(fn)}")
            return ANY
        return result

    def _key_call(self, e: ex.Call) -> Type:
        """``f(list, x => body)``: the body is checked with ``x`` bound to an item of the list."""
        key = e.args[-1]
        assert isinstance(key, ex.KeyFunction)
        if e.func not in self.functions:
            self.unknown_function(e)
            return ANY
        if e.func not in KEY_FUNCTIONS or len(e.args) != 2:
            self.report("GL0018", key.pos, f"{e.func}() takes no key function" if e.func not in KEY_FUNCTIONS
                        else f"{e.func}(list, {key.param} => ...) takes two arguments",
                        "a key function `x => ...` is the second argument of: " + ", ".join(KEY_FUNCTIONS))
            return ANY
        source = self.check(e.args[0])
        if isinstance(source, AnyT):
            item: Type = ANY
        elif isinstance(source, ListT):
            item = ANY if isinstance(source.item, NothingT) else source.item
        else:
            self.report("GL0018", e.args[0].pos, f"{e.func}(..., {key.param} => ...) needs a list, not {source}",
                        "for a map, give keys(m) or values(m)")
            return ANY
        body = self._bound({key.param: item}, key).check(key.body)
        want = KEY_FUNCTIONS[e.func]
        if want == "bool" and not body.fits(BOOL):
            self.report("GL0017", key.body.pos, f"the condition of {e.func}() must be bool, but this is {body}")
        elif want == "number" and not is_numeric(body):
            self.report("GL0017", key.body.pos, f"the key of {e.func}() must be a number, but this is {body}")
        elif want == "order" and not (is_numeric(body) or body == STR):
            self.report("GL0017", key.body.pos, f"the key of {e.func}() must be a number or a text, but this is {body}")
        if e.func in ("any", "all"):
            return BOOL
        if e.func == "count":
            return INT
        if e.func == "sum":
            return body if body in (INT, FLOAT) else ANY
        if e.func == "sorted":
            return ListT(item)
        return item  # min, max: the item whose key is smallest / largest

    def _bound(self, names: dict[str, Type], where: ex.Expr) -> "TypeChecker":
        """A checker for the inside of a comprehension or key function, with its own names bound."""
        scope = dict(self.scope)
        for name, t in names.items():
            sym = self.scope.get(name)
            if sym is not None and sym.kind != "local":
                kind = _KIND_NAMES.get(sym.kind, sym.kind)
                self.report("GL0008", where.pos, f"the loop name '{name}' hides the {kind} '{name}'",
                            f"choose another name, such as '{name}_'")
            scope[name] = Symbol(name, t, "local")
        return TypeChecker(scope, self.report, self.on_read, self.functions)

    def _KeyFunction(self, e: ex.KeyFunction) -> Type:
        self.report("GL0018", e.pos, f"a key function `{e.param} => ...` is not a value",
                    "it is the second argument of: " + ", ".join(KEY_FUNCTIONS))
        return ANY

    def _Comprehension(self, e: ex.Comprehension) -> Type:
        source = self.check(e.source)
        names = e.names
        if isinstance(source, AnyT):
            bound = [ANY] * len(names)
        elif isinstance(source, ListT):
            item = ANY if isinstance(source.item, NothingT) else source.item
            bound = [item] if len(names) == 1 else [INT, item]
        elif isinstance(source, MapT):
            bound = [STR] if len(names) == 1 else [STR, source.value]
        else:
            self.report("GL0017", e.source.pos, f"a comprehension goes over a list or a map, not {source}",
                        "split a text into a list with words(s) or split(s, sep)" if source == STR else None)
            bound = [ANY] * len(names)
        if len(names) == 2 and names[0] == names[1]:
            self.report("GL0008", e.pos, f"the loop names are both '{names[0]}'")
        inner = self._bound(dict(zip(names, bound, strict=True)), e)
        if e.cond is not None:
            inner.expect(e.cond, BOOL, "the condition of a comprehension")
        item_type = inner.check(e.item)
        return ListT(item_type)

    def _IfExpr(self, e: ex.IfExpr) -> Type:
        self.expect(e.cond, BOOL, "the condition of if()")
        a, b = self.check(e.then), self.check(e.other)
        t = join(a, b)
        if t is None:
            self.report("GL0017", e.pos, f"the two branches of if() have different types: {a} and {b}")
            return ANY
        return t

    def _ListLit(self, e: ex.ListLit) -> Type:
        return ListT(self._common_type(e.items, "list items"))

    def _MapLit(self, e: ex.MapLit) -> Type:
        return MapT(self._common_type([v for _, v in e.entries], "map values"))

    def _common_type(self, items, what: str) -> Type:
        """The one type all items fit (GL0017 if there is none)."""
        common: Type = NOTHING
        for item in items:
            t = self.check(item)
            joined = join(common, t)
            if joined is None:
                self.report("GL0017", item.pos, f"{what} must have one type; this is {t}, earlier ones are {common}")
                return ANY
            common = joined
        return common

    # -- operators
    def _Unary(self, e: ex.Unary) -> Type:
        if e.op == "not":
            self.expect(e.operand, BOOL, "the operand of 'not'")
            return BOOL
        t = self.check(e.operand)
        if not is_numeric(t):
            self.report("GL0017", e.pos, f"cannot negate {t}")
            return ANY
        return t

    def _Binary(self, e: ex.Binary) -> Type:
        op = e.op
        if op in ("and", "or"):
            self.expect(e.left, BOOL, f"the left operand of '{op}'")
            self.expect(e.right, BOOL, f"the right operand of '{op}'")
            return BOOL
        a, b = self.check(e.left), self.check(e.right)
        if isinstance(a, AnyT) or isinstance(b, AnyT):
            return BOOL if op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in") else ANY
        if op == "+":
            if is_numeric(a) and is_numeric(b):
                return INT if a == b == INT else FLOAT
            if a == STR and b == STR:
                return STR
            if isinstance(a, ListT) and isinstance(b, ListT) and join(a, b) is not None:
                return join(a, b)
            return self._bad(e, f"cannot add {a} and {b}",
                             "convert with str(...) to join text" if STR in (a, b) else None)
        if op in ("-", "*", "%", "//"):
            if is_numeric(a) and is_numeric(b):
                return INT if a == b == INT else FLOAT
            return self._bad(e, f"'{op}' needs numbers, not {a} and {b}")
        if op == "/":
            if is_numeric(a) and is_numeric(b):
                return FLOAT
            return self._bad(e, f"'/' needs numbers, not {a} and {b}")
        if op in ("==", "!="):
            if join(a, b) is None:
                self._bad(e, f"comparing {a} with {b} is always {'false' if op == '==' else 'true'}")
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if not ((is_numeric(a) and is_numeric(b)) or (a == STR and b == STR)):
                self._bad(e, f"cannot order {a} and {b}")
            return BOOL
        if op in ("in", "not in"):
            ok = (b == STR and a == STR) or (isinstance(b, ListT) and (join(a, b.item) is not None)) \
                or (isinstance(b, MapT) and a == STR)
            if not ok:
                self._bad(e, f"cannot test {a} '{op}' {b}")
            return BOOL
        return self._bad(e, f"unknown operator {op}")

    def _bad(self, e: ex.Expr, message: str, hint: str | None = None) -> Type:
        self.report("GL0017", e.pos, message, hint)
        return ANY



