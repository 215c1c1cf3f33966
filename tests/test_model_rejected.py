"""A model CP-SAT rejects (MODEL_INVALID) is an internal error, never a roster.

The model is made invalid on purpose: a constraint whose sum can overflow 64 bits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import solver.solving as solving
from solver.cli import main
from solver.instance import Instance
from solver.model import RosterModel
from solver.options import SolveOptions
from solver.solving import ModelRejected, solve

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


@pytest.fixture
def overflowing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model built by solve() gets a constraint CP-SAT refuses (integer overflow)."""
    build_model = solving.build_model

    def invalid(*args: Any, **kwargs: Any) -> RosterModel:
        built = build_model(*args, **kwargs)
        model = built.model
        x = model.new_int_var(0, 2**60, "x")
        y = model.new_int_var(0, 2**60, "y")
        model.add(x * 8 + y * 8 >= 0)
        return built

    monkeypatch.setattr(solving, "build_model", invalid)


@pytest.mark.usefixtures("overflowing")
def test_an_invalid_model_raises_instead_of_giving_a_roster(tiny: Instance) -> None:
    with pytest.raises(ModelRejected, match=r"^CP-SAT rejected the model \(MODEL_INVALID\): "):
        solve(tiny, SolveOptions(time_limit=10, workers=1))


@pytest.mark.usefixtures("overflowing")
def test_model_rejected_names_the_reason_on_one_line(tiny: Instance) -> None:
    with pytest.raises(ModelRejected) as caught:
        solve(tiny, SolveOptions(time_limit=10, workers=1))
    message = str(caught.value)
    assert "overflow" in message
    assert "\n" not in message


@pytest.mark.usefixtures("overflowing")
def test_cli_reports_an_invalid_model_in_one_line_and_exits_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "roster.json"
    status = main(["solve", str(INSTANCES / "tiny.json"), "--out", str(out), "--workers", "1"])
    assert status == 70
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("internal error: CP-SAT rejected the model (MODEL_INVALID): ")
    assert "Traceback" not in err
    assert not out.exists()
