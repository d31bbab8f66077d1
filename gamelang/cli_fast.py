"""Plain command lines, read without typer.

Importing typer takes longer than starting Python, and typer builds a pydantic adapter for every
parameter of the command that runs, which imports pydantic: together about 150 ms before a
command does anything, several times what `gamelang validate` needs when its cache is warm. Most
command lines are plain, though: positional values, ``--name VALUE`` or ``--name=VALUE``, short
names with a separate value, flags, a repeatable option given several times. ``parse_plain``
reads such a command line from the same declarations typer reads (gamelang/cli_params.py) and
gives the function's keyword arguments; anything else (``--help``, ``--``, an unknown or doubled
option, a value that does not convert, a limit passed, a setting this reader does not know, an
environment variable that typer would read) gives ``None``, and the command line goes to typer,
which answers it as it always did, error messages included. tests/test_cli_fast.py checks that
typer reads every command line the fast reader accepts into the same arguments.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Any, Callable, Union, get_args, get_origin, get_type_hints

from .cli_params import OptionParam, Param

#: Settings of a declaration that do not change how a command line is read.
_NEUTRAL = frozenset({"help", "metavar", "show_default", "rich_help_panel"})
_NONE = type(None)


class _Declined(Exception):
    """The command line is not plain: typer reads it."""


class _Spec:
    """What the fast reader needs of one parameter: its type, whether it takes a list, its names."""

    __slots__ = ("name", "param", "base", "many", "flag_values")

    def __init__(self, name: str, param: Param, annotation: Any) -> None:
        self.name, self.param = name, param
        base, self.many = _unwrap(annotation)
        if base not in (str, int, float, bool, Path) and not (isinstance(base, type) and issubclass(base, enum.Enum)):
            raise _Declined(f"{name}: type {base!r}")
        self.base = base
        unknown = set(param.settings) - _NEUTRAL - {"min", "max", "envvar"}
        if unknown or (self.many and base is bool):
            raise _Declined(f"{name}: {sorted(unknown)}")
        # option names -> the value a flag gives (None: the option takes a value)
        self.flag_values: dict[str, bool | None] = {}
        if isinstance(param, OptionParam):
            decls = param.decls or (f"--{name.replace('_', '-')}" + (
                f"/--no-{name.replace('_', '-')}" if base is bool else ""),)
            for decl in decls:
                on, _, off = decl.partition("/")
                self.flag_values[on.strip()] = True if base is bool else None
                if off:
                    self.flag_values[off.strip()] = False

    def convert(self, text: str) -> Any:
        """The value typer gives for ``text``, or _Declined where typer might differ or refuse."""
        base = self.base
        if text.startswith("-") and base not in (int, float):
            raise _Declined("a value that looks like an option")
        if base is str:
            value: Any = text
        elif base is int:
            if not _plain_digits(text.removeprefix("-")):
                raise _Declined("not a plain integer")
            value = int(text)
        elif base is float:
            whole, _, fraction = text.removeprefix("-").partition(".")
            if not (whole or fraction) or not all(not part or _plain_digits(part) for part in (whole, fraction)):
                raise _Declined("not a plain number")
            value = float(text)
        elif base is Path:
            if not text:
                raise _Declined("an empty path")
            value = Path(text)
        else:  # an Enum: one of its values exactly
            try:
                value = base(text)
            except ValueError:
                raise _Declined("not a choice") from None
        settings = self.param.settings
        if ("min" in settings and value < settings["min"]) or ("max" in settings and value > settings["max"]):
            raise _Declined("out of range")
        return value


def _plain_digits(text: str) -> bool:
    """Whether ``text`` is one or more of the digits 0-9 (str.isdigit alone takes "²" and "٣")."""
    return text.isascii() and text.isdigit()


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the item type, whether a list) of ``X``, ``Optional[X]``, ``list[X]``, ``Optional[list[X]]``."""
    if get_origin(annotation) is Union:
        rest = [a for a in get_args(annotation) if a is not _NONE]
        if len(rest) != 1:
            raise _Declined(f"union {annotation!r}")
        annotation = rest[0]
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return item, True
    return annotation, False


