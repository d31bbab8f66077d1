"""Write instances.jsonl from clembench's privateshared instances (../shared/data/clembench/privateshared.jsonl).

Keeps experiment, game_id, tag, slots and request_order, and adds the texts gamelang's game
uses, written for gamelang: `situation` (what the answerer is told about itself), `questions`
(the questioner's question for each slot) and `probes` (the probe question for each slot).
Run: python games/privateshared/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main


POSITIONS = ["left", "right", "top", "bottom", "center", "northwest", "northeast", "southwest", "southeast",
             "here", "there", "nowhere", "everywhere", "inside", "outside"]

# experiment -> (the answerer's situation, {slot: (label, request, probe)})
TEXTS = {
    "travel-booking": (
        "You are a customer of a travel agency and want to book a trip. The travel agent knows nothing about it yet.",
        {
            "from": ("Leaving from", "Where does your trip start?", "Does the travel agent know where your trip starts?"),
            "to": ("Going to", "Where would you like to go?", "Does the travel agent know your destination?"),
            "by": ("Means of transport", "How would you like to travel?", "Does the travel agent know how you want to travel?"),
            "class": ("Class", "Which class would you like?", "Does the travel agent know which class you want?"),
            "when": ("When", "When would you like to travel?", "Does the travel agent know when you want to travel?"),
        }),
    "job-interview": (
        "You are applying for a job and are being interviewed by a recruiter, who has not seen your CV yet.",
        {
            "bachelor": ("Bachelor's degree in", "What did you study for your bachelor's degree?",
                         "Does the recruiter know the subject of your bachelor's degree?"),
            "industry-experience": ("Experience in the industry", "How much experience in the industry do you have?",
                                    "Does the recruiter know how much industry experience you have?"),
            "highest-education": ("Highest degree", "What is your highest degree?",
                                  "Does the recruiter know your highest degree?"),
            "other-skills": ("Another skill", "Which other skill would you like to mention?",
                             "Does the recruiter know about your other skill?"),
            "availability": ("Available", "When could you start?", "Does the recruiter know when you could start?"),
        }),
    "restaurant": (
        "You are a guest in a restaurant and know what you want to eat and drink. The waiter has not taken your order yet.",
        {
            "appetizer": ("Appetizer", "Which appetizer would you like?", "Does the waiter know which appetizer you want?"),
            "drink": ("Drink", "What would you like to drink?", "Does the waiter know what you want to drink?"),
            "main-dish": ("Main dish", "Which main dish would you like?", "Does the waiter know your main dish?"),
            "dessert": ("Dessert", "Which dessert would you like?", "Does the waiter know which dessert you want?"),
            "salad": ("Salad", "Which salad would you like?", "Does the waiter know which salad you want?"),
        }),
    "things-places": (
        "You have a list of things, each at a named position. The questioner does not know the list.",
        {p: (f'At the position "{p}"', f'What is at the position "{p}"?',
             f'Does the questioner know what is at the position "{p}"?') for p in POSITIONS}),
    "letter-number": (
        "You have a number for each of some letters. The questioner does not know them.",
        {letter: (f'The letter "{letter}"', f'Which number goes with the letter "{letter}"?',
                  f'Does the questioner know the number that goes with the letter "{letter}"?') for letter in "abcdefghij"}),
}


def convert(row: dict) -> dict:
    situation, texts = TEXTS[row["experiment"]]
    details = "\n".join(f"- {texts[slot][0]}: {value}" for slot, value in row["slots"].items())
    return {"experiment": row["experiment"], "game_id": row["game_id"], "tag": row["tag"], "slots": row["slots"],
            "request_order": row["request_order"], "situation": f"{situation}\n\n{details}",
            "questions": {slot: texts[slot][1] for slot in row["slots"]},
            "probes": {slot: texts[slot][2] for slot in row["slots"]}}


if __name__ == "__main__":
    convert_main(__doc__, __file__, "privateshared.jsonl", convert)
