"""The scalar reference: Mesa agents stepping themselves must agree with the vectorized model.

Agreement is statistical (the two draw their own random numbers after month 0):
with paired seeds, the mean paired difference of each final outcome must lie
within 4 standard errors of zero (`experiments.validation.reference.check_reference`). The
same check must reject a reference whose rules differ.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.validation.bass import check_bass
from experiments.validation.reference import REFERENCE_Z_LIMIT, check_reference
from model.households import Mode
from model.model import TerritoryModel
from model.reference import ReferenceHousehold, ReferenceModel


def test_reference_starts_from_the_vectorized_models_households(tiny):
    scenario = tiny(households=200, months=3)
    fast = TerritoryModel(scenario, agents=False)
    slow = ReferenceModel(scenario)
    assert all(isinstance(a, ReferenceHousehold) for a in slow.agents)
    assert len(slow.agents) == 200
    modes = np.array([p.mode for p in slow.people])
    assert (modes == fast.households.mode).all()
    assert np.allclose([p.trust for p in slow.people], fast.households.trust)
    degree = np.array([len(p.ties) for p in slow.people])
    assert (degree == fast.degree).all()
    for name in ("car.own", "drill.share", "trust.mean", "lawnmower.aware"):
        assert slow.series[0][name] == pytest.approx(fast.series[0][name])


def test_reference_is_deterministic_for_a_seed(tiny):
    scenario = tiny(households=150, months=6)
    a, b = ReferenceModel(scenario, seed=7), ReferenceModel(scenario, seed=7)
    a.run()
    b.run()
    assert a.series == b.series
    c = ReferenceModel(scenario, seed=8)
    c.run()
    assert c.series != a.series


def test_reference_shares_sum_to_one_and_lenders_own(tiny):
    model = ReferenceModel(tiny(households=200, months=12))
    model.run()
    for good in model.goods.names:
        total = sum(model.series[-1][f"{good}.{m}"] for m in ("own", "rent", "share", "forgo"))
        assert total == pytest.approx(1.0)
    for person in model.people:
        for g in range(model.n_goods):
            assert not person.lending[g] or person.mode[g] == Mode.OWN


def test_reference_and_vectorized_model_agree_statistically():
    result = check_reference(households=500, months=24, replications=6)
    assert result["passed"], result["rows"]
    assert result["max_abs_z"] <= REFERENCE_Z_LIMIT


def test_equivalence_check_rejects_a_reference_with_other_rules():
    # Media awareness ten times higher in the reference only: the check must see it.
    result = check_reference(
        households=500,
        months=24,
        replications=4,
        reference_overrides={"behaviour.awareness_p": 0.05},
    )
    assert not result["passed"]


def test_reference_follows_the_bass_curve_in_the_bass_limit():
    result = check_bass(
        0.03, 0.38, households=1_000, months=20, replications=2, model_class=ReferenceModel
    )
    assert result["passed"], result["goods"]
