"""Generate games/guess_my_city/instances.jsonl: hidden cities and the facts a scripted oracle tells.

The cities and their facts are written here by hand (our own data). Each fact has a topic, the
keywords by which the scripted oracle recognises a question about it, and the answer, which never
names the city. Experiments: `capitals` and `other_cities`, 20 each, in an order drawn from a
fixed seed:

    python games/guess_my_city/make_instances.py [--seed 21]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

# name, other names, country, continent, language, capital, coast, big (over 5 million), climate, famous for
CITIES = [
    ("paris", ["paris"], "France", "Europe", "French", True, False, True, "mild, with warm summers and cool winters",
     "the Eiffel Tower, the Louvre museum and its cafes"),
    ("london", ["london"], "the United Kingdom", "Europe", "English", True, False, True, "mild and often rainy",
     "Big Ben, red double-decker buses and the Thames"),
    ("rome", ["rome", "roma"], "Italy", "Europe", "Italian", True, False, False, "Mediterranean: hot summers, mild winters",
     "the Colosseum, ancient ruins and the Vatican inside it"),
    ("berlin", ["berlin"], "Germany", "Europe", "German", True, False, False, "temperate, with cold winters",
     "the Brandenburg Gate and the remains of a wall that divided it"),
    ("madrid", ["madrid"], "Spain", "Europe", "Spanish", True, False, True, "hot dry summers and cold winters",
     "the Prado museum and a royal palace"),
    ("amsterdam", ["amsterdam"], "the Netherlands", "Europe", "Dutch", True, False, False, "mild and wet",
     "canals, bicycles and Anne Frank's house"),
    ("vienna", ["vienna", "wien"], "Austria", "Europe", "German", True, False, False, "temperate, with cold winters",
     "classical music, coffee houses and grand palaces"),
    ("prague", ["prague", "praha"], "the Czech Republic", "Europe", "Czech", True, False, False, "temperate, with cold winters",
     "a medieval astronomical clock and a castle above the river"),
    ("lisbon", ["lisbon", "lisboa"], "Portugal", "Europe", "Portuguese", True, True, False, "mild and sunny",
     "old yellow trams, steep hills and custard tarts"),
    ("athens", ["athens"], "Greece", "Europe", "Greek", True, True, False, "hot dry summers and mild winters",
     "the Acropolis and the Parthenon"),
    ("dublin", ["dublin"], "Ireland", "Europe", "English", True, True, False, "mild and rainy",
     "pubs, a famous stout brewery and writers such as James Joyce"),
    ("stockholm", ["stockholm"], "Sweden", "Europe", "Swedish", True, True, False, "cold winters and mild summers",
     "being built on fourteen islands and the Nobel Prize ceremony"),
    ("tokyo", ["tokyo"], "Japan", "Asia", "Japanese", True, True, True, "humid summers and mild winters",
     "the busiest pedestrian crossing in the world, sushi and neon lights"),
    ("beijing", ["beijing", "peking"], "China", "Asia", "Mandarin Chinese", True, False, True, "hot summers and very cold winters",
     "the Forbidden City and being close to the Great Wall"),
    ("seoul", ["seoul"], "South Korea", "Asia", "Korean", True, False, True, "hot humid summers and cold winters",
     "palaces, K-pop and street food"),
    ("bangkok", ["bangkok"], "Thailand", "Asia", "Thai", True, False, True, "hot and humid all year",
     "golden temples, floating markets and street food"),
    ("hanoi", ["hanoi"], "Vietnam", "Asia", "Vietnamese", True, False, True, "hot humid summers and cool winters",
     "its old quarter, lakes and motorbikes everywhere"),
    ("buenos aires", ["buenos aires"], "Argentina", "South America", "Spanish", True, True, True,
     "humid, with hot summers and mild winters", "tango, steak houses and wide avenues"),
    ("lima", ["lima"], "Peru", "South America", "Spanish", True, True, True, "mild, dry and often grey",
     "ceviche and colonial buildings"),
    ("cairo", ["cairo"], "Egypt", "Africa", "Arabic", True, False, True, "hot and dry desert climate",
     "the pyramids of Giza nearby and the Nile"),
    ("nairobi", ["nairobi"], "Kenya", "Africa", "Swahili and English", True, False, True, "mild all year",
     "a national park with lions inside the city limits"),
    ("barcelona", ["barcelona"], "Spain", "Europe", "Catalan and Spanish", False, True, True, "Mediterranean: warm and sunny",
     "Gaudi's unfinished basilica and its beaches"),
    ("venice", ["venice", "venezia"], "Italy", "Europe", "Italian", False, True, False, "mild, with foggy winters",
     "canals instead of streets, gondolas and a carnival with masks"),
    ("istanbul", ["istanbul", "constantinople"], "Turkey", "Europe and Asia", "Turkish", False, True, True,
     "hot summers and cool wet winters", "lying on two continents, the Hagia Sophia and its bazaars"),
    ("edinburgh", ["edinburgh"], "the United Kingdom", "Europe", "English", False, True, False, "cool and windy",
     "a castle on an old volcano and a huge summer arts festival"),
    ("munich", ["munich", "muenchen"], "Germany", "Europe", "German", False, False, False, "temperate, with cold winters",
     "a beer festival in autumn and being near the Alps"),
    ("kyoto", ["kyoto"], "Japan", "Asia", "Japanese", False, False, False, "hot summers and cold winters",
     "thousands of temples, geishas and bamboo forests"),
    ("shanghai", ["shanghai"], "China", "Asia", "Mandarin Chinese", False, True, True, "humid subtropical",
     "a riverside promenade called the Bund and a skyline of skyscrapers"),
    ("mumbai", ["mumbai", "bombay"], "India", "Asia", "Marathi and Hindi", False, True, True, "hot, with a monsoon season",
     "Bollywood films and the Gateway of India"),
    ("dubai", ["dubai"], "the United Arab Emirates", "Asia", "Arabic", False, True, True, "very hot desert climate",
     "the tallest building in the world and artificial islands"),
    ("new york", ["new york", "new york city", "nyc"], "the United States", "North America", "English", False, True, True,
     "hot summers and cold snowy winters", "the Statue of Liberty, Broadway and Central Park"),
    ("los angeles", ["los angeles", "la"], "the United States", "North America", "English", False, True, True,
     "sunny and dry", "Hollywood and the film industry"),
    ("chicago", ["chicago"], "the United States", "North America", "English", False, False, True, "windy, with cold winters",
     "deep-dish pizza, skyscrapers and a lake as big as a sea"),
    ("san francisco", ["san francisco", "sf"], "the United States", "North America", "English", False, True, False,
     "cool and foggy", "the Golden Gate Bridge, cable cars and a former island prison"),
    ("toronto", ["toronto"], "Canada", "North America", "English", False, False, True, "cold winters and warm summers",
     "a tall concrete tower and being near Niagara Falls"),
    ("vancouver", ["vancouver"], "Canada", "North America", "English", False, True, False, "mild and rainy",
     "mountains next to the sea and a huge park on a peninsula"),
    ("rio de janeiro", ["rio de janeiro", "rio"], "Brazil", "South America", "Portuguese", False, True, True,
     "hot and humid", "a giant statue of Christ on a mountain, its carnival and Copacabana beach"),
    ("cape town", ["cape town"], "South Africa", "Africa", "Afrikaans, Xhosa and English", False, True, False,
     "Mediterranean: dry summers and wet winters", "Table Mountain and penguins on a nearby beach"),
    ("marrakesh", ["marrakesh", "marrakech"], "Morocco", "Africa", "Arabic and Berber", False, False, False,
     "hot and dry", "a huge market square, souks and red walls"),
    ("sydney", ["sydney"], "Australia", "Oceania", "English", False, True, True, "warm and sunny",
     "an opera house with sail-shaped roofs and a harbour bridge"),
]

GENERIC = ("I can't answer that directly. Ask me about its country, continent, language, whether it is a capital, "
           "the coast, its size, its climate or what it is famous for.")


def facts(city: tuple, countries: list[str], continents: list[str]) -> list[dict]:
    name, names, country, continent, language, capital, coast, big, climate, famous = city
    return [
        {"topic": "country", "keywords": ["country", "nation"] + countries, "answer": f"It is in {country}."},
        {"topic": "continent", "keywords": ["continent", "part of the world", "region"] + continents,
         "answer": f"It is in {continent}."},
        {"topic": "capital", "keywords": ["capital"],
         "answer": "Yes, it is the capital of its country." if capital else "No, it is not the capital of its country."},
        {"topic": "language", "keywords": ["language", "speak", "spoken"],
         "answer": f"Most people there speak {language}."},
        {"topic": "coast", "keywords": ["coast", "sea", "ocean", "beach", "port", "water"],
         "answer": "Yes, it lies on the coast." if coast else "No, it is not on the coast."},
        {"topic": "size", "keywords": ["big", "large", "population", "size", "small", "people live", "million"],
         "answer": "It is a very big city: more than five million people live in its metropolitan area." if big else
         "It is not one of the giants: fewer than five million people live in its metropolitan area."},
        {"topic": "climate", "keywords": ["climate", "weather", "hot", "cold", "warm", "rain", "temperature"],
         "answer": f"Its climate is {climate}."},
        {"topic": "famous", "keywords": ["famous", "landmark", "known", "sight", "visit", "tourist", "special"],
         "answer": f"It is famous for {famous}."},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    countries = sorted({c[2].removeprefix("the ") for c in CITIES})
    continents = sorted({part for c in CITIES for part in c[3].split(" and ")})
    lines = []
    for experiment, capital in (("capitals", True), ("other_cities", False)):
        cities = [c for c in CITIES if c[5] == capital]
        rng.shuffle(cities)
        for i, city in enumerate(cities):
            record_facts = facts(city, countries, continents)
            for f in record_facts:  # an answer never names the city
                assert not any(re.search(rf"\b{re.escape(n)}\b", f["answer"].lower()) for n in city[1]), (city[0], f)
            lines.append(json.dumps({"experiment": experiment, "id": f"{experiment}_{i:02d}", "city": city[0],
                                     "names": city[1], "facts": record_facts, "generic": GENERIC}))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
