"""The lint pass of the checker: warnings about declarations a game never uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .source import DataPath

if TYPE_CHECKING:
    from .checks import Checker


def check_unused(checker: "Checker") -> None:
    """GL0032: declarations the game never uses (those a library offers are not reported)."""
    def warn(path: DataPath, message: str) -> None:
        if checker.file_of(path) == checker.path:  # a game need not use all that a library offers
            checker.err(path, "GL0032", message, key=True)

    for name in checker.spec.roles:
        if ("ask", name) not in checker.used:
            told = ("tell", name) in checker.used
            warn(("roles", name), f"role '{name}' is never asked" + (" (only told)" if told else ""))
    # (section, how a use is recorded, what to say)
    for section, use, says in (("moves", "move", "move '{}' is never parsed"),
                               ("tools", "tool", "tool '{}' is never offered: no tool move parses its calls"),
                               ("vars", "name", "variable '{}' is never read"),
                               ("consts", "name", "constant '{}' is never used"),
                               ("instance", "name", "instance field '{}' is never used"),
                               ("templates", "template", "template '{}' is never used")):
        for name in getattr(checker.spec, section):
            if (use, name) not in checker.used:
                warn((section, name), says.format(name))
