"""Sensitivity indices beside the model's own noise: the Ishigami function (indices known
analytically) with Gaussian noise added to every run, small or dominant.

Each point has its own seeds (`common_random_numbers = false`), so the noise is independent
between points, as the model's is once parameters change its trajectories."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from experiments.design import load_design
from experiments.sensitivity import NOISE_LIMIT, analyse, caution, index_table, noise_share
from experiments.sweep import run_sweep
from experiments.targets import IshigamiTarget, ishigami_indices


@pytest.fixture
def noisy_ishigami(monkeypatch):
    """Ishigami plus N(0, sd^2) drawn from the run's seed."""
    clean = IshigamiTarget.simulate

    def with_noise(sd):
        def simulate(self, prepared, *, seed):
            series = clean(self, prepared, seed=seed)
            series["y"] += np.random.default_rng(seed).normal(0.0, sd)
            return series

        monkeypatch.setattr(IshigamiTarget, "simulate", simulate)

    return with_noise


def sobol_sweep(write_design, example_design, directory):
    text = example_design("ishigami_sobol")
    text = re.sub(r"samples = \d+", "samples = 64", text)
    text = text.replace("replications = 1", "replications = 2\ncommon_random_numbers = false")
    run_sweep(write_design(text), out=directory, progress=False)
    return analyse(directory, resamples=300)


def test_indices_are_unreadable_when_the_replications_noise_dominates(
    noisy_ishigami, write_design, example_design, tmp_path
):
    noisy_ishigami(12.0)  # noise variance 144 against the function's 13.8
    table = sobol_sweep(write_design, example_design, tmp_path / "noisy")
    share = table["noise_share"].iloc[0]
    assert share >= NOISE_LIMIT
    assert not table["readable"].any()
    assert table["reason"].str.startswith("noise share").all()
    assert "noise dominates" in caution(table)


def test_indices_are_readable_when_the_noise_is_small(
    noisy_ishigami, write_design, example_design, tmp_path
):
    noisy_ishigami(0.3)
    table = sobol_sweep(write_design, example_design, tmp_path / "quiet")
    assert table["noise_share"].iloc[0] < 0.05
    readable = table.set_index("parameter")["readable"]
    assert readable["x1"] and readable["x2"]


def test_the_noise_share_leaves_out_what_a_replication_shares_at_every_point():
    points = np.repeat(np.arange(50), 2)
    replication = np.tile([0, 1], 50)
    effect = np.linspace(0, 10, 50)[points]
    shift = np.where(replication == 0, -5.0, 5.0)  # common random numbers: same draw everywhere
    values = pd.DataFrame({"point_id": points, "replication": replication, "y": effect + shift})
    assert noise_share(values, "y") == pytest.approx(0.0, abs=1e-12)
    noise = np.random.default_rng(1).normal(0, 3.0, len(points))
    values["y"] = effect + noise
    expected = 4.5 / (np.var(np.linspace(0, 10, 50), ddof=1) + 4.5)  # noise of a mean of 2
    assert noise_share(values, "y") == pytest.approx(expected, rel=0.5)


def test_narrow_intervals_do_not_make_noise_readable(tmp_path, write_design, example_design):
    """N = 2048, four replications, computed in memory: with dominant noise the intervals are
    narrow (every half-width well below 0.25, the old rule's limit) yet the total indices sum to
    about 2.5, each inflated by the noise; the noise share flags them all. With little noise the
    indices are the analytic ones and readable."""
    text = re.sub(r"samples = \d+", "samples = 2048", example_design("ishigami_sobol"))
    design = load_design(write_design(text.replace("replications = 1", "replications = 4")))
    x = np.array([point.x for point in design.points()])
    clean = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    rng = np.random.default_rng(3)
    exact = ishigami_indices()
    for sd, dominant in ((12.0, True), (0.3, False)):
        values = pd.concat(
            [
                pd.DataFrame(
                    {
                        "point_id": np.arange(len(x)),
                        "replication": r,
                        "month": "horizon",
                        "y": clean + rng.normal(0.0, sd, len(x)),
                    }
                )
                for r in range(4)
            ],
            ignore_index=True,
        )
        table = index_table(design.spec, values, x, ["y"], resamples=200)
        assert (table[["S1_conf", "ST_conf"]] < 0.1).all().all()
        if dominant:
            assert table["noise_share"].iloc[0] > NOISE_LIMIT
            assert table["ST"].sum() > 2.0
            assert not table["readable"].any()
        else:
            assert table["noise_share"].iloc[0] < 0.01
            assert table["readable"].all()
            assert np.allclose(table["ST"], exact["ST"], atol=0.1)
