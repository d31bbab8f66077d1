"""Probe exchanges as training rows (``export --probes``), rebuilt from a record's events.

A game's ``probe ROLE "question"`` asks in context but keeps the exchange out of the role's later
history, so a record's ``messages`` never hold it; its events do. The ``ask`` event of a probe
(``"probe": true``) holds the message sent and ``prompt_messages``, the length of the role's
history at that moment; the ``reply`` events (``"probe": true``) the answers; a ``reprompt`` event
of the role before the next probe ask makes that ask a re-prompt inside the same probe. What the
role saw is the interpreter's ``messages_of``: its history up to ``prompt_messages`` (whose last
message, when it is a user message, the probe's message already repeats) and the exchange so far.

The history before a probe is read from the record's final conversation: messages are only ever
appended to it, except that a user message still unanswered can be merged with later ones, and
that one is the message a probe repeats and leaves out.

Rows made here carry ``"source": "probe"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .conversation import Message, replies_before, reply_indices, up_to_last_reply
from .kto import labelled_families
from .rows import Built, content_key
from .select import RoleView

SOURCE = "probe"


@dataclass(frozen=True)
class ProbeExchange:
    """One probe as the role saw it: its history then, and the exchange through its last reply."""

    messages: list[Message]
    start: int  # the index of the probe's first message in ``messages``
    at: int  # the role's history length when it was probed (``prompt_messages``)


def probe_exchanges(record: dict[str, Any], role: str) -> list[ProbeExchange]:
    """The probe exchanges of ``role`` in a record, in order; one the role never answered is left out."""
    history = list((record.get("messages") or {}).get(role) or [])
    out: list[ProbeExchange] = []
    current: list[Message] | None = None
    start = at = 0
    reprompted = False

    def close() -> None:
        if current is not None:
            kept = up_to_last_reply(current)
            if len(kept) > start:
                out.append(ProbeExchange(kept, start, at))

    for event in record.get("events") or []:
        if not isinstance(event, dict) or event.get("role") != role:
            continue
        kind = event.get("type")
        if kind == "ask":
            message = {"role": "user", "content": str(event.get("message") or "")}
            if event.get("probe") and current is not None and reprompted:
                current.append(message)  # a re-prompt inside the probe
            elif event.get("probe"):
                close()
                at = int(event.get("prompt_messages") or 0)
                before = history[:at]
                if before and before[-1].get("role") == "user":  # the probe's message repeats it
                    before = before[:-1]
                current, start = [*before, message], len(before)
            else:
                close()
                current = None
            reprompted = False
        elif kind == "reply" and event.get("probe") and current is not None:
            current.append({"role": "assistant", "content": str(event.get("text", ""))})
        elif kind == "reprompt":
            reprompted = True
    close()
    return out


def probe_sft_rows(views: list[RoleView]) -> Built:
    """One SFT row per probe exchange of each view: the role's history then and the exchange."""
    built = Built()
    for view in views:
        for exchange in probe_exchanges(view.episode.record, view.role):
            built.rows.append({"messages": exchange.messages, **view.metadata(), "source": SOURCE})
    built.counts["probe exchanges"] = len(built.rows)
    return built


def probe_kto_rows(views: list[RoleView], min_score: float | None = None) -> Built:
    """One KTO row per probe reply, labelled like the episode's other replies.

    A failed sibling's probes asked in the beginning it shares with a successful sibling are left
    out, as its replies there are (the same probe was asked, and answered alike, in the success).
    """
    built = Built()
    for family in labelled_families(views, min_score):
        seen: set[str] = set()
        for view, label, shared in family:
            for exchange in probe_exchanges(view.episode.record, view.role):
                if exchange.at < (shared or 0):
                    continue
                messages = exchange.messages
                for index in reply_indices(messages, exchange.start):
                    row = {"prompt": messages[:index], "completion": [messages[index]], "label": label,
                           **view.metadata(), "turn": replies_before(messages, index), "source": SOURCE}
                    k = content_key(row, ("prompt", "completion", "label"))
                    if k in seen:
                        continue
                    seen.add(k)
                    built.rows.append(row)
                    built.counts["probe replies"] += 1
    return built
