"""Comparing and cutting conversations (lists of chat messages) for dataset rows.

Messages are kept as the records hold them (``{"role", "content"}``, and any tool-call fields a
player wrote), so that a chat template sees exactly what the player saw.
"""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]

ASSISTANT = "assistant"


def is_assistant(message: Message) -> bool:
    """Whether a message is one of the player's own turns."""
    return message.get("role") == ASSISTANT


def up_to_last_reply(messages: list[Message]) -> list[Message]:
    """The conversation cut after its last assistant turn (empty when the role never replied).

    What the game said after the last reply (a final message, or a prompt the player failed to
    answer) teaches nothing and would make the row end on a turn that is not trained on.
    """
    for index in range(len(messages) - 1, -1, -1):
        if is_assistant(messages[index]):
            return messages[: index + 1]
    return []


def shared_prefix_length(a: list[Message], b: list[Message]) -> int:
    """How many leading messages two conversations have in common (equal in every field)."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def reply_indices(messages: list[Message], start: int = 0) -> list[int]:
    """Positions of the assistant turns at or after ``start`` that follow a prompt.

    A reply is trainable only after a non-assistant message: that is where a player is asked.
    """
    return [i for i in range(max(start, 1), len(messages))
            if is_assistant(messages[i]) and not is_assistant(messages[i - 1])]


def replies_before(messages: list[Message], index: int) -> int:
    """How many assistant turns come before ``index`` (the 0-based number of the turn at ``index``)."""
    return sum(is_assistant(m) for m in messages[:index])
