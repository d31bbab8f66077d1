"""A live transcript of an episode in the terminal, for `gamelang play`."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text


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
            c.print(Panel(Text(event["message"]), title=f"game → {event['role']}", title_align="left",
                          border_style="cyan"))
        elif kind == "reply" and self._shows(event["role"]):
            c.print(Panel(Text(event["text"]), title=event["role"], title_align="left", border_style="green"))
        elif kind == "parse" and not event["ok"]:
            c.print(f"[red]  ✗ {event['move']}: {event['error']}[/]")
        elif kind == "check" and not event["ok"]:
            c.print(f"[red]  ✗ check failed: {event['expr']}[/]")
        elif kind == "reprompt":
            c.print(f"[yellow]  ↻ re-prompt {event['count']} of {event['of']}[/]")
        elif kind == "state" and event.get("from") and self.visible is None:
            c.print(f"[dim]  {event['from']} → {event['to']}[/]")
        elif kind == "reward":
            c.print(f"[magenta]  reward {event['value']} to {event['role']}[/]")
        elif kind == "error":
            c.print(f"[bold red]  error: {event['message']}[/]")
