"""booking (ToolWOZ-like): its 40 instances, the tools answer from the instance's database, each goal
call pays its share once, format breaks re-prompt then abort, and the export of a run.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import json

from tests.games._goal import instance, instances, machine, play, play_with

GAME = "booking"
# single_00: a moderate italian restaurant in the north (The Silver Kettle), 3 people, friday, 19:00
HELLO = "I would like a moderate italian restaurant in the north for 3 people on friday at 19:00."
SEARCH = '{"name": "search_restaurants", "arguments": {"area": "north", "food": "italian", "price": "moderate"}}'
BOOK = ('{"name": "book_restaurant", "arguments": {"name": "The Silver Kettle", "people": 3, "day": "friday", '
        '"time": "19:00"}}')


def test_40_instances_in_two_experiments():
    assert len(instances(GAME)) == 40
    assert {i.experiment for i in instances(GAME)} == {"single", "multi"}


def test_every_goal_has_exactly_one_right_booking_in_the_database():
    for inst in instances(GAME):
        d, g = inst.data, inst.data["goal"]
        r = g["restaurant"]
        assert [x["name"] for x in d["restaurants"] if (x["area"], x["food"], x["price"]) == (
            r["area"], r["food"], r["price"])] == [r["name"]]
        h = g["hotel"]
        assert [x["name"] for x in d["hotels"] if (x["area"], x["stars"], x["price"]) == (
            h["area"], h["stars"], h["price"])] == [h["name"]]
        t = g["train"]
        route = sorted((x for x in d["trains"] if (x["departure"], x["destination"], x["day"]) == (
            t["departure"], t["destination"], t["day"]) and x["leave"] >= t["leave_after"]), key=lambda x: x["leave"])
        assert route[0]["id"] == t["train_id"]


def test_the_user_is_simulated_from_its_goal_and_the_agent_sees_the_tools():
    env = play_with(GAME, "single_00", {})
    record = env.record()
    assert record["simulated_roles"] == ["user"]
    user = record["messages"]["user"]
    assert user[0]["role"] == "system" and "moderate italian restaurant in the north" in user[0]["content"]
    agent = record["messages"]["agent"]
    for tool in ("search_restaurants", "book_restaurant", "search_hotels", "book_hotel", "search_trains", "book_train"):
        assert f"- {tool}: " in agent[0]["content"]
    assert machine(GAME).roles["user"].persona == "user_goal"


def test_a_search_answers_from_the_instance_database():
    env = play(GAME, [HELLO, SEARCH, '{"name": "search_restaurants", "arguments": {"area": "north", "food": "Italian"}}',
                      '{"name": "search_trains", "arguments": {"departure": "nowhere", "destination": "x", "day": "friday"}}',
                      "Sorry, I must stop here.", "Bye. [DONE]"], "single_00")
    results = [m for m in env.record()["messages"]["agent"] if m["role"] == "tool"]
    assert [r["name"] for r in json.loads(results[0]["content"])] == ["The Silver Kettle"]
    names = {r["name"] for r in json.loads(results[1]["content"])}
    assert names == {"The Silver Kettle", "The Copper Spoon"}  # the other northern italian one is expensive
    assert json.loads(results[2]["content"]) == []
    assert env.outcome == "lose" and env.scores["main"] == 0 and env.scores["reward"] == 0


def test_the_right_booking_pays_once_and_the_user_done_wins():
    env = play(GAME, [HELLO, SEARCH, BOOK, "Booked: The Silver Kettle, reference R1130.", "Thanks! [DONE]"], "single_00")
    assert env.outcome == "win" and env.scores["main"] == 100 and env.scores["reward"] == 1
    assert env.scores["partial_rewards"][0]["key"] == "book_restaurant"
    assert env.scores["metrics"]["goal_calls"] == 1


def test_a_wrong_booking_does_not_pay_and_a_domain_is_booked_once():
    wrong = BOOK.replace('"people": 3', '"people": 4')
    env = play(GAME, [HELLO, wrong, BOOK, "Booked.", "Thanks. [DONE]"], "single_00")
    results = [m["content"] for m in env.record()["messages"]["agent"] if m["role"] == "tool"]
    assert json.loads(results[0])["booked"] is True
    assert "already booked" in results[1]
    assert env.outcome == "lose" and env.scores["main"] == 0 and env.scores["partial_rewards"] == []
    assert env.scores["metrics"]["wrong_bookings"] == 1


def test_a_booking_of_an_unknown_name_is_an_error_result_not_a_booking():
    env = play(GAME, [HELLO, BOOK.replace("Silver Kettle", "Ritz"), BOOK, "Done.", "Thanks. [DONE]"], "single_00")
    results = [m["content"] for m in env.record()["messages"]["agent"] if m["role"] == "tool"]
    assert "no restaurant called The Ritz" in results[0]
    assert env.outcome == "win"


def test_share_of_goal_calls_when_the_user_leaves_early():
    # multi_00: a restaurant and a hotel; only the restaurant is booked
    g = instance(GAME, "multi_00").data["goal"]["restaurant"]
    book = json.dumps({"name": "book_restaurant", "arguments": {k: g[k] for k in ("name", "people", "day", "time")}})
    env = play(GAME, ["A table please.", book, "Booked the table.", "I have to go. [DONE]"], "multi_00")
    assert env.outcome == "lose" and env.scores["main"] == 50 and env.scores["reward"] == 0.5
    assert "1 of 2 goal calls" in env.reason


def test_a_malformed_tool_call_is_reprompted_twice_then_aborts():
    bad = '{"name": "book_restaurant", "arguments": {"name": "The Silver Kettle"}}'
    env = play(GAME, [HELLO, bad, bad, bad], "single_00")
    assert env.outcome == "abort" and env.scores["main"] is None
    assert [e["type"] for e in env.events].count("reprompt") == 2
    env = play(GAME, [HELLO, '{"name": "book_a_table", "arguments": {}}', BOOK, "Done.", "Thanks [DONE]"], "single_00")
    assert env.outcome == "win"


def test_empty_replies_are_reprompted_then_abort():
    assert play(GAME, ["", "", ""], "single_00").outcome == "abort"
    assert play(GAME, [HELLO, " ", "", "  "], "single_00").outcome == "abort"


def test_a_native_tool_call_shape_is_read():
    openai_shape = json.dumps({"id": "c1", "type": "function", "function": {"name": "book_restaurant",
                              "arguments": json.dumps({"name": "The Silver Kettle", "people": 3, "day": "Friday",
                                                       "time": "19:00"})}})
    env = play(GAME, [HELLO, openai_shape, "Booked.", "Thanks! [DONE]"], "single_00")
    assert env.outcome == "win"


def test_a_run_of_the_reference_players_exports_the_agent_as_the_learner(tmp_path):
    from gamelang.data.export import ExportOptions, export
    from gamelang.runtime.run import RunSettings, execute
    from gamelang.runtime.runfolder import read_run

    execute([machine(GAME)], RunSettings(out=tmp_path / "run", concurrency=8))
    records = list(read_run(tmp_path / "run").latest().values())
    assert len(records) == 40 and {r["outcome"] for r in records} == {"win"}
    rows = export([tmp_path / "run"], ExportOptions("sft")).rows
    assert len(rows) == 40 and {r["role"] for r in rows} == {"agent"}   # the simulated user is left out
    messages = rows[0]["messages"]
    assert messages[2]["tool_calls"][0]["function"]["name"] == "search_restaurants"
    assert messages[3]["role"] == "tool"


def test_a_person_plays_the_agent_with_the_tools_listed_and_their_results_shown():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "gamelang", "play", "booking", "--human", "agent"],
                          input="\n".join([SEARCH, BOOK, "Booked: The Silver Kettle."]) + "\n", capture_output=True,
                          text=True, cwd=root, env={"COLUMNS": "250", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    for tool in ("search_restaurants", "book_restaurant", "search_hotels", "book_hotel", "search_trains", "book_train"):
        assert f"- {tool}: " in proc.stdout
    assert "result of search_restaurants" in proc.stdout and "The Silver Kettle" in proc.stdout
    assert "result of book_restaurant" in proc.stdout
    assert "outcome: win" in proc.stdout
