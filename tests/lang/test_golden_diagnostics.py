"""Golden tests: each broken game under tests/golden/diagnostics has the exact diagnostics
(position, code, severity) listed in NAME.expected beside it."""

from pathlib import Path

import pytest

from gamelang.validate import validate_paths

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "diagnostics"
CASES = sorted(p for p in GOLDEN.iterdir() if not p.name.endswith(".expected"))


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_diagnostics_match_golden_file(case: Path):
    outcome = validate_paths([case])
    assert not outcome.usage_problems
    got = [f"{d.pos.line}:{d.pos.column} {d.code} {d.severity.value}" for r in outcome.reports for d in r.diagnostics]
    expected = [ln for ln in (GOLDEN / (case.name + ".expected")).read_text().splitlines() if ln.strip()]
    assert got == expected
    assert outcome.exit_code == (1 if any(" error" in ln for ln in expected) else 0)
    for report in outcome.reports:
        for d in report.diagnostics:
            assert d.message and d.path == str(case)
