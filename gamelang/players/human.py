"""A person at the terminal plays a role: ``human``."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from ..live import plain
from .base import Player, PlayerError, PlayerSpec, Request


class HumanPlayer(Player):
    """Shows the role's new messages and reads a reply from the keyboard.

    One line is one reply; end a line with a backslash to go on to another line.
    """

    interactive = True

    def __init__(self, spec: PlayerSpec, console: Console | None = None) -> None:
        super().__init__("human")
        self.console = console or Console()
        self.shown: dict[tuple, int] = {}

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        return [self._one(r) for r in requests]

    def _one(self, request: Request) -> str | PlayerError:
        key = request.role_key
        start = self.shown.get(key, 0)
        for message in request.messages[start:]:
            if message["role"] != "assistant":
                title = {"system": "system", "tool": f"result of {message.get('name', 'your tool call')}"}.get(
                    message["role"], f"to you ({request.role})")
                # the game's text may quote other players: plain text, never markup or escapes
                self.console.print(Panel(plain(message["content"]), title=plain(title), title_align="left",
                                         border_style="cyan"))
        self.shown[key] = len(request.messages) + 1
        lines = []
        try:
            while True:
                line = self.console.input("[bold green]your reply> [/]" if not lines else "[green]...> [/]")
                if line.endswith("\\"):
                    lines.append(line[:-1])
                    continue
                lines.append(line)
                break
        except EOFError:
            return PlayerError("the human player closed the input")
        return "\n".join(lines)
