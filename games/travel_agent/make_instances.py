"""Generate games/travel_agent/instances.jsonl: travellers with hidden likes and dislikes, and a
catalogue of activities to recommend from.

The activities, their categories and tags, and the travellers' names and jobs are written here by
hand (our own data). A traveller likes two categories and dislikes one or two tags; an activity
fits when its category is liked and it has no disliked tag. Every catalogue has at least three
activities that fit and at least three that do not. Experiments: `small_catalogue` (8 activities,
one dislike) and `large_catalogue` (12 activities, two dislikes), 20 each, from a fixed seed:

    python games/travel_agent/make_instances.py [--seed 22]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

CATEGORIES = ["history", "art", "food", "hiking", "beaches", "nightlife", "shopping", "wildlife", "music", "boating"]
TAGS = ["crowds", "long walks", "early start", "heights", "water", "expensive", "late night", "loud"]
ACTIVITIES = [
    ("City history museum", "history", ["crowds"]),
    ("Castle ruins on the hill", "history", ["heights", "long walks"]),
    ("Old town guided walk", "history", ["long walks"]),
    ("Medieval manuscripts library", "history", []),
    ("Modern art gallery", "art", []),
    ("Sculpture garden", "art", []),
    ("Street art bike tour", "art", ["long walks"]),
    ("Pottery workshop", "art", ["expensive"]),
    ("Street food tour", "food", ["crowds", "long walks"]),
    ("Cooking class with a local chef", "food", ["expensive"]),
    ("Night market food stalls", "food", ["late night", "crowds"]),
    ("Family-run bakery breakfast", "food", ["early start"]),
    ("Cheese and olive tasting", "food", []),
    ("Sunrise mountain hike", "hiking", ["early start", "long walks", "heights"]),
    ("Forest trail walk", "hiking", ["long walks"]),
    ("Gentle lakeside path", "hiking", []),
    ("Afternoon at the sandy beach", "beaches", ["crowds"]),
    ("Snorkelling trip", "beaches", ["water", "early start"]),
    ("Quiet cove picnic", "beaches", []),
    ("Rooftop bar evening", "nightlife", ["late night", "heights"]),
    ("Dance club night", "nightlife", ["late night", "loud", "crowds"]),
    ("Cocktail tasting in a speakeasy", "nightlife", ["late night", "expensive"]),
    ("Flea market morning", "shopping", ["crowds", "early start"]),
    ("Designer boutique street", "shopping", ["expensive"]),
    ("Craft market stroll", "shopping", []),
    ("Bird watching at the wetlands", "wildlife", ["early start"]),
    ("Wildlife park safari", "wildlife", ["expensive"]),
    ("Butterfly house", "wildlife", []),
    ("Jazz club night", "music", ["late night", "loud"]),
    ("Classical concert in the cathedral", "music", ["expensive"]),
    ("Open-air folk festival", "music", ["crowds", "loud"]),
    ("Sunset river cruise", "boating", []),
    ("Sailing lesson", "boating", ["water"]),
    ("Kayak tour of the harbour", "boating", ["water", "early start"]),
]
PHRASES = {"crowds": "crowds", "long walks": "long walks", "early start": "early starts", "heights": "heights",
           "water": "getting wet", "expensive": "expensive outings", "late night": "late nights", "loud": "loud places"}
NAMES = ["Maria", "Tom", "Aiko", "Kofi", "Lena", "Ravi", "Sofia", "Jonas", "Amara", "Diego", "Mei", "Oskar",
         "Priya", "Luca", "Hanna", "Samir"]
JOBS = ["a nurse", "a teacher", "an engineer", "a retired postman", "a student", "a chef", "a lawyer", "a farmer",
        "a photographer", "a bus driver", "a software developer", "a librarian"]
HOMES = ["Lyon", "Leeds", "Osaka", "Accra", "Graz", "Pune", "Porto", "Malmo", "Lagos", "Quito", "Taipei", "Bergen"]
DESTINATIONS = ["a seaside town in the south", "a mountain town in the north", "a river city in the east",
                "a harbour city in the west", "an old cathedral town"]


def fits(activity: dict, likes: list[str], dislikes: list[str]) -> bool:
    return activity["category"] in likes and not set(activity["tags"]) & set(dislikes)


def make(rng: random.Random, size: int, n_dislikes: int) -> dict:
    while True:
        likes = rng.sample(CATEGORIES, 2)
        dislikes = rng.sample(TAGS, n_dislikes)
        catalogue = [{"name": n, "category": c, "tags": t} for n, c, t in rng.sample(ACTIVITIES, size)]
        good = [a for a in catalogue if fits(a, likes, dislikes)]
        tempting = [a for a in catalogue if a["category"] in likes and not fits(a, likes, dislikes)]
        if len(good) >= 3 and size - len(good) >= 3 and tempting:  # a liked category with a disliked tag
            break
    name = rng.choice(NAMES)
    persona = (f"You are {name}, {rng.choice(JOBS)} from {rng.choice(HOMES)}, visiting {rng.choice(DESTINATIONS)} "
               f"for a few days. You love {likes[0]} and {likes[1]}. You dislike {' and '.join(PHRASES[d] for d in dislikes)}.")
    return {"traveller": persona, "likes": likes, "dislikes": dislikes, "catalogue": catalogue}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="instances per experiment")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = []
    for experiment, size, n_dislikes in (("small_catalogue", 8, 1), ("large_catalogue", 12, 2)):
        for i in range(args.count):
            record = {"experiment": experiment, "id": f"{experiment}_{i:02d}", **make(rng, size, n_dislikes)}
            lines.append(json.dumps(record))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
