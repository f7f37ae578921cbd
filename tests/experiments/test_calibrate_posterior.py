"""A calibration that can be repeated: enough effective samples, overlapping intervals for two
design seeds, and a posterior that is not credible said in the table, the report and the exit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.calibrate import NOT_CREDIBLE_EXIT
from cli.main import main
from experiments.calibrate import calibrate
from tests.experiments.test_calibrate import SMALL

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Media awareness moves car awareness from about 0.17 to 0.49 over its prior at this size: a
# narrow target makes a peaked likelihood, where reweighting a prior sample collapses.
NARROW = """
name = "narrow"
scenario = "{scenario}"
seed = {seed}
households = 400
replications = 2
months = 12

[method]
waves = 2
points_per_wave = 6
candidates = 1024
steps = 300
check_replications = 2

[[parameters]]
path = "behaviour.awareness_p"
min = 0.001
max = 0.05

[[parameters]]
path = "behaviour.awareness_q"
min = 0.02
max = 0.4

[[targets]]
name = "car_aware"
outcome = "car.aware"
window = [6, 12]
observed = {observed}
sd = 0.005
source = "a test figure"
"""


def narrow_design(write_design, *, seed: int, observed: float = 0.3) -> Path:
    text = NARROW.format(
        scenario=(SCENARIOS / "baseline.toml").as_posix(), seed=seed, observed=observed
    )
    return write_design(text, f"narrow_{seed}_{observed}.toml")


def test_two_design_seeds_give_credible_posteriors_with_overlapping_intervals(
    write_design, tmp_path
):
    design = narrow_design(write_design, seed=5)
    first = calibrate(design, out=tmp_path / "seed-5", progress=False, echo=lambda _: None, **SMALL)
    second = calibrate(  # the same design, another design seed, compared with the first
        design,
        out=tmp_path / "seed-6",
        seed=6,
        compare_with=tmp_path / "seed-5",
        progress=False,
        echo=lambda _: None,
        **SMALL,
    )
    results = [first, second]

    for result in results:
        assert result.effective_samples >= 200, result.verdict()
        assert result.credible, result.verdict()
        assert result.chain.reliable
    mine, other = (result.intervals().set_index("parameter") for result in results)
    for parameter in mine.index:
        low_a, high_a = mine.loc[parameter, ["low_95", "high_95"]]
        low_b, high_b = other.loc[parameter, ["low_95", "high_95"]]
        assert low_a <= high_b and low_b <= high_a, (parameter, low_a, high_a, low_b, high_b)
    assert second.calibration.spec.seed == 6
    assert second.comparison["overlap"].all() and second.credible
    assert "## Another design seed" in (tmp_path / "seed-6" / "report.md").read_text()
    # the target informs: media awareness is pinned well inside its prior
    low, high = mine.loc["behaviour.awareness_p", ["low_95", "high_95"]]
    assert high - low < 0.5 * (0.05 - 0.001)


def test_an_empty_plausible_region_is_in_the_table_the_report_and_the_exit_status(
    write_design, tmp_path, capsys
):
    design = narrow_design(write_design, seed=5, observed=0.95)  # no point comes near
    out = tmp_path / "out"

    code = main(["calibrate", str(design), "--out", str(out), "--no-progress"])

    captured = capsys.readouterr()
    assert code == NOT_CREDIBLE_EXIT
    last = captured.out.strip().splitlines()[-1]
    assert last.startswith("posterior not credible: empty plausible region")
    assert "not credible: empty plausible region" in captured.err
    assert "effective samples (required 200)" in last
    assert "not ruled out after each wave: " in last and last.endswith(", 0.0%")
    table = pd.read_csv(out / "parameters.csv")
    assert not table["credible"].any()
    # the not-ruled-out share of every wave, and the verdict, in the table itself
    assert table["not_ruled_out_wave_2"].eq(0).all()
    assert {"not_ruled_out_wave_1", "effective_samples"} <= set(table.columns)
    assert table["verdict"].str.startswith("not credible: empty plausible region").all()
    report = (out / "report.md").read_text()
    assert "**Posterior not credible: empty plausible region" in report
    assert "| 2 | 0.0% |" in report  # the not-ruled-out share of the last wave
    fitted = (out / "baseline_calibrated.toml").read_text()
    assert "# Posterior: not credible: empty plausible region" in fitted


@pytest.mark.parametrize(
    ("series", "extra", "expected"),
    [
        (
            "[[24, 0.2, 0.05], [12, 0.25, 0.05]]",
            "",
            r"targets\[0\]: series: month 12 comes after 24; allowed: months in increasing order",
        ),
        (
            "[[6, 0.2, 0.05], [13, 0.25, 0.05]]",
            "",
            r"targets\[0\] \(members\): series: month 13 is outside the horizon \(months = 12\); "
            r"allowed: month 0 to month 12",
        ),
        (
            "[[6, 0.2, 0.0]]",
            "",
            r"targets\[0\]: series\[0\] = \[6.0, 0.2, 0.0\]: allowed: \[month \(a whole number\), "
            r"observed value, uncertainty above 0\]",
        ),
        (
            "[[6, nan, 0.05]]",
            "",
            r"targets\[0\]: series\[0\] = \[6.0, nan, 0.05\]: allowed: \[month \(a whole number\), "
            r"observed value, uncertainty above 0\], finite numbers \(no nan or inf\)",
        ),
        (
            "[[inf, 0.2, 0.05]]",
            "",
            r"targets\[0\]: series\[0\] = \[inf, 0.2, 0.05\]: allowed: ",
        ),
        (
            "[[2006, 0.2, 0.05]]",
            'dates = "year"\n',
            r"targets\[0\] \(members\): dates = 'year': no start_year in the design; allowed: ",
        ),
        (
            "[[6, 0.2, 0.05]]",
            "window = [6, 12]\n",
            r"targets\[0\]: window: a target with a series takes its figures from the series; "
            r"allowed: either observed, sd and window, or series",
        ),
    ],
)
def test_a_bad_dated_series_is_refused_in_one_line_naming_file_field_and_allowed(
    write_design, series, extra, expected
):
    from experiments.calibrate import load_calibration
    from experiments.errors import UserError

    design = write_design(
        SERIES.format(
            scenario=(SCENARIOS / "baseline.toml").as_posix(),
            start="",
            series=series,
            extra=extra,
            source='source = "a test figure"',
        ),
        "series.toml",
    )
    with pytest.raises(UserError, match=expected) as error:
        load_calibration(design)
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(str(design))


def test_a_series_without_a_source_is_refused(write_design):
    from experiments.calibrate import load_calibration
    from experiments.errors import UserError

    design = write_design(
        SERIES.format(
            scenario=(SCENARIOS / "baseline.toml").as_posix(),
            start="",
            series="[[6, 0.2, 0.05]]",
            extra="",
            source="",
        ),
        "series.toml",
    )
    with pytest.raises(
        UserError,
        match=r"series.toml: targets\[0\]: source: missing; allowed: a text naming where the "
        "observed figures come from",
    ):
        load_calibration(design)


def test_a_series_dated_in_years_becomes_one_target_per_year_over_its_months(write_design):
    from experiments.calibrate import load_calibration

    design = write_design(
        SERIES.format(
            scenario=(SCENARIOS / "baseline.toml").as_posix(),
            start="start_year = 2006",
            series="[[2006, 0.1, 0.05], [2007, 0.2, 0.04]]",
            extra='dates = "year"\n',
            source='source = "a test figure"',
        ).replace("months = 12", "months = 18"),
        "series.toml",
    )
    calibration = load_calibration(design)

    assert [item.label for item in calibration.items] == ["members@2006", "members@2007"]
    assert [item.window for item in calibration.items] == [(0, 11), (12, 18)]
    assert [item.observed for item in calibration.items] == [0.1, 0.2]
    assert [item.sd for item in calibration.items] == [0.05, 0.04]


SERIES = """
name = "series"
scenario = "{scenario}"
{start}
seed = 5
households = 120
months = 12

