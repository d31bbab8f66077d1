"""`gamelang imagine`: personas, imagined dialogues, the critic pass, and the game's judgement of each."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gamelang.compiler import compile_file
from gamelang.players.base import Player, PlayerError
from gamelang.registry import resolve_game
from tests.conftest import compile_text
from trainers.imagine import (
    ImagineError,
    ImagineSettings,
    ImaginedTurn,
    load_prompts,
    parse_dialogue,
    parse_personas,
    replay_dialogue,
    run_imagine,
)


class Canned(Player):
    """An imaginer that answers each stage from its own list, in order, and keeps the prompts it saw."""

    def __init__(self, **stages: list[str]) -> None:
        super().__init__("canned")
        self.stages = {k: list(v) for k, v in stages.items()}
        self.prompts: dict[str, list[str]] = {}

    def respond(self, requests):
        out = []
        for r in requests:
            self.prompts.setdefault(r.role, []).append(r.messages[-1]["content"])
            queue = self.stages.get(r.role, [])
            out.append(queue.pop(0) if queue else PlayerError(f"no canned {r.role} left"))
        return out


@pytest.fixture
def shapes():
    return compile_file(resolve_game("shapes")).machine


def test_the_dialogue_format_is_read_robustly():
    text = ("Here is the episode:\n```\n**Speaker**: CLUE: the second one\n- listener: ANSWER: red\n"
            "circle\n\n[speaker]: more\n```\nEND\nspeaker: ignored")
    d = parse_dialogue(text, ["speaker", "listener"])
    assert d.problem is None
    assert d.turns == [ImaginedTurn("speaker", "CLUE: the second one"), ImaginedTurn("listener", "ANSWER: red\ncircle"),
                       ImaginedTurn("speaker", "more")]
    bad = parse_dialogue("I cannot write that.", ["speaker", "listener"])
    assert bad.turns == [] and "'speaker:'" in bad.problem
    assert parse_personas("Sure:\nPERSONA: a\n2. Persona: b\n- **PERSONA 3:** c\nnot one") == ["a", "b", "c"]


def test_replay_keeps_what_breaks_the_rules_with_the_reason(shapes):
    from gamelang.instances import load_instances

    inst = load_instances(shapes)[1]  # middle: a yellow circle
    ok = replay_dialogue(shapes, inst, [ImaginedTurn("speaker", "CLUE: the second one"),
                                        ImaginedTurn("listener", "ANSWER: yellow circle")])
    assert ok.env.outcome == "win" and ok.problem is None and ok.unused == 0
    order = replay_dialogue(shapes, inst, [ImaginedTurn("listener", "ANSWER: yellow circle")])
    assert order.env.outcome == "abort" and order.env.state.ended_by == "speaker"
    assert "is listener's, but the game asks speaker" in order.env.reason
    short = replay_dialogue(shapes, inst, [ImaginedTurn("speaker", "CLUE: the second one")])
    assert short.env.outcome == "abort" and "ends after 1 reply" in short.problem
    assert short.env.scores["reward"] == 0.0  # the game's own scoring of an abort


def test_imagined_episodes_reach_the_folder_judged_by_the_game(tmp_path, shapes):
    good = "speaker: CLUE: the {} one from the left\nlistener: ANSWER: {}"
    imaginer = Canned(
        personas=["PERSONA: a terse engineer\nPERSONA: a terse engineer", "PERSONA: a chatty teacher"],
        dialogue=[
            "speaker: CLUE: TARGET\nlistener: ANSWER: blue blob",  # revised by the critic below
            "speaker: CLUE: it is the {colour} one\nlistener: ANSWER: red circle",
            "listener: ANSWER: red circle",  # out of the game's turn order
            "no dialogue at all",  # malformed
        ],
        critic=["KEEP", "KEEP", "KEEP", "KEEP"],
    )
    critic = Canned(critic=["REVISED", "KEEP", "it is fine", "KEEP"])
    settings = ImagineSettings(out=tmp_path / "run", personas=2, outcomes=("win", "lose"), learner="listener", limit=3)
    from gamelang.instances import load_instances

    instances = {i.id: i for i in load_instances(shapes)[:3]}
    # the first job's instance is drawn from a seeded shuffle: make its revision a real win there
    from trainers.imagine import Imaginer

    order = Imaginer(shapes, imaginer, critic, settings, load_prompts(shapes)).jobs(["p"], list(instances.values()))
    first = order[0].instance
    ordinal = ["first", "second", "third"][first.data["target"]]
    answer = f"{first.data['colours'][first.data['target']]} {first.data['shapes'][first.data['target']]}"
    critic.stages["critic"][0] = good.format(ordinal, answer)
    second = order[1].instance.data
    colour = second["colours"][second["target"]]
    imaginer.stages["dialogue"][1] = imaginer.stages["dialogue"][1].replace("{colour}", colour)

    result = run_imagine([shapes], imaginer, settings, critic=critic)
    out = tmp_path / "run"
    personas = [json.loads(line) for line in (out / "personas.jsonl").read_text().splitlines()]
    assert [p["persona"] for p in personas] == ["a terse engineer", "a chatty teacher"]  # duplicate dropped
    assert all(p["roles"] == ["speaker"] for p in personas)
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert len(records) == 4 == result.records  # nothing dropped
    by = {r["episode"]: r for r in records}
    assert by[0]["outcome"] == "win" and by[0]["imagined"]["critic_note"] == "revised"
    assert by[0]["imagined"]["draft"].startswith("speaker: CLUE: TARGET") and by[0]["imagined"]["matched"]
    assert by[1]["outcome"] == "lose" and by[1]["ended_by"] == "speaker"  # the clue names the colour: a rule
    assert by[1]["reason"] == "the clue names the target's colour or shape"
    assert by[2]["outcome"] == "abort" and "but the game asks speaker" in by[2]["reason"]
    assert by[2]["imagined"]["critic_note"] == "the critic's answer was not a dialogue; the draft was kept"
    assert by[3]["outcome"] == "abort" and "could not be read" in by[3]["reason"]
    assert by[3]["imagined"]["problem"]
    for r in records:
        assert r["imagined"]["persona"] in {"a terse engineer", "a chatty teacher"}
        assert r["imagined"]["imaginer"] == "canned" and r["imagined"]["critic"] == "canned"
        assert r["simulated_roles"] == ["speaker"] and r["players"]["listener"] == "imagined:canned"
    assert [r["imagined"]["target"] for r in records] == ["win", "lose", "win", "lose"]
    # the critic saw the game's verdict on the draft
    assert "ended in a abort" in critic.prompts["critic"][0] or "ended in a lose" in critic.prompts["critic"][0]
    assert "a terse engineer" in imaginer.prompts["dialogue"][0]
    meta = json.loads((out / "run.json").read_text())
    assert meta["kind"] == "imagine" and meta["status"] == "complete"
    assert meta["games"]["shapes"]["prompts"] == {"personas": "default", "dialogue": "default", "critic": "default"}
    # score and export read the folder like any run
    from gamelang.runtime.runfolder import read_run

    assert len(read_run(out).latest()) == 4


PERSONA_GAME = """
game shop { version 1 }
instance { customer: str = "nobody" }
role clerk { intro "Sell tea." }
role user { persona customer intro "You are {{ persona }}. Order tea." }
move order by user = regex /^ORDER: (?P<item>\\w+)$/
move offer by clerk = regex /^OFFER: (?P<item>\\w+)$/
state s {
  ask user
  parse order else abort "no order"
  ask clerk
  parse offer else abort "no offer"
  if offer.item == order.item end win
  end lose "wrong item"
}
"""


def test_a_persona_role_gets_the_personas_in_its_field(tmp_path):
    machine = compile_text(PERSONA_GAME, tmp_path)
    (tmp_path / "imagine").mkdir()
    (tmp_path / "imagine" / "dialogue.j2").write_text("Customer: {{ persona }}; end in {{ outcome }}.")
    imaginer = Canned(personas=["PERSONA: a tired student"],
                      dialogue=["user: ORDER: tea\nclerk: OFFER: tea\nuser: thanks"])
    result = run_imagine([machine], imaginer, ImagineSettings(out=tmp_path / "run", personas=1, outcomes=("win",),
                                                              critic=False))
    record = json.loads((tmp_path / "run" / "episodes.jsonl").read_text())
    assert record["outcome"] == "win" and record["imagined"]["unused"] == 1  # the extra reply is counted, not used
    assert record["instance_data"]["customer"] == "a tired student"
    assert record["messages"]["user"][0]["content"].startswith("You are a tired student.")
    assert record["imagined"]["learner"] is None and record["imagined"]["critic"] is None
    assert imaginer.prompts["dialogue"] == ["Customer: a tired student; end in win."]  # the game's own template
    assert result.matched == 1


def test_bad_settings_and_templates_are_errors(tmp_path, shapes):
    with pytest.raises(ImagineError, match="name the learner with --learner"):
        run_imagine([shapes], Canned(), ImagineSettings(out=tmp_path / "a"))
    with pytest.raises(ImagineError, match="unknown target outcome draw"):
        run_imagine([shapes], Canned(), ImagineSettings(out=tmp_path / "a", outcomes=("win", "draw"),
                                                        learner="listener"))
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "critic.j2").write_text("{% macro m() %}{% endmacro %}")
    with pytest.raises(ImagineError, match=r"critic.j2:1: macros are not allowed"):
        load_prompts(shapes, prompts)
    (prompts / "critic.j2").write_text("{{ nothing_like_this }}")
    imaginer = Canned(personas=["PERSONA: p"], dialogue=["speaker: CLUE: x\nlistener: ANSWER: a b"])
    with pytest.raises(ImagineError, match="the critic prompt .* failed"):
        run_imagine([shapes], imaginer, ImagineSettings(out=tmp_path / "b", personas=1, outcomes=("win",),
                                                        learner="listener", prompts=prompts, limit=1))


def test_the_command(tmp_path):
    from gamelang.cli import app

    replies = tmp_path / "imaginer.json"
    replies.write_text(json.dumps({
        "personas": ["PERSONA: a terse engineer"],
        "dialogue": ["speaker: CLUE: the first one\nlistener: ANSWER: red circle",
                     "speaker: CLUE: oops"],
        "critic": ["KEEP", "KEEP"],
    }))
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(app, ["imagine", "shapes", "--model", f"replay:{replies}", "--personas", "1",
                                 "--outcomes", "win,lose", "--learner", "listener", "--limit", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 imagined episodes written" in result.output
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert records[1]["outcome"] == "abort" and "ends after 1 reply" in records[1]["reason"]
    again = runner.invoke(app, ["imagine", "shapes", "--model", f"replay:{replies}", "--learner", "listener",
                                "--out", str(out)])
    assert again.exit_code == 2 and "already holds episodes" in again.output
    none = runner.invoke(app, ["imagine", "shapes", "--model", f"replay:{replies}", "--out", str(tmp_path / "x")])
    assert none.exit_code == 2 and "--learner" in none.output


class Seeded(Player):
    """An imaginer whose dialogues depend only on each request's seed; it is interrupted (as by Ctrl-C)
    when asked for more than ``stop_after`` dialogues in all."""

    def __init__(self, stop_after: int | None = None) -> None:
        super().__init__("seeded")
        self.stop_after = stop_after
        self.asked: dict[str, int] = {}

    def respond(self, requests):
        import random

        stage = requests[0].role
        self.asked[stage] = self.asked.get(stage, 0) + len(requests)
        if stage == "dialogue" and self.stop_after is not None and self.asked[stage] > self.stop_after:
            raise KeyboardInterrupt
        if stage == "personas":
            return ["PERSONA: a terse engineer\nPERSONA: a chatty teacher"]
        answers = ["red circle", "blue square", "green triangle"]
        return [f"speaker: CLUE: the first one\nlistener: ANSWER: {random.Random(r.seed).choice(answers)}"
                for r in requests]


def _episodes(folder):
    return [json.loads(line) for line in (folder / "episodes.jsonl").read_text().splitlines()]


def test_an_interrupted_run_resumes_without_redoing_or_doubling_dialogues(tmp_path, shapes):
    def settings(out, **kw):
        return ImagineSettings(out=out, personas=2, outcomes=("win", "lose"), dialogues=3, learner="listener",
                               critic=False, limit=5, batch_size=4, **kw)

    whole = run_imagine([shapes], Seeded(), settings(tmp_path / "whole"))
    assert whole.records == 12
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):  # the third batch of four dialogues is never answered
        run_imagine([shapes], Seeded(stop_after=8), settings(out))
    assert len(_episodes(out)) == 8
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    with open(out / "episodes.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"schema": 1, "game": "shapes", "exp')  # a record torn by the interruption
    with pytest.raises(ImagineError, match="resume it with --resume"):
        run_imagine([shapes], Seeded(), settings(out))
    with pytest.raises(ImagineError, match="cannot resume: .*dialogues: 3 when the run started, 4 now"):
        run_imagine([shapes], Seeded(), ImagineSettings(out=out, personas=2, outcomes=("win", "lose"), dialogues=4,
                                                        learner="listener", critic=False, limit=5, resume=True))
    again = Seeded()
    result = run_imagine([shapes], again, settings(out, resume=True))
    assert (result.records, result.skipped) == (4, 8)
    assert again.asked == {"dialogue": 4}  # personas kept, only the missing dialogues asked for
    records = _episodes(out)
    keys = [(r["instance"], r["episode"]) for r in records]
    assert len(keys) == len(set(keys)) == 12
    expected = {(r["instance"], r["episode"]): (r["imagined"]["dialogue"], r["outcome"])
                for r in _episodes(tmp_path / "whole")}
    assert {(r["instance"], r["episode"]): (r["imagined"]["dialogue"], r["outcome"]) for r in records} == expected
    assert (out / "personas.jsonl").read_text() == (tmp_path / "whole" / "personas.jsonl").read_text()
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    done = run_imagine([shapes], Seeded(), settings(out, resume=True))
    assert (done.records, done.skipped) == (0, 12) and len(_episodes(out)) == 12


def test_the_command_resumes(tmp_path):
    from gamelang.cli import app

    replies = tmp_path / "imaginer.json"
    replies.write_text(json.dumps({"personas": ["PERSONA: a terse engineer"],
                                   "dialogue": ["speaker: CLUE: the first one\nlistener: ANSWER: red circle",
                                                "speaker: CLUE: oops"]}))
    runner = CliRunner()
    out = tmp_path / "run"
    args = ["imagine", "shapes", "--model", f"replay:{replies}", "--personas", "1", "--learner", "listener",
            "--limit", "2", "--no-critic", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args + ["--resume"])
    assert again.exit_code == 0, again.output
    assert "0 imagined episodes written" in again.output and "2 were already there" in again.output
    other = runner.invoke(app, args + ["--resume", "--seed", "4"])
    assert other.exit_code == 2 and "seed: 0 when the run started, 4 now" in other.output