def _specs(func: Callable[..., Any]) -> list[_Spec]:
    """The parameters of ``func`` the fast reader can read (cached on the function)."""
    cached = func.__dict__.get("_gamelang_fast_specs")
    if cached is None:
        # the parameters from the code object (importing inspect costs a tenth of a warm validate)
        code, defaults = func.__code__, func.__defaults__ or ()
        names = code.co_varnames[:code.co_argcount]
        if code.co_kwonlyargcount or code.co_flags & 0x0C or len(defaults) != len(names):  # *args, **kwargs
            raise _Declined("only parameters that all have declared defaults")
        hints = get_type_hints(func)
        cached = []
        for name, default in zip(names, defaults):
            if not isinstance(default, Param):
                raise _Declined(f"{name} is not declared with gamelang.cli_params")
            cached.append(_Spec(name, default, hints[name]))
        if sum(s.many for s in cached if not isinstance(s.param, OptionParam)) > 1:
            raise _Declined("two list arguments")
        func.__dict__["_gamelang_fast_specs"] = cached
    return cached


def parse_plain(func: Callable[..., Any], args: list[str]) -> dict[str, Any] | None:
    """``func``'s keyword arguments for the command line ``args``, or None where typer must read it."""
    try:
        return _parse(_specs(func), args)
    except _Declined:
        return None


def _parse(specs: list[_Spec], args: list[str]) -> dict[str, Any]:
    options = {name: spec for spec in specs for name in spec.flag_values}
    positional = [s for s in specs if not isinstance(s.param, OptionParam)]
    given: dict[str, Any] = {}
    values: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-") or token == "-":
            if token == "-":
                raise _Declined("'-' (standard input) is left to typer")
            values.append(token)
            continue
        name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        spec = options.get(name)
        if spec is None:
            raise _Declined(f"unknown {token!r}")  # --help, --, an unknown option, -abc
        flag = spec.flag_values[name]
        if flag is not None:
            if eq:
                raise _Declined("a value given to a flag")
            value: Any = flag
        else:
            if not eq:
                if i >= len(args):
                    raise _Declined("an option without its value")
                inline = args[i]
                i += 1
            value = spec.convert(inline)
        if spec.many:
            given.setdefault(spec.name, []).append(value)
        elif spec.name in given:
            raise _Declined(f"{name} given twice")
        else:
            given[spec.name] = value
    # as click shares out positional values: one each to the arguments before and after a list
    # argument, the rest to the list
    lists = [i for i, spec in enumerate(positional) if spec.many]
    singles = len(positional) - len(lists)
    if len(values) < singles and lists:
        raise _Declined("too few values to share out")
    if len(values) > singles and not lists:
        raise _Declined("more values than arguments")
    cut = lists[0] if lists else len(positional)
    tail = len(positional) - cut - 1
    middle = values[cut:len(values) - tail] if lists else []
    for i, spec in enumerate(positional):
        if spec.many:
            given[spec.name] = [spec.convert(v) for v in middle]
            continue
        j = i if i < cut else len(values) - (len(positional) - i)
        if 0 <= j < len(values):
            given[spec.name] = spec.convert(values[j])
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.name in given and (given[spec.name] or not spec.many):
            value = given[spec.name]
        else:  # not on the command line (or a list argument with no values): the default
            envvar = spec.param.settings.get("envvar")
            if envvar and os.environ.get(envvar) is not None:
                raise _Declined(f"${envvar} is set")
            if spec.param.default is ...:
                raise _Declined(f"{spec.name} is required")
            value = list(spec.param.default) if spec.many and spec.param.default is not None else spec.param.default
        out[spec.name] = value
    return out


def run_plain(func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Run the command as typer's standalone mode would; always ends with SystemExit."""
    try:
        func(**kwargs)
    except EOFError:  # typer: a new line and "Aborted!" on standard error, exit 1
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except KeyboardInterrupt:  # typer: exit 130, nothing printed
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`gamelang ... | head`): exit 1, nothing more to write
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the flush at exit does not fail again
        sys.exit(1)
    sys.exit(0)