[[parameters]]
path = "behaviour.awareness_p"
min = 0.001
max = 0.05

[[targets]]
name = "members"
outcome = "car.aware"
{extra}series = {series}
{source}
"""


def test_a_peaked_likelihood_where_reweighting_the_prior_collapses_still_gets_200_samples(
    write_design,
):
    """The emulators of a calibration replaced by a known function of the unit square, each target
    reading one coordinate with a narrow uncertainty: reweighting the Sobol candidates of the prior
    (the former method) rests on a handful of them; MCMC on the same likelihood on 200 or more."""
    from scipy.stats import qmc

    from experiments.calibrate import (
        Emulators,
        draw_posterior,
        load_calibration,
        log_likelihood,
        observations,
        sobol_candidates,
    )

    text = narrow_design(write_design, seed=5).read_text()
    text += '\n[[targets]]\nname = "car_lenders"\noutcome = "car.lenders"\nwindow = [6, 12]\n'
    text += 'observed = 0.7\nsd = 0.005\nsource = "a test figure"\n'
    design = write_design(text, "peaked.toml")
    calibration = load_calibration(design)
    unit = qmc.LatinHypercube(2, seed=1).random(40)
    emulators = Emulators(unit, unit.copy(), np.zeros_like(unit), seed=1)  # target i reads x_i

    posterior, _, chain, share = draw_posterior(calibration, emulators)

    candidates = sobol_candidates(2, calibration.spec.method.candidates, 7)
    log_weight = log_likelihood(emulators, *observations(calibration))(candidates)
    weight = np.exp(log_weight - log_weight.max())
    reweighted_ess = weight.sum() ** 2 / (weight**2).sum()
    assert reweighted_ess < 20  # the former method's collapse
    assert chain.effective_samples >= 200 and chain.reliable
    prior_low = np.array([0.001, 0.02])
    width = np.array([0.049, 0.38])
    np.testing.assert_allclose(
        posterior.median().to_numpy(), prior_low + width * np.array([0.3, 0.7]), rtol=0.02
    )
    assert share > 0
