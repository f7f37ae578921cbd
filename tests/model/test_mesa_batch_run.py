"""The `mesa.batch_run` example of docs/model.md: distinct, reproducible replications, reported at the right month."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.model import TerritoryModel
from model.simulate import simulate

README = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def readme_batch_run() -> list[dict]:
    """Run the README's `mesa.batch_run` lines as written (from `import mesa` to the end of their block)."""
    text = README.read_text(encoding="utf-8")
    block = next(
        b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "mesa.batch_run(" in b
    )
    snippet = block[block.index("import mesa") :]
    namespace = {"TerritoryModel": TerritoryModel}
    exec(
        compile(
            snippet.replace("max_steps=24)", "max_steps=24, display_progress=False)"),
            str(README),
            "exec",
        ),
        namespace,
    )
    return namespace["runs"]


@pytest.fixture(scope="module")
def runs():
    return readme_batch_run()


def test_readme_batch_run_gives_distinct_replications(runs):
    for price in (10000.0, 20000.0):
        replications = [r for r in runs if r["goods.car.purchase_eur"] == price]
        assert len(replications) == 3
        outcomes = {(r["car.own"], r["sharing_households"], r["trust.mean"]) for r in replications}
        assert len(outcomes) == 3, "every replication of a point is the same run"


def test_readme_batch_run_is_reproducible_and_reports_the_month_it_names(runs):
    assert {r["Step"] for r in runs} == {24}
    for r in runs[:2]:
        series = simulate(
            households=1000,
            months=24,
            seed=r["seed"],
            overrides={"goods.car.purchase_eur": r["goods.car.purchase_eur"]},
        )
        month = series.iloc[24]
        assert month["month"] == 24
        assert (r["car.own"], r["sharing_households"], r["trust.mean"]) == (
            month["car.own"],
            month["sharing_households"],
            month["trust.mean"],
        )
    assert readme_batch_run() == runs


def test_rng_is_the_seed_by_its_mesa_name(tiny):
    scenario = tiny(households=100, months=1)
    assert TerritoryModel(scenario, rng=5).scenario.seed == 5
    with pytest.raises(TypeError):
        TerritoryModel(scenario, seed=1, rng=5)
