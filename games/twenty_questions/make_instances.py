"""Generate games/twenty_questions/instances.jsonl and attributes.json.

The objects and their attributes are written here by hand (our own data): each object has the
names a guess may use and the attributes that are true of it. `attributes.json` holds every
attribute with the yes/no question the reference asker asks about it and the keywords by which the
scripted oracle recognises a question about it. Experiments: `living` (animals and plants) and
`things` (objects made by people), 20 each, in an order drawn from a fixed seed:

    python games/twenty_questions/make_instances.py [--seed 20]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name, question, keywords (matched by English stems, in this order: the first attribute a
# question mentions is the one it asks about)
ATTRIBUTES = [
    ("alive", "Is it alive?", ["alive", "living", "live"]),
    ("mammal", "Is it a mammal?", ["mammal"]),
    ("bird", "Is it a bird?", ["bird"]),
    ("insect", "Is it an insect?", ["insect", "bug"]),
    ("animal", "Is it an animal?", ["animal", "creature"]),
    ("fruit", "Is it a fruit?", ["fruit"]),
    ("vegetable", "Is it a vegetable?", ["vegetable"]),
    ("plant", "Is it a plant?", ["plant", "grow"]),
    ("electronic", "Does it use electricity?", ["electricity", "electric", "electronic", "battery", "plug"]),
    ("vehicle", "Is it a vehicle?", ["vehicle", "transport", "drive", "ride"]),
    ("furniture", "Is it a piece of furniture?", ["furniture"]),
    ("clothing", "Can you wear it?", ["wear", "clothing", "clothes"]),
    ("instrument", "Is it a musical instrument?", ["music", "musical", "instrument"]),
    ("kitchen", "Is it found in a kitchen?", ["kitchen", "cook", "cooking"]),
    ("edible", "Can you eat it?", ["eat", "edible", "food"]),
    ("water", "Is it found in or on water?", ["water", "swim", "sea", "ocean", "river"]),
    ("fly", "Can it fly?", ["fly", "flying", "air"]),
    ("four_legs", "Does it have four legs?", ["four legs", "legs"]),
    ("big", "Is it bigger than a person?", ["bigger", "larger", "big", "large"]),
    ("pet", "Is it kept as a pet?", ["pet"]),
    ("wheels", "Does it have wheels?", ["wheel", "wheels"]),
    ("metal", "Is it made of metal?", ["metal"]),
    ("wood", "Is it made of wood?", ["wood", "wooden"]),
    ("man_made", "Is it made by people?", ["man-made", "made", "manufactured", "artificial"]),
    ("indoors", "Is it usually found indoors?", ["indoors", "inside", "house", "home"]),
]

LIVING = [
    ("dog", ["dog", "puppy"], "alive mammal animal four_legs pet indoors"),
    ("cat", ["cat", "kitten"], "alive mammal animal four_legs pet indoors"),
    ("horse", ["horse", "pony"], "alive mammal animal four_legs big"),
    ("elephant", ["elephant"], "alive mammal animal four_legs big"),
    ("whale", ["whale"], "alive mammal animal water big"),
    ("dolphin", ["dolphin"], "alive mammal animal water big"),
    ("mouse", ["mouse", "mice"], "alive mammal animal four_legs pet"),
    ("bat", ["bat"], "alive mammal animal fly"),
    ("eagle", ["eagle"], "alive bird animal fly"),
    ("penguin", ["penguin"], "alive bird animal water"),
    ("parrot", ["parrot"], "alive bird animal fly pet indoors"),
    ("duck", ["duck"], "alive bird animal fly water edible"),
    ("bee", ["bee", "honeybee"], "alive insect animal fly"),
    ("butterfly", ["butterfly"], "alive insect animal fly"),
    ("goldfish", ["goldfish", "fish"], "alive animal water pet indoors"),
    ("frog", ["frog"], "alive animal water four_legs"),
    ("apple", ["apple"], "alive fruit plant edible"),
    ("banana", ["banana"], "alive fruit plant edible"),
    ("carrot", ["carrot"], "alive vegetable plant edible"),
    ("oak tree", ["oak tree", "oak"], "alive plant big wood"),
]

THINGS = [
    ("chair", ["chair"], "man_made furniture four_legs wood indoors"),
    ("table", ["table"], "man_made furniture four_legs wood indoors"),
    ("bed", ["bed"], "man_made furniture indoors"),
    ("piano", ["piano"], "man_made instrument wood big indoors"),
    ("guitar", ["guitar"], "man_made instrument wood"),
    ("drum", ["drum"], "man_made instrument"),
    ("bicycle", ["bicycle", "bike"], "man_made vehicle wheels metal"),
    ("car", ["car", "automobile"], "man_made vehicle wheels metal big"),
    ("boat", ["boat", "ship"], "man_made vehicle water big"),
    ("airplane", ["airplane", "aeroplane", "plane", "aircraft"], "man_made vehicle fly wheels metal big"),
    ("television", ["television", "tv"], "man_made electronic indoors"),
    ("mobile phone", ["mobile phone", "phone", "smartphone", "cell phone"], "man_made electronic"),
    ("refrigerator", ["refrigerator", "fridge"], "man_made electronic kitchen metal big indoors"),
    ("toaster", ["toaster"], "man_made electronic kitchen metal indoors"),
    ("frying pan", ["frying pan", "pan"], "man_made kitchen metal indoors"),
    ("spoon", ["spoon"], "man_made kitchen metal indoors"),
    ("hat", ["hat", "cap"], "man_made clothing"),
    ("shoe", ["shoe", "shoes"], "man_made clothing"),
    ("pizza", ["pizza"], "man_made edible"),
    ("bread", ["bread", "loaf"], "man_made edible kitchen"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = {a[0] for a in ATTRIBUTES}
    lines = []
    for experiment, objects in (("living", LIVING), ("things", THINGS)):
        order = list(objects)
        rng.shuffle(order)
        for i, (obj, accepted, attrs) in enumerate(order):
            assert set(attrs.split()) <= names, obj
            lines.append(json.dumps({"experiment": experiment, "id": f"{experiment}_{i:02d}", "object": obj,
                                     "names": accepted, "attributes": [a for a in (x[0] for x in ATTRIBUTES)
                                                                        if a in attrs.split()]}))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out.parent / "attributes.json").write_text(json.dumps(
        [{"name": n, "question": q, "keywords": k} for n, q, k in ATTRIBUTES], indent=1) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
