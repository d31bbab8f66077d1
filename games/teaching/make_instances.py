"""Generate games/teaching/instances.jsonl: an invented island to teach, and a student's background.

Each instance is an island that does not exist (its name and facts are made up from syllables, so
no model knows them beforehand): six facts, each with the statement a teacher may make, the quiz
question and the one word that answers it. The student already knows two or three of the facts
(its hidden background). Experiments: `short` (2 teaching turns) and `long` (3 teaching turns),
20 each, from a fixed seed:

    python games/teaching/make_instances.py [--seed 23]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "th", "qu"]
VOWELS = ["a", "e", "i", "o", "u", "ei", "ou"]
CODAS = ["", "", "n", "r", "s", "l", "sk", "th"]
ANIMALS = ["heron", "goat", "otter", "lynx", "tortoise", "owl", "seal", "hare"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
GOODS = ["salt", "amber", "wool", "copper", "honey", "cork"]

# topic, statement, question; {island} is the island, {word} the answer
FACTS = [
    ("capital", "The capital of {island} is {word}.", "What is the capital of {island}?"),
    ("currency", "On {island} people pay with the {word}.", "What is the currency of {island} called?"),
    ("peak", "The highest mountain of {island} is Mount {word}.", "What is the highest mountain of {island}?"),
    ("dish", "The national dish of {island} is {word}, a fish stew.", "What is the national dish of {island}?"),
    ("animal", "The national animal of {island} is the {word}.", "What is the national animal of {island}?"),
    ("festival", "The great festival of {island} is held every {word}.", "In which month is the great festival of {island}?"),
    ("export", "{island} mainly exports {word}.", "What does {island} mainly export?"),
    ("founder", "{island} was founded by a sailor called {word}.", "What was the name of the sailor who founded {island}?"),
]


def word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))


def make(rng: random.Random, used: set[str]) -> dict:
    while True:
        island = word(rng, 3).capitalize()
        if island not in used:
            used.add(island)
            break
    topics = rng.sample(FACTS, 6)
    facts = []
    seen: set[str] = {island.lower()}
    for topic, statement, question in topics:
        if topic == "animal":
            answer = rng.choice(ANIMALS)
        elif topic == "festival":
            answer = rng.choice(MONTHS)
        elif topic == "export":
            answer = rng.choice(GOODS)
        else:
            while True:
                answer = word(rng, 2)
                if answer not in seen:
                    break
            answer = answer.capitalize()
        seen.add(answer.lower())
        facts.append({"topic": topic, "statement": statement.format(island=island, word=answer),
                      "question": question.format(island=island), "answer": answer})
    known = sorted(rng.sample(range(6), rng.choice([2, 3])))
    background = " ".join(facts[i]["statement"] for i in known)
    student = (f"You are a student who is curious about the island of {island}. Before this lesson you knew only "
               f"this about it: {background} You know nothing else about {island}.")
    return {"island": island, "facts": facts, "known": known, "student": student}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="instances per experiment")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    used: set[str] = set()
    lines = []
    for experiment, turns in (("short", 2), ("long", 3)):
        for i in range(args.count):
            record = {"experiment": experiment, "id": f"{experiment}_{i:02d}", "max_turns": turns, **make(rng, used)}
            lines.append(json.dumps(record))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
