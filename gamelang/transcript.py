"""Transcripts: a run's episodes as one self-contained HTML page.

Each episode shows its header (game, experiment, instance, players, outcome, scores) and then,
in order, what the game told each role, what each role replied, and what the game made of it
(parses, checks, state changes, rewards, the end). All text is escaped: model text is shown,
never interpreted.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table.index { border-collapse: collapse; margin-bottom: 2em; }
table.index td, table.index th { border-bottom: 1px solid #ddd; padding: .2em .6em; text-align: left; }
.episode { border: 1px solid #ccc; border-radius: 6px; padding: 1em; margin: 1.5em 0; }
.meta { color: #555; font-size: .9em; }
.msg { white-space: pre-wrap; padding: .5em .8em; border-radius: 6px; margin: .4em 0; max-width: 85%; }
.to { background: #eef3fb; }
.reply { background: #f0f7ea; margin-left: 15%; }
.game { color: #666; font-size: .85em; margin: .2em 0 .2em 1em; font-family: monospace; }
.bad { color: #a33; }
.outcome-win { color: #2a7a2a; } .outcome-lose { color: #a35a00; }
.outcome-abort { color: #666; } .outcome-error { color: #b00; }
.who { font-weight: bold; font-size: .8em; color: #444; }
</style></head><body>
<h1>{{ title }}</h1>
<table class="index"><tr><th>#</th><th>game</th><th>experiment</th><th>instance</th><th>episode</th>
<th>outcome</th><th>main</th></tr>
{% for e in episodes %}<tr><td><a href="#e{{ loop.index }}">{{ loop.index }}</a></td><td>{{ e.game }}</td>
<td>{{ e.experiment }}</td><td>{{ e.instance }}</td><td>{{ e.episode }}</td>
<td class="outcome-{{ e.outcome }}">{{ e.outcome }}</td><td>{{ e.main }}</td></tr>
{% endfor %}</table>
{% for e in episodes %}
<section class="episode" id="e{{ loop.index }}">
<h2>{{ e.game }} · {{ e.experiment }} · instance {{ e.instance }} · episode {{ e.episode }}</h2>
<p class="meta">players: {% for role, p in e.players.items() %}{{ role }} = {{ p }}{% if not loop.last %}, {% endif %}{% endfor %}<br>
outcome: <b class="outcome-{{ e.outcome }}">{{ e.outcome }}</b>{% if e.reason %} ({{ e.reason }}){% endif %}<br>
scores: {{ e.scores }}</p>
{% for item in e.entries %}
{% if item.kind == "to" %}<div class="who">game → {{ item.role }}</div><div class="msg to">{{ item.text }}</div>
{% elif item.kind == "reply" %}<div class="who" style="margin-left:15%">{{ item.role }}</div><div class="msg reply">{{ item.text }}</div>
{% else %}<div class="game {{ 'bad' if item.bad }}">{{ item.text }}</div>{% endif %}
{% endfor %}
</section>
{% endfor %}
</body></html>
"""


def _items(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of an episode as display items."""
    items: list[dict[str, Any]] = []
    system = {role: msgs[0]["content"] for role, msgs in record.get("messages", {}).items()
              if msgs and msgs[0]["role"] == "system"}
    for role, text in system.items():
        items.append({"kind": "to", "role": f"{role} (system)", "text": text})
    for ev in record.get("events", []):
        t = ev.get("type")
        if t == "ask":
            if ev.get("message"):
                items.append({"kind": "to", "role": ev["role"], "text": ev["message"]})
        elif t == "reply":
            text = ev.get("text", "")
            if ev.get("truncated"):
                text += f"\n[cut from {ev['truncated']} characters]"
            items.append({"kind": "reply", "role": ev["role"], "text": text})
        elif t == "parse":
            if ev.get("ok"):
                items.append({"kind": "game", "text": f"parsed {ev['move']}: {json.dumps(ev.get('value'))}"})
            else:
                items.append({"kind": "game", "bad": True, "text": f"{ev['move']} did not parse: {ev.get('error')}"})
        elif t == "check" and not ev.get("ok"):
            items.append({"kind": "game", "bad": True, "text": f"check failed: {ev['expr']}"})
        elif t == "reprompt":
            items.append({"kind": "game", "bad": True, "text": f"re-prompt {ev['count']} of {ev['of']}"})
        elif t == "state" and ev.get("from"):
            items.append({"kind": "game", "text": f"state {ev['from']} → {ev['to']}"})
        elif t == "tool_result":
            items.append({"kind": "to", "role": f"{ev['role']} (tool {ev.get('name')})", "text": ev.get("text", "")})
        elif t == "reward":
            items.append({"kind": "game", "text": f"reward {ev['value']} to {ev['role']}"})
        elif t == "end":
            reason = f": {ev['reason']}" if ev.get("reason") else ""
            items.append({"kind": "game", "text": f"end: {ev['outcome']}{reason}"})
        elif t == "error":
            items.append({"kind": "game", "bad": True, "text": f"error: {ev.get('message')}"})
    return items


def render_html(records: list[dict[str, Any]], title: str = "gamelang transcripts") -> str:
    """One HTML page with every episode's transcript."""
    env = Environment(autoescape=True)  # our own template; all record text is escaped
    episodes = []
    for r in records:
        scores = r.get("scores") or {}
        shown = {k: scores.get(k) for k in ("main", "reward") if k in scores}
        shown.update(scores.get("metrics") or {})
        episodes.append({
            "game": r.get("game"), "experiment": r.get("experiment"), "instance": r.get("instance"),
            "episode": r.get("episode"), "players": r.get("players", {}), "outcome": r.get("outcome"),
            "reason": r.get("reason"), "main": scores.get("main"), "scores": json.dumps(shown),
            "entries": _items(r),
        })
    return env.from_string(_PAGE).render(title=title, episodes=episodes)
