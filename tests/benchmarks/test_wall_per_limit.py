"""The runner's ``wall_per_limit`` column: the wall time of a solve over its time limit."""

from __future__ import annotations

import pytest

from benchmarks.run import RerunRow, Row, markdown_table, wall_per_limit


@pytest.mark.parametrize(
    ("wall", "limit", "cell"),
    [
        (5.2, 5.0, "1.04 ok"),
        (6.5, 5.0, "1.30 ok"),  # 5 x 1.1 + 1 = 6.5: just within
        (6.6, 5.0, "1.32 OVER"),
        (19.0, 5.0, "3.80 OVER"),  # a 1,000-client week before the deadline was honoured
        (62.0, 60.0, "1.03 ok"),
        (None, 5.0, None),
    ],
)
def test_wall_per_limit(wall: float | None, limit: float, cell: str | None) -> None:
    assert wall_per_limit(wall, limit) == cell


def test_both_tables_have_the_column() -> None:
    assert "wall_per_limit" in Row.__dataclass_fields__
    assert "rerun_wall_per_limit" in RerunRow.__dataclass_fields__
    row = Row(
        name="x",
        tier="s",
        scenario="normal",
        clients=40,
        status="feasible",
        objective=1,
        bound=0.0,
        gap_pct=100.0,
        unassigned=0,
        missed=0,
        first_s=0.1,
        final_s=0.1,
        proof_s=None,
        wall_per_limit="1.04 ok",
        variables=10,
        constraints=10,
        peak_mib=100.0,
        check="ok",
        greedy_objective=1,
    )
    header = markdown_table([row]).splitlines()[0]
    assert "| proof_s | wall_per_limit | variables |" in header
    assert "| 1.04 ok |" in markdown_table([row])
