"""Token-level turns: exact ids, prefix extension, per-request seeds, shared models, OOM halving."""

from __future__ import annotations

import pytest

from gamelang.instances import make_instance
from gamelang.players import parse_spec
from gamelang.players.chat import Generated, TokenChatPlayer
from gamelang.players.hf import HFPlayer
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine
from gamelang.testing import CHATTER_GAME
from gamelang.turns import Sampling
from tests.conftest import compile_text

@pytest.fixture(scope="module")
def chatter(tmp_path_factory):
    return compile_text(CHATTER_GAME, tmp_path_factory.mktemp("chatter"))


def jobs(machine, n: int) -> list[EpisodeJob]:
    return [EpisodeJob(machine, make_instance(machine, {"topic": f"topic {i}"}, i), 0, 1000 + i) for i in range(n)]


def play(machine, spec: str, n: int, concurrency: int, learner: str | None = "a", **engine_options):
    assignment = Assignment(default=parse_spec(spec))
    try:
        rollouts = RolloutEngine(assignment, **engine_options).play(jobs(machine, n), learner=learner,
                                                                    concurrency=concurrency)
    finally:
        assignment.close()
    return sorted(rollouts, key=lambda r: r.record["instance"])


def replies(rollout) -> list[str]:
    return [e["text"] for e in rollout.record["events"] if e["type"] == "reply"]


def test_sampling_does_not_depend_on_the_batch(chatter, tiny_model):
    spec = f"hf:{tiny_model}?temperature=1.0"
    alone = play(chatter, spec, 8, concurrency=1)
    together = play(chatter, spec, 8, concurrency=8)
    assert [replies(r) for r in alone] == [replies(r) for r in together]
    assert len({tuple(replies(r)) for r in together}) > 1, "different episodes sample different replies"


def test_the_game_parses_exactly_the_text_the_sampled_ids_decode_to(chatter, tiny_model):
    [rollout] = play(chatter, f"hf:{tiny_model}?temperature=1.0", 1, concurrency=1)
    player = HFPlayer(parse_spec(f"hf:{tiny_model}"))
    tok = player.tokenizer
    turns = rollout.env.state.tokens
    assert len(turns) == 6
    for turn, event in zip(turns, [e for e in rollout.record["events"] if e["type"] == "reply"], strict=True):
        body = turn.token_ids[:-1] if turn.finish_reason == "stop" else turn.token_ids
        assert tok.decode(list(body), skip_special_tokens=False) == turn.text == event["text"]
        assert event["tokens"] == len(turn.token_ids) and event["finish_reason"] == turn.finish_reason
        assert len(turn.logprobs) == len(turn.token_ids) and all(lp <= 0 for lp in turn.logprobs)
        assert len(turn.token_ids) <= 12  # the game's reply_tokens bound the reply in tokens
    player.close()


def test_a_turn_extends_the_ids_that_were_sampled_and_the_stream_masks_the_rest(chatter, tiny_model):
    [rollout] = play(chatter, f"hf:{tiny_model}?temperature=1.0", 1, concurrency=1)
    player = HFPlayer(parse_spec(f"hf:{tiny_model}"))
    stream = rollout.tokens
    a_turns = [t for t in rollout.env.state.tokens if t.role == "a"]
    assert stream.complete and stream.turns == 3 and all(t.extends for t in a_turns[1:])
    assert sum(stream.mask) == sum(len(t.token_ids) for t in a_turns)
    assert len(stream.mask) == len(stream.completion_ids) == len(stream.logprobs)
    sampled = [i for i, m in zip(stream.completion_ids, stream.mask) if m]
    assert sampled == [i for t in a_turns for i in t.token_ids]
    # the whole stream decodes to the chat template's rendering of the conversation: a stable prefix
    conversation = rollout.record["messages"]["a"]
    last = a_turns[-1]
    expected = player.render(conversation[:last.messages]) + last.text
    if last.finish_reason == "stop":
        expected += player.tokenizer.eos_token
    assert player.tokenizer.decode(stream.prompt_ids + stream.completion_ids, skip_special_tokens=False) == expected
    player.close()


