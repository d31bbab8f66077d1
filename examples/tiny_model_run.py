"""Run taboo with a local transformers model in both roles, score it, write transcripts.

No model is downloaded: a tiny random Llama model is built locally (its replies are nonsense,
so most episodes abort: the point is the machinery). Replace the model folder by a real one to
evaluate it. The same from the command line:

    gamelang run taboo --model hf:./tiny --limit 8 --out runs/tiny
    gamelang score runs/tiny
    gamelang transcript runs/tiny --out runs/tiny/transcript.html

    python examples/tiny_model_run.py [OUT_FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.players import parse_spec
from gamelang.registry import resolve_game
from gamelang.runtime.run import RunSettings, execute
from gamelang.runtime.runfolder import read_run
from gamelang.scoring import render_table, score_run
from gamelang.testing import build_tiny_model
from gamelang.transcript import render_html


def main(out: Path) -> None:
    model = build_tiny_model(out / "tiny-model")
    taboo = compile_file(resolve_game("taboo")).machine
    settings = RunSettings(out=out / "run", limit=8, concurrency=8, resume=True,
                           default_spec=parse_spec(f"hf:{model}?temperature=1.0&max_new_tokens=24"))
    execute([taboo], settings)
    data = read_run(settings.out)
    render_table(score_run(data))
    page = out / "transcript.html"
    page.write_text(render_html(list(data.latest().values())))
    print(f"transcripts: {page}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/tiny-example"))
