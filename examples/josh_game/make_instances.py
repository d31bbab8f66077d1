"""Write instances.jsonl for errands.game: every ordered choice of three different needs (720)."""

import itertools
import json
from pathlib import Path

NEEDS = ["write", "cut", "drink", "light", "sweep", "dig", "sew", "tie", "measure", "sit"]

if __name__ == "__main__":
    rows = [{"experiment": "default", "id": str(i), "wants": list(w)}
            for i, w in enumerate(itertools.permutations(NEEDS, 3))]
    path = Path(__file__).with_name("instances.jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} instances written to {path}")
