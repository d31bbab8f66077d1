"""Episodes to datasets: read run folders, select episodes and roles, build SFT / DPO / KTO rows.

Modules, one job each:

- :mod:`.episodes` reads run folders into :class:`~.episodes.Episode` values;
- :mod:`.select` chooses the learner views (an episode seen by one role), counting what it skips;
- :mod:`.conversation` compares and cuts conversations;
- :mod:`.sft`, :mod:`.dpo`, :mod:`.kto` build the rows of each format;
- :mod:`.divergences` adds the sibling divergences of search trees (``trees.jsonl``) to KTO and DPO;
- :mod:`.probes` rebuilds probe exchanges from a record's events, as SFT and KTO rows;
- :mod:`.writer` writes rows as JSONL or parquet.

The row shapes are documented in docs/datasets.md.
"""

from .episodes import Episode, ExportError, load_runs
from .select import Criteria, RoleView, select_views

__all__ = ["Criteria", "Episode", "ExportError", "RoleView", "load_runs", "select_views"]