UNSTABLE_TEMPLATE = (  # drops every message but the last two: the history is not a stable prefix
    "{% for message in messages[-2:] %}{{ '<|' + message['role'] + '|>\n' + message['content'] + '</s>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def test_a_template_that_rewrites_history_is_refused_clearly_or_re_rendered(chatter, tiny_model, tmp_path):
    template = tmp_path / "unstable.jinja"
    template.write_text(UNSTABLE_TEMPLATE)
    spec = f"hf:{tiny_model}?temperature=1.0&chat_template={template}"
    [rollout] = play(chatter, spec, 1, concurrency=1)
    assert rollout.record["outcome"] == "error"
    assert "does not render the conversation as a stable prefix" in rollout.record["reason"]
    assert str(tiny_model) in rollout.record["reason"] and "?tokens=render" in rollout.record["reason"]
    [rendered] = play(chatter, spec + "&tokens=render", 1, concurrency=1)
    assert rendered.record["outcome"] == "win"
    assert not rendered.tokens.complete  # each turn was tokenised afresh


def test_one_loaded_model_serves_several_sampling_settings(tiny_model):
    greedy = HFPlayer(parse_spec(f"hf:{tiny_model}?temperature=0"))
    hot = HFPlayer(parse_spec(f"hf:{tiny_model}?temperature=1"))
    assert greedy.model is hot.model
    greedy.close(), hot.close()


def test_requests_carry_sampling_overrides(chatter, tiny_model):
    spec = f"hf:{tiny_model}?temperature=1.0"
    hot = play(chatter, spec, 2, concurrency=2)
    cold = play(chatter, spec, 2, concurrency=2, sampling={"a": Sampling(temperature=0.0), "b": Sampling(temperature=0.0)})
    assert len({tuple(replies(r)[:1]) for r in cold}) == 1, "greedy: every episode starts alike"
    assert [replies(r) for r in hot] != [replies(r) for r in cold]


class _FakeTokenizer:
    eos_token_id = 0
    pad_token_id = 0

    def apply_chat_template(self, messages, add_generation_prompt, tokenize, chat_template=None):
        return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) % 250 + 1 for c in text]}

    def decode(self, ids, skip_special_tokens=False):
        return "".join(chr(i + 96) for i in ids if i)  # the end of text (0) renders as nothing


def test_a_batch_that_runs_out_of_memory_is_halved_and_retried(chatter):
    sizes: list[int] = []

    def backend(rows):
        sizes.append(len(rows))
        if len(rows) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [Generated([1, 2, 0], [-0.1, -0.2, -0.3], "stop") for _ in rows]

    player = TokenChatPlayer("fake", _FakeTokenizer(), backend, owner="fake", batch_size=8)
    rollouts = RolloutEngine(Assignment(default=player)).play(jobs(chatter, 8), concurrency=8)
    assert all(r.record["outcome"] == "win" for r in rollouts)
    assert sizes[:7] == [8, 4, 2, 2, 4, 2, 2]
    assert replies(rollouts[0])[0] == "ab"


def test_prompts_are_sorted_by_length_before_batching(chatter):
    seen: list[list[int]] = []

    def backend(rows):
        seen.append([len(r.prompt_ids) for r in rows])
        return [Generated([1, 0], None, "stop") for _ in rows]

    player = TokenChatPlayer("fake", _FakeTokenizer(), backend, owner="fake", batch_size=2)
    machine = chatter
    long_and_short = [EpisodeJob(machine, make_instance(machine, {"topic": "x" * n}, n), 0, n) for n in (1, 50, 5, 30)]
    RolloutEngine(Assignment(default=player)).play(long_and_short, concurrency=4)
    assert seen[0] == sorted(seen[0], reverse=True) and seen[0][0] == max(seen[0] + seen[1])
