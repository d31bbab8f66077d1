"""Our games score as clembench scores them: the same replies give the same episode flags, request
counts and main score as clembench's game master and scorer (the nine clembench games of
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
# as clemcore's framework does (see games/taboo/README.md): `expected` holds gamelang's counts,
# `per_round` clembench's.
CLUE = "CLUE: the time of year after autumn"
TABOO = [
    Case("win in the first round", [CLUE, "GUESS: winter"], {**WON, "Main Score": 100.0, **requests(2)},
         per_round=requests(1)),
    Case("win in the second round, the guess in another case and with a full stop",
         [CLUE, "GUESS: summer", "CLUE: it brings frost and short days", "GUESS: Winter."],
         {**WON, "Main Score": 50.0}),
    Case("loss: not guessed in three rounds",
         [CLUE, "GUESS: summer", "CLUE: frost", "GUESS: autumn", "CLUE: short days", "GUESS: spring"],
         {**LOST, "Main Score": 0.0, **requests(6)}, per_round=requests(3)),
    Case("loss: the clue uses a form of a related word (snows: snow)", ["CLUE: it snows a lot then"],
         {**LOST, "Main Score": 0.0, **requests(1)}),
    Case("abort: the guesser does not answer GUESS:", [CLUE, "I think it is winter"],
         {**ABORTED, **requests(2, 1)}, per_round=requests(1, 0)),
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

# guesswhat, Level_1 0: target "Pepsi" among Copper, Lead, Pepsi, Lemonade, Carbon, Gold, Chair,
# Dresser; 8 turns. Main score: 100 up to 5 turns (clembench's 4 + 1 for every level), then
# 100 * (8 - turns) / 3. clembench's guesswhat scorer counts one request per round (a question
# and its answer, or the guess), violated when the round broke a rule: that is `per_round`;
# gamelang counts each request (`expected`), as for taboo (games/guesswhat/README.md).
Q = "QUESTION: Is the target word something you can drink?"
YES, NO = "ANSWER: yes", "ANSWER: No."


def qa(n: int) -> list[str]:
    return [Q, NO] * n


GUESSWHAT = [
    Case("win at the first turn", ["GUESS: Pepsi"], {**WON, "Main Score": 100.0, **requests(1)},
         per_round=requests(1)),
    Case("win in four turns, the guess in lower case with a full stop", [Q, YES, Q, "ANSWER: Yes.", Q, YES,
         "GUESS: pepsi."], {**WON, "Main Score": 100.0, **requests(7)}, per_round=requests(4)),
    Case("win in six turns", qa(5) + ["GUESS: Pepsi"], {**WON, "Main Score": 200 / 3, **requests(11)},
         per_round=requests(6)),
    Case("win in seven turns", qa(6) + ["GUESS: Pepsi"], {**WON, "Main Score": 100 / 3, **requests(13)},
         per_round=requests(7)),
    Case("win in the eighth turn scores 0", qa(7) + ["GUESS: Pepsi"], {**WON, "Main Score": 0.0},
         per_round=requests(8)),
    Case("loss: a wrong guess", [Q, YES, "GUESS: Lemonade"], {**LOST, "Main Score": 0.0, **requests(3)},
         per_round=requests(2)),
    Case("loss: eight questions and no guess", qa(8), {**LOST, "Main Score": 0.0, **requests(16)},
         per_round=requests(8)),
    Case("abort: the guesser uses no tag", ["Is it a drink?"], {**ABORTED, **requests(1, 0)},
         per_round=requests(1, 0)),
    Case("abort: the answerer says maybe", [Q, "ANSWER: maybe"], {**ABORTED, **requests(2, 1)},
         per_round=requests(1, 0)),
    Case("abort: a question about the letters", ["QUESTION: Does the target word start with the letter P?"],
         {**ABORTED, **requests(1, 0)}),
    Case("abort: text after the question mark", ["QUESTION: Is it a drink? Or a metal?"], ABORTED),
    Case("abort: a guess of two words", [Q, YES, "GUESS: Pepsi Cola"], {**ABORTED, **requests(3, 2)},
         per_round=requests(2, 1)),
]

# imagegame, compact_grids 0: a diagonal of B and a bottom row of B (9 filled cells). Main score:
# F1 of the filled cells of the last grid x 100, rounded (clembench rounds precision and recall to
# 4 places first); won at F1 >= 99. clembench's imagegame scorer counts every event it logged in a
# round as a request (the message to a player, the reply, its own notes: three per request), so
# its request counts are not compared; gamelang's, per request, are (games/imagegame/README.md).
GRID = "▢ ▢ ▢ ▢ B\n▢ ▢ ▢ B ▢\n▢ ▢ B ▢ ▢\n▢ B ▢ ▢ ▢\nB B B B B"
EMPTY_ROWS = "▢ ▢ ▢ ▢ ▢\n" * 4
BOTTOM = EMPTY_ROWS + "B B B B B"           # precision 1, recall 5/9: F1 0.7143
EXTRA = "B ▢ ▢ ▢ ▢\n" + "▢ ▢ ▢ ▢ ▢\n" * 3 + "B B B B B"  # precision 5/6, recall 5/9: F1 0.6667
C1, C2, DONE = "Command: fill the bottom row with B", "Command: draw a diagonal of B", "Command: DONE"
IMAGEGAME = [
    Case("win with one command", [C1, GRID, DONE], {**WON, "Main Score": 100.0, **requests(3)}),
    Case("win with two commands, done in lower case", [C1, BOTTOM, C2, GRID, "command: done"],
         {**WON, "Main Score": 100.0, **requests(5)}),
    Case("loss: part of the grid", [C1, BOTTOM, DONE], {**LOST, "Main Score": 71.0, **requests(3)}),
    Case("loss: part of the grid and a wrong cell", [C1, EXTRA, DONE], {**LOST, "Main Score": 67.0}),
    Case("loss: DONE at once", [DONE], {**LOST, "Main Score": 0.0, **requests(1)}),
    Case("loss: an empty grid keeps the scores of the round before", [C1, BOTTOM, C2, EMPTY_ROWS + "▢ ▢ ▢ ▢ ▢", DONE],
         {**LOST, "Main Score": 71.0, **requests(5)}),
    Case("abort: the giver has no Command: label", ["Fill the bottom row with B"], {**ABORTED, **requests(1, 0)}),
    Case("abort: the giver writes two lines", [C1 + "\n" + C2], {**ABORTED, **requests(1, 0)}),
    Case("abort: the follower adds text to the grid", [C1, GRID + "\nDone!"], {**ABORTED, **requests(2, 1)}),
]

# codenames: 9 team words; clembench's strict instances (no re-prompts), one request per reply,
# violated when it breaks the format or a rule. Main score: 100 for a win, 0 for a loss.
CODENAMES = [
    Case("win in three rounds (risk_low 0)",
         ["CLUE: zephyr\nTARGETS: revolution, board, chick", "GUESS: revolution, board, chick",
          "CLUE: quixotic\nTARGETS: witch, force, bridge", "GUESS: witch, force, bridge",
          "TARGETS: maple, contract, bed\nCLUE: halcyon", "GUESS: Maple, contract, bed."],
         {**WON, "Main Score": 100.0, **requests(6)}),
    Case("loss: the assassin (risk_high 0)", ["CLUE: breeze\nTARGETS: wind", "GUESS: bill"],
         {**LOST, "Main Score": 0.0, **requests(2)}, experiment="risk_high", instance="0"),
    Case("loss: the other team uncovers its last word at the start of a round; clembench ends the game "
         "after the cluegiver's next reply (opponent_difficult 0: two words a round)",
         ["CLUE: zephyr\nTARGETS: pants", "GUESS: opera", "CLUE: quixotic\nTARGETS: cycle", "GUESS: plot",
          "CLUE: halcyon\nTARGETS: nut", "GUESS: hood", "CLUE: nebulous\nTARGETS: pitch"],
         {**LOST, "Main Score": 0.0, **requests(7)}, experiment="opponent_difficult", instance="0"),
    Case("abort: the cluegiver's reply after the other team won breaks the format",
         ["CLUE: zephyr\nTARGETS: pants", "GUESS: opera", "CLUE: quixotic\nTARGETS: cycle", "GUESS: plot",
          "CLUE: halcyon\nTARGETS: nut", "GUESS: hood", "nebulous, pitch"],
         {**ABORTED, **requests(7, 6)}, experiment="opponent_difficult", instance="0"),
    Case("abort: the clue is a word on the board", ["CLUE: witch\nTARGETS: witch"], {**ABORTED, **requests(1, 0)}),
    Case("abort: the clue is two words", ["CLUE: french revolution\nTARGETS: revolution"],
         {**ABORTED, **requests(1, 0)}),
    Case("abort: more guesses than targets", ["CLUE: zephyr\nTARGETS: revolution", "GUESS: revolution, board"],
         {**ABORTED, **requests(2, 1)}),
    Case("abort: a guess that is not on the board", ["CLUE: zephyr\nTARGETS: revolution", "GUESS: uprising"],
         {**ABORTED, **requests(2, 1)}),
]

# privateshared, travel-booking 0: slots asked in the order to (Lisbon), when (In two weeks), by
# (Overnight bus), from (Paris), class (Economy); five probes (one per slot, in that order) before
# the first request and after each answer: 35 requests when every reply is valid. A probe is true
# when its slot was asked for in an earlier round. Main score: 100 x the harmonic mean of the
# slot-filling accuracy and Cohen's kappa (floored at 0) of the 30 probe answers; won when every
# slot is filled and every probe is right. A probe is asked up to five times (clembench's five
# re-prompt suffixes), each try a request. clembench counts an answer that is not `ANSWER: ...`
# as violated but not as a request (its Request Count is then parsed + violated - 1); gamelang
# counts it as a request too (games/privateshared/README.md).
PS_ANSWERS = ["ANSWER: Lisbon.", "ANSWER: In two weeks.", "ANSWER: by overnight bus.", "ANSWER: From Paris.",
              "ANSWER: Economy, please."]


def ps(answers: list[str] = PS_ANSWERS, wrong: dict[tuple[int, int], str] | None = None,
       skip: set[int] = frozenset()) -> list[str]:
    """Replies for the whole episode: for each round (0: before the first request), the answer,
    then the five probes, right unless `wrong` says otherwise; rounds in `skip` have an invalid
    answer and no probes."""
    replies: list[str] = []
    for turn in range(6):
        if turn > 0:
            replies.append(answers[turn - 1])
            if turn in skip:
                continue
        for i in range(5):
            right = "ASIDE: yes" if turn > i else "ASIDE: no"
            replies.append((wrong or {}).get((turn, i), right))
    return replies


PRIVATESHARED = [
    Case("win: every slot filled, every probe right", ps(), {**WON, "Main Score": 100.0, **requests(35)}),
    Case("loss: one probe wrong (kappa 14/15)", ps(wrong={(0, 0): "ASIDE: yes"}),
         {**LOST, "Main Score": 100 * 2 * (14 / 15) / (1 + 14 / 15), **requests(35)}),
    Case("loss: every probe answered no (kappa 0)", [r.replace("yes", "no") for r in ps()],
         {**LOST, "Main Score": 0.0, **requests(35)}),
    Case("loss: one slot not filled (accuracy 0.8)", ps(answers=PS_ANSWERS[:1] + ["ANSWER: Soon."] + PS_ANSWERS[2:]),
         {**LOST, "Main Score": 100 * 2 * 0.8 / 1.8, **requests(35)}),
    Case("win: a probe asked again, then answered", ps()[:1] + ["no"] + ps()[1:],
         {**WON, "Main Score": 100.0, **requests(36, 35)}),
    Case("win: an answer without ANSWER: fills no slot and skips its probes; clembench's Request Count "
         "is 29 (the invalid answer is not counted)", ps(answers=["Lisbon."] + PS_ANSWERS[1:], skip={1}),
         {**WON, "Main Score": 100.0, **requests(30, 29)}),
    Case("abort: five invalid answers to a probe", ["maybe", "Maybe.", "ASIDE: perhaps", "I think so", "ASIDE:"],
         {**ABORTED, **requests(5, 0)}),
    Case("abort: a probe answered on two lines, five times", ["ASIDE: yes\nbecause"] * 5, {**ABORTED, **requests(5, 0)}),
]

# wordle_withclue, high_frequency_words_clue_no_critic 1: target "party", clue "have a ball". As
# wordle (the same move and checks), but clembench scores the variants by speed as
# round(100 / guesses, 2).
WORDLE_WITHCLUE = [
    Case("win at the first guess", [w("party")], {**WON, "Main Score": 100.0, **requests(1)}),
    Case("win at the third guess", [w("dance"), w("crane"), w("party")], {**WON, "Main Score": 33.33, **requests(3)}),
    Case("win at the sixth guess", [w("crane")] * 5 + [w("party")], {**WON, "Main Score": 16.67, **requests(6)}),
    Case("loss: six valid guesses", [w("crane")] * 6, {**LOST, "Main Score": 0.0, **requests(6)}),
    Case("re-prompt for an unknown word, then a win at the second guess",
         [w("crane"), w("zzzzz"), w("party")], {**WON, "Main Score": 50.0, **requests(3)}),
    Case("abort: six unknown words; every request parsed", [w("zzzzz")] * 6, {**ABORTED, **requests(6)}),
    Case("abort: guess: twice", ["explanation: my guess: crane\nguess: party"], {**ABORTED, **requests(1, 0)}),
    Case("abort: no explanation", ["guess: party"], {**ABORTED, **requests(1, 0)}),
]

# wordle_withcritic, high_frequency_words_clue_with_critic 1: target "party". Each round the guesser
# proposes a guess, the critic answers `explanation: ...` / `agreement: yes|no`, the guesser
# commits a guess (the same or another); three requests a round, the round is the committed guess.
# A critic reply that breaks the format aborts at once.
def c(agree: str = "yes") -> str:
    return f"explanation: e\nagreement: {agree}"


WORDLE_WITHCRITIC = [
    Case("win in the first round", [w("party"), c(), w("party")], {**WON, "Main Score": 100.0, **requests(3)}),
    Case("win in the first round after changing the guess", [w("crane"), c("no"), w("party")],
         {**WON, "Main Score": 100.0, **requests(3)}),
    Case("win in the second round", [w("crane"), c("no"), w("crane"), w("party"), c(), w("party")],
         {**WON, "Main Score": 50.0, **requests(6)}),
    Case("loss: six rounds", [w("crane"), c("no"), w("crane")] * 6, {**LOST, "Main Score": 0.0, **requests(18)}),
    Case("re-prompt for an unknown committed word", [w("crane"), c("no"), w("zzzzz"), w("party")],
         {**WON, "Main Score": 100.0, **requests(4)}),
    Case("abort: the critic's agreement is not yes or no", [w("party"), c("maybe")], {**ABORTED, **requests(2, 1)}),
    Case("abort: the critic writes agreement: twice", [w("party"), "explanation: agreement: no\nagreement: yes"],
         {**ABORTED, **requests(2, 1)}),
    Case("abort: the guesser writes guess: twice", [w("crane"), c(), "explanation: guess: crane\nguess: party"],
         {**ABORTED, **requests(3, 2)}),
]

CASES = {"taboo": TABOO, "wordle": WORDLE, "referencegame": REFERENCEGAME, "guesswhat": GUESSWHAT,
         "imagegame": IMAGEGAME, "codenames": CODENAMES, "privateshared": PRIVATESHARED,
         "wordle_withclue": WORDLE_WITHCLUE, "wordle_withcritic": WORDLE_WITHCRITIC}


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
