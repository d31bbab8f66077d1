"""A live transcript of an episode in the terminal, for `gamelang play`.

Everything a player or a game wrote is printed as plain text, never as rich markup (a reply
holding ``[/x]`` would otherwise crash the printer or restyle the screen), and with control
characters made visible (an ANSI or OSC escape in a reply must not reach the terminal).
"""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from .safetext import visible


def plain(text: object, style: str = "") -> Text:
    """Text for the terminal: never markup, control characters shown as escapes."""
    return Text(visible(str(text)), style=style)


class LiveTranscript:
    """Prints an episode's events as they happen.

    When people play some roles, only what those roles can see is shown (plus the game's
    verdicts), so that a human guesser does not read the describer's instructions.
    """

    def __init__(self, console: Console, visible_roles: set[str] | None = None) -> None:
        self.console = console
        self.visible = visible_roles  # None: show everything

    def _shows(self, role: str) -> bool:
        return self.visible is None or role in self.visible

    def on_event(self, event: dict) -> None:
        """Print one event (the episode's on_event callback)."""
        c = self.console
        kind = event["type"]
        if kind == "ask" and event.get("message") and self._shows(event["role"]) and self.visible is None:
            c.print(Panel(plain(event["message"]), title=plain(f"game → {event['role']}"), title_align="left",
                          border_style="cyan"))
        elif kind == "reply" and self._shows(event["role"]):
            c.print(Panel(plain(event["text"]), title=plain(event["role"]), title_align="left", border_style="green"))
        elif kind == "parse" and not event["ok"]:
            c.print(plain(f"  ✗ {event['move']}: {event['error']}", "red"))
        elif kind == "check" and not event["ok"]:
            c.print(plain(f"  ✗ check failed: {event['expr']}", "red"))
        elif kind == "reprompt":
            c.print(plain(f"  ↻ re-prompt {event['count']} of {event['of']}", "yellow"))
        elif kind == "state" and event.get("from") and self.visible is None:
            c.print(plain(f"  {event['from']} → {event['to']}", "dim"))
        elif kind == "tool_result" and self._shows(event["role"]):
            c.print(Panel(plain(event["text"]), title=plain(f"tool {event['name']} → {event['role']}"),
                          title_align="left", border_style="blue"))
        elif kind == "reward":
            c.print(plain(f"  reward {event['value']} to {event['role']}", "magenta"))
        elif kind == "error":
            c.print(plain(f"  error: {event['message']}", "bold red"))
