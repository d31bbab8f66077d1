"""The parameters of gamelang's commands, declared without importing typer.

A command is a plain function whose defaults say what its parameters are, as with typer:
``out: Optional[Path] = Option(None, "--out", "-o", help=...)``. ``Option`` and ``Argument`` here
only record what they are given; gamelang/cli.py turns them into typer's own when it builds a
typer app (`typer_signature`), and gamelang/cli_fast.py reads them to recognise the plain command
lines that need no typer at all. One declaration, two readers: tests/test_cli_fast.py checks
that both read every command line the same way.

``echo`` and ``Exit`` are what the commands print and leave with, the same under typer and
without it (``Exit`` is a ``SystemExit``, which typer lets through with its code).
"""

from __future__ import annotations

import sys
from typing import Any


class Param:
    """A command parameter as declared: its default (``...``: required), its names on the command
    line (options; none given: ``--name`` from the parameter, and ``--name/--no-name`` for a bool)
    and typer's other settings (``help``, ``min``, ``max``, ``envvar``, ``metavar``, ...)."""

    __slots__ = ("default", "decls", "settings")
    kind = ""

    def __init__(self, default: Any = ..., *decls: str, **settings: Any) -> None:
        self.default = default
        self.decls = decls
        self.settings = settings

    def to_typer(self) -> Any:
        """The typer ``OptionInfo`` or ``ArgumentInfo`` this declaration stands for."""
        import typer

        make = typer.Option if self.kind == "option" else typer.Argument
        return make(self.default, *self.decls, **self.settings)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r}, {', '.join(map(repr, self.decls))})"


class OptionParam(Param):
    """An option (``--name VALUE``, a flag, or a repeatable option for a list)."""

    __slots__ = ()
    kind = "option"


class ArgumentParam(Param):
    """A positional argument (several values for a list)."""

    __slots__ = ()
    kind = "argument"


def Option(default: Any = ..., *decls: str, **settings: Any) -> Any:  # noqa: N802 - typer's spelling
    """Declare an option, with the arguments of ``typer.Option``."""
    return OptionParam(default, *decls, **settings)


def Argument(default: Any = ..., **settings: Any) -> Any:  # noqa: N802 - typer's spelling
    """Declare a positional argument, with the arguments of ``typer.Argument``."""
    return ArgumentParam(default, **settings)


class Exit(SystemExit):
    """Leave the command with this exit code (what ``typer.Exit`` does, without typer)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)

    @property
    def exit_code(self) -> int:
        """The code, under the name typer's ``Exit`` gives it."""
        return int(self.code or 0)


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Print ``message`` to standard output (``err``: standard error) and flush, as ``typer.echo``."""
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n" if nl else message)
    stream.flush()


def declared_params(func: Any) -> bool:
    """Whether ``func`` declares its parameters with this module (else: typer's own, or none)."""
    defaults = getattr(func, "__defaults__", None) or ()
    return any(isinstance(d, Param) for d in defaults)


def typer_signature(func: Any) -> Any:
    """A function that calls ``func`` and shows typer the same parameters as typer's own."""
    import functools
    import inspect

    signature = inspect.signature(func)
    params = [p.replace(default=p.default.to_typer()) if isinstance(p.default, Param) else p
              for p in signature.parameters.values()]

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return command
