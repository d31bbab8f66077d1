"""Generate games/booking/instances.jsonl: a user with a goal and a small database of restaurants,
hotels and trains.

Each instance holds its own database (8 restaurants, 6 hotels, 10 trains, all invented here) and a
user goal of one domain (experiment `single`) or two or three domains (experiment `multi`). Each
goal has exactly one right booking: the one restaurant (hotel) of the database that fits the
user's constraints, the earliest train of the route and day leaving at or after the user's time.
Everything is drawn from a fixed seed, so the file is the same on every machine:

    python games/booking/make_instances.py [--count 20] [--seed 13]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

AREAS = ["centre", "north", "south", "east", "west"]
FOODS = ["italian", "chinese", "indian", "british", "french", "thai", "mexican", "japanese"]
PRICES = ["cheap", "moderate", "expensive"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
STATIONS = ["cambridge", "london", "ely", "norwich", "stevenage", "peterborough", "leicester"]
FIRST = ["Golden", "Blue", "Old", "Red", "Silver", "Green", "Little", "Royal", "Quiet", "Lucky", "Copper", "Oak"]
RESTAURANT = ["Fork", "Lantern", "Spoon", "Table", "Kettle", "Garden", "Dragon", "Olive", "Pepper", "Harbour"]
HOTEL = ["Lodge", "Inn", "House", "Hotel", "Rooms", "Court", "Manor", "Guesthouse"]
TIMES = ["12:00", "12:30", "13:00", "18:00", "18:30", "19:00", "19:30", "20:00"]
DOMAINS = ["restaurant", "hotel", "train"]


def names(rng: random.Random, kinds: list[str], n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = f"The {rng.choice(FIRST)} {rng.choice(kinds)}"
        if name not in out:
            out.append(name)
    return out


def restaurants(rng: random.Random) -> tuple[list[dict], dict]:
    """Eight restaurants; the target is the only one of its area, food and price."""
    rows = [{"name": n, "area": rng.choice(AREAS), "food": rng.choice(FOODS), "price": rng.choice(PRICES)}
            for n in names(rng, RESTAURANT, 8)]
    target = rows[0]
    for r in rows[1:]:  # same area and food as the target at another price: the price decides
        if (r["area"], r["food"], r["price"]) == (target["area"], target["food"], target["price"]):
            r["price"] = rng.choice([p for p in PRICES if p != target["price"]])
    rows[1].update(area=target["area"], food=target["food"],
                   price=rng.choice([p for p in PRICES if p != target["price"]]))
    rng.shuffle(rows)
    goal = {"area": target["area"], "food": target["food"], "price": target["price"], "name": target["name"],
            "people": rng.randint(1, 8), "day": rng.choice(DAYS), "time": rng.choice(TIMES)}
    return rows, goal


def hotels(rng: random.Random) -> tuple[list[dict], dict]:
    """Six hotels; the target is the only one of its area, stars and price."""
    rows = [{"name": n, "area": rng.choice(AREAS), "stars": rng.randint(2, 5), "price": rng.choice(PRICES),
             "parking": rng.random() < 0.5} for n in names(rng, HOTEL, 6)]
    target = rows[0]
    for r in rows[1:]:
        if (r["area"], r["stars"], r["price"]) == (target["area"], target["stars"], target["price"]):
            r["price"] = rng.choice([p for p in PRICES if p != target["price"]])
    rows[1].update(area=target["area"], stars=target["stars"],
                   price=rng.choice([p for p in PRICES if p != target["price"]]))
    rng.shuffle(rows)
    goal = {"area": target["area"], "stars": target["stars"], "price": target["price"], "name": target["name"],
            "people": rng.randint(1, 6), "day": rng.choice(DAYS), "nights": rng.randint(1, 5)}
    return rows, goal


def trains(rng: random.Random) -> tuple[list[dict], dict]:
    """Ten trains, six of them on the user's route and day; the target is the earliest at or after a time."""
    departure, destination = rng.sample(STATIONS, 2)
    day = rng.choice(DAYS)
    ids = rng.sample(range(1000, 10000), 10)
    hours = sorted(rng.sample(range(6, 22), 6))
    rows = []
    for i, hour in enumerate(hours):
        rows.append({"id": f"TR{ids[i]}", "departure": departure, "destination": destination, "day": day,
                     "leave": f"{hour:02d}:{rng.choice(['00', '15', '30', '45'])}"})
    for i in range(6, 10):  # other routes or days
        other = rng.sample(STATIONS, 2)
        rows.append({"id": f"TR{ids[i]}", "departure": other[0], "destination": other[1],
                     "day": rng.choice([d for d in DAYS if d != day]), "leave": f"{rng.randint(6, 21):02d}:00"})
    for r in rows:
        h, m = map(int, r["leave"].split(":"))
        minutes = h * 60 + m + rng.choice([50, 75, 105, 140])
        r["arrive"] = f"{minutes // 60:02d}:{minutes % 60:02d}"
        r["price"] = round(rng.uniform(5, 40), 2)
    k = rng.randint(1, 4)  # the target is the k-th train of the route: leave_after lies just before it
    target = rows[k]
    h, m = map(int, target["leave"].split(":"))
    before = h * 60 + m - rng.choice([0, 10, 15])
    after = max(before, int(rows[k - 1]["leave"][:2]) * 60 + int(rows[k - 1]["leave"][3:]) + 1)
    leave_after = f"{after // 60:02d}:{after % 60:02d}"
    rng.shuffle(rows)
    goal = {"departure": departure, "destination": destination, "day": day, "leave_after": leave_after,
            "train_id": target["id"], "people": rng.randint(1, 6)}
    return rows, goal


def describe(goal: dict, domains: list[str]) -> str:
    """The user's goal in words: the persona of the simulated user."""
    parts = []
    if "restaurant" in domains:
        g = goal["restaurant"]
        parts.append(f"You want to book a table at a {g['price']} {g['food']} restaurant in the {g['area']} "
                     f"for {g['people']} people on {g['day']} at {g['time']}.")
    if "hotel" in domains:
        g = goal["hotel"]
        parts.append(f"You want a {g['price']} {g['stars']}-star hotel in the {g['area']} for {g['people']} people, "
                     f"{g['nights']} nights from {g['day']}.")
    if "train" in domains:
        g = goal["train"]
        parts.append(f"You want train tickets for {g['people']} people from {g['departure']} to {g['destination']} "
                     f"on {g['day']}, on the first train that leaves at or after {g['leave_after']}.")
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="instances per experiment")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = []
    for experiment in ("single", "multi"):
        for i in range(args.count):
            if experiment == "single":
                domains = [DOMAINS[i % 3]]
            else:
                chosen = rng.sample(DOMAINS, 2 + i % 2)
                domains = [d for d in DOMAINS if d in chosen]
            rest, goal_r = restaurants(rng)
            hot, goal_h = hotels(rng)
            tr, goal_t = trains(rng)
            goal = {"restaurant": goal_r, "hotel": goal_h, "train": goal_t}
            record = {"experiment": experiment, "id": f"{experiment}_{i:02d}", "user_goal": describe(goal, domains),
                      "domains": domains, "goals": [f"book_{d}" for d in domains], "goal": goal,
                      "restaurants": rest, "hotels": hot, "trains": tr}
            lines.append(json.dumps(record))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
