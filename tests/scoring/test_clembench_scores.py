"""Our games score as clembench scores them: the same replies give the same episode flags, request
counts and main score as clembench's game master and scorer (taboo, wordle, referencegame of
clembench 2.0 / clemcore 3.x), worked out by hand from clembench's rules for each case.

A new game adds its cases here (tests/helpers/clembench.py): a win, a loss, an abort and, where the
game has one, a re-prompt; differences that are on purpose are in the game's README.
"""

from __future__ import annotations

import pytest

from tests.helpers.clembench import Case, check_case

NAN = None  # clembench's NaN (the main score of an aborted episode)
WON = {"Aborted": 0, "Lose": 0, "Success": 1}
LOST = {"Aborted": 0, "Lose": 1, "Success": 0}
ABORTED = {"Aborted": 1, "Lose": 0, "Success": 0, "Main Score": NAN}


def requests(n: int, parsed: int | None = None) -> dict:
    parsed = n if parsed is None else parsed
    return {"Request Count": n, "Parsed Request Count": parsed, "Violated Request Count": n - parsed}


# taboo, high_en 0: target "winter", related cold, snow, season; 3 rounds. clembench's taboo scorer
# counts one request per round (describer and guesser together); gamelang counts each request,
# as clemcore's framework does (see games/taboo/README.md), so only the flags and scores are
# compared for taboo, and the counts are gamelang's.
CLUE = "CLUE: the time of year after autumn"
TABOO = [
    Case("win in the first round", [CLUE, "GUESS: winter"], {**WON, "Main Score": 100.0, **requests(2)}),
    Case("win in the second round, the guess in another case and with a full stop",
         [CLUE, "GUESS: summer", "CLUE: it brings frost and short days", "GUESS: Winter."],
         {**WON, "Main Score": 50.0}),
    Case("loss: not guessed in three rounds",
         [CLUE, "GUESS: summer", "CLUE: frost", "GUESS: autumn", "CLUE: short days", "GUESS: spring"],
         {**LOST, "Main Score": 0.0, **requests(6)}),
    Case("loss: the clue uses a form of a related word (snows: snow)", ["CLUE: it snows a lot then"],
         {**LOST, "Main Score": 0.0, **requests(1)}),
    Case("abort: the guesser does not answer GUESS:", [CLUE, "I think it is winter"],
         {**ABORTED, **requests(2, 1)}),
    Case("abort: the tag is case-sensitive (guess:)", [CLUE, "guess: winter"], ABORTED),
    Case("abort: the describer's tag is case-sensitive (Clue:)", ["Clue: the time of year after autumn"],
         {**ABORTED, **requests(1, 0)}),
]

# wordle, high_frequency_words_no_clue_no_critic 1: target "party"; 6 guesses; an unknown
# five-letter word is re-prompted at most 5 times (clembench's max_retry_per_error) and counts as
# a parsed request.
def w(guess: str, explanation: str = "e") -> str:
    return f"explanation: {explanation}\nguess: {guess}"


WORDLE = [
    Case("win at the first guess", [w("party")], {**WON, "Main Score": 100.0, **requests(1)}),
    Case("win, the guess tag and word in upper case", ["explanation: e\nGUESS: PARTY"], {**WON, "Main Score": 100.0}),
    Case("win on one line", ["explanation: a common word guess: party"], {**WON, "Main Score": 100.0}),
    Case("win at the fourth guess", [w("crane"), w("pilot"), w("those"), w("party")],
         {**WON, "Main Score": 50.0, **requests(4)}),
    Case("win at the sixth guess", [w("crane"), w("pilot"), w("those"), w("apple"), w("sloth"), w("party")],
         {**WON, "Main Score": 20.0, **requests(6)}),
    Case("loss: six valid guesses", [w("crane"), w("pilot"), w("those"), w("apple"), w("sloth"), w("crane")],
         {**LOST, "Main Score": 0.0, **requests(6)}),
    Case("re-prompt for an unknown word, then a win in the same round", [w("zzzzz"), w("party")],
         {**WON, "Main Score": 100.0, **requests(2)}),
    Case("re-prompt in the second round, a win in the third",
         [w("crane"), w("zzzzz"), w("pilot"), w("party")], {**WON, "Main Score": 100.0, **requests(4)}),
    Case("abort: six unknown words (five re-prompts); every request parsed", [w("zzzzz")] * 6,
         {**ABORTED, **requests(6)}),
    Case("abort: no explanation", ["guess: party"], {**ABORTED, **requests(1, 0)}),
    Case("abort: the explanation tag is case-sensitive", ["Explanation: e\nguess: party"],
         {**ABORTED, **requests(1, 0)}),
    Case("abort: a blank line makes three lines", ["explanation: e\n\nguess: party"], ABORTED),
    Case("abort: guess: twice", ["explanation: my guess: crane\nguess: party"], {**ABORTED, **requests(1, 0)}),
    Case("abort: the guess is not letters only", [w("crane"), w("par-y")], {**ABORTED, **requests(2, 1)}),
    Case("abort: the guess does not have five letters", [w("part")], {**ABORTED, **requests(1, 0)}),
]

# referencegame, letter_grids 0: the target is the follower's first grid ("first" or "1");
# clembench's strict mode: one line after each tag, any text after the label on its line.
EXPR = "Expression: the grid with two single holes"
REFERENCEGAME = [
    Case("win", [EXPR, "Answer: first"], {**WON, "Main Score": 100.0, **requests(2)}),
    Case("loss", [EXPR, "Answer: second"], {**LOST, "Main Score": 0.0, **requests(2)}),
    Case("win: a full stop after the label", [EXPR, "Answer: first."], {**WON, "Main Score": 100.0}),
    Case("loss: a word after the label", [EXPR, "Answer: second grid"], {**LOST, "Main Score": 0.0}),
    Case("win: a number and more text", [EXPR, "Answer: 1 ..."], {**WON, "Main Score": 100.0}),
    Case("loss: tags in lower case, label on the next line", ["expression: two holes", "answer:\nthird"],
         {**LOST, "Main Score": 0.0}),
    Case("abort: the giver has no tag", ["The grid with two single holes"], {**ABORTED, **requests(1, 0)}),
    Case("abort: the giver writes two paragraphs", ["Expression: two holes\n\nThe others have rows."],
         {**ABORTED, **requests(1, 0)}),
    Case("abort: the follower writes a second line", [EXPR, "Answer: first\nbecause it has holes"],
         {**ABORTED, **requests(2, 1)}),
    Case("abort: a word before the label", [EXPR, "Answer: the first"], {**ABORTED, **requests(2, 1)}),
    Case("abort: a curly quote before the label", [EXPR, "Answer: “first”"], ABORTED),
    Case("win: a repeated tag on the same line, the first label counts", [EXPR, "Answer: first Answer: second"],
         {**WON, "Main Score": 100.0}),
]

CASES = {"taboo": TABOO, "wordle": WORDLE, "referencegame": REFERENCEGAME}


@pytest.mark.parametrize("game, case", [(g, c) for g, cases in CASES.items() for c in cases],
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_clembench_scores_match_hand_worked_results(game, case):
    check_case(game, case)


def test_every_game_has_a_win_a_loss_and_an_abort():
    for game, cases in CASES.items():
        flags = [c.expected for c in cases]
        assert any(f.get("Success") == 1 for f in flags), game
        assert any(f.get("Lose") == 1 for f in flags), game
        assert any(f.get("Aborted") == 1 for f in flags), game
        assert len(cases) >= 5, game


def test_taboo_differences_are_those_its_readme_names():
    from tests.helpers.clembench import play_case

    # Unicode quotes are punctuation here (clembench: a wrong guess, the game goes on)
    assert play_case("taboo", Case("", [CLUE, "GUESS: “winter”"], {}))["outcome"] == "win"
    # a related word after a line break is caught (clembench splits the clue at spaces only)
    assert play_case("taboo", Case("", ["CLUE: the time of year\nsnow"], {}))["outcome"] == "lose"


def test_request_counts_of_events():
    from gamelang.scoring import clembench_scores, request_counts

    ask, ok, bad = {"type": "ask", "role": "p"}, {"type": "parse", "ok": True}, {"type": "parse", "ok": False}
    # a game that tries one move, then another (parse a else goto b): the reply was parsed
    assert request_counts([ask, bad, {"type": "state", "to": "b"}, ok]) == (1, 1, 0)
    # a format re-prompt is a violated request; the re-prompted reply that parses is not
    reprompt = {"type": "reprompt", "count": 1, "of": 2, "reason": "m: no match"}
    assert request_counts([ask, bad, reprompt, ask, ok]) == (2, 1, 1)
    # a rule that aborts at once (not re-prompted) makes the reply violated
    broken = {"type": "check", "expr": "len(w) == 5", "ok": False}
    end = {"type": "end", "outcome": "abort", "role": "p"}
    assert request_counts([ask, ok, broken, end]) == (1, 0, 1)
    # the re-prompted rule that finally gives up: still parsed (clembench's wordle)
    again = {"type": "reprompt", "count": 1, "of": 1, "reason": "check failed: len(w) == 5"}
    assert request_counts([ask, ok, broken, again, ask, ok, broken, end]) == (2, 2, 0)
    # an abort by the game itself (no role) breaks no reply
    assert request_counts([ask, ok, {"type": "end", "outcome": "abort"}]) == (1, 1, 0)
    assert clembench_scores("error", None, [ask]) is None
    assert clembench_scores("abort", 10.0, [ask, bad])["Main Score"] is None
