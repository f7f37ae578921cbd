"""A finished calibration on the Policy design page: its figures drawn in the page's language, its
shares written as percentages, its two tables of targets built by one row builder.

The calibration read is the one the docs show (`docs/calibration/bordeaux_metropole`, what
`partage calibrate` wrote); a test that needs posterior draws of its own writes a small set beside
a copy of its tables.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from viz.calibration import CalibrationTables

ROOT = Path(__file__).resolve().parents[2]
SHOWN = ROOT / "docs" / "calibration" / "bordeaux_metropole"
ENGLISH_WORDS = re.compile(r"\b(before|after|observed|posterior|prior|Fit per|range)\b")
ENGLISH_DECIMAL = re.compile(r"\d\.\d")


def copy_of_tables(folder: Path) -> Path:
    """`folder` with a copy of the docs' calibration tables, without its posterior's draws."""
    for path in SHOWN.iterdir():
        if path.is_file() and path.suffix in (".csv", ".json"):
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def with_draws(tmp_path_factory) -> Path:
    """The docs' calibration tables with 400 posterior draws inside each 95 % interval."""
    folder = copy_of_tables(tmp_path_factory.mktemp("calibration"))
    intervals = pd.read_csv(folder / "parameters.csv").set_index("parameter")
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            name: rng.uniform(row["low_95"], row["high_95"], 400)
            for name, row in intervals.iterrows()
        }
    ).to_parquet(folder / "posterior.parquet", index=False)
    return folder


def texts_of(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_figures_are_drawn_in_the_pages_language(with_draws, lang):
    """The French page showed no figure: `partage calibrate`'s PNGs carry English words. Every
    text of the figures drawn for the page is in its language, numbers in its format."""
    from viz.calibration_figures import calibration_figures

    figures = calibration_figures(with_draws, lang)
    assert set(figures) == {"parameters", "fit", "correlation"}
    texts = [text for figure in figures.values() for text in texts_of(figure.figure)]
    assert "Ambarès-et-Lagrave" in texts, "communes are named, never numbered"
    assert not any("behaviour." in t or "[33" in t or "_" in t for t in texts), texts
    if lang == "fr":
        assert "Paramètres calibrés sur leur plage a priori" in " ".join(texts)
        assert "Force de l’habitude" in texts
        english = [t for t in texts if ENGLISH_WORDS.search(t)]
        assert english == []
        assert [t for t in texts if ENGLISH_DECIMAL.search(t)] == []
        assert any(re.fullmatch(r"-?\d+,\d+", t) for t in texts), "no French number shown"
        assert all(
            figure.alt and not ENGLISH_WORDS.search(figure.alt) for figure in figures.values()
        )
    else:
        assert "Calibrated parameters over their prior range" in " ".join(texts)
        assert "Force of habit" in texts
    for figure in figures.values():
        assert figure.png.startswith(b"\x89PNG")


def test_without_the_posteriors_draws_there_is_no_correlation_figure(tmp_path):
    """A calibration kept without its `posterior.parquet`: the parameters are drawn from their
    95 % intervals and the correlations, which need the draws, are left out."""
    from viz.calibration_figures import calibration_figures

    assert set(calibration_figures(copy_of_tables(tmp_path), "fr")) == {"parameters", "fit"}


def test_a_tick_between_two_round_numbers_keeps_its_decimals():
    """The French parameters' axes read "0,2 0,5 0,8" for ticks at 0.25, 0.5 and 0.75."""
    from viz.svg import tick_label

    assert [tick_label(v, 0.25, "fr") for v in (0.25, 0.5, 0.75)] == ["0,25", "0,50", "0,75"]
    assert tick_label(-2.5, 2.5, "en") == "-2.5"
    assert tick_label(0.2, 0.2, "fr") == "0,2"
    assert tick_label(3000, 1000, "en") == "3,000"


def test_drawn_figures_are_kept_until_the_tables_change(with_draws):
    from viz.calibration_figures import calibration_figures, drawn_figures

    drawn_figures.cache_clear()
    calibration_figures(with_draws, "fr")
    calibration_figures(with_draws, "fr")
    assert drawn_figures.cache_info().hits == 1


def test_shares_are_shown_as_percentages_in_the_languages_format():
    """The targets' shares read "0,228 ± 0,01" where a planner reads "22,8 %": levels of a share
    in percent (French "22,8 %" with a narrow no-break space), drifts in percentage points, other
    figures (cars given up per shared car) as numbers."""
    tables = CalibrationTables(SHOWN)
    fr = {row[0]: row for row in tables.fit_rows("fr")}
    en = {row[0]: row for row in tables.fit_rows("en")}
    level_fr = next(
        row for words, row in fr.items() if words.startswith("part des ménages sans voiture :")
    )
    level_en = next(row for words, row in en.items() if words.startswith("share of households"))
    assert level_fr[1] == "22,8\u202f% ± 1\u202f%" and "22,8\u202f% ± 1\u202f%" in level_fr[0]
    assert level_en[1] == "22.8% ± 1%"
    fitted = tables.fit.set_index("target").loc["car_free_share", "fitted"]
    assert level_fr[3].startswith(f"{fitted * 100:.1f}".replace(".", ",") + "\u202f% (")
    users = next(row for words, row in en.items() if words.startswith("car-sharing users"))
    assert users[1] == "2.14% ± 0.8%"
    drift = next(row for words, row in fr.items() if words.endswith("Talence"))
    assert drift[1] == "0\u00a0pts ± 1\u00a0pts" and "pts (" in drift[2]
    cars = next(row for words, row in en.items() if words.startswith("cars given up"))
    assert cars[1] == "10 ± 2"
    reach = {row[0]: row for row in tables.reach_rows("fr")}
    lowest, highest = tables.reach.set_index("target").loc["car_free_share", ["lowest", "highest"]]
    assert reach[level_fr[0]][2] == " – ".join(
        f"{share * 100:.3g}".replace(".", ",") + "\u202f%" for share in (lowest, highest)
    )
    from viz.calibration import target_figure

    assert target_figure(0.228, "", "level", "fr") == "0,228", "no outcome named: a plain number"
    shares = [row for words, row in fr.items() if not words.startswith("voitures abandonnées")]
    assert all("%" in cell or "pts" in cell for row in shares for cell in row[1:4]), shares


def test_the_fit_and_reach_tables_are_built_by_one_row_builder(monkeypatch):
    """Both tables of targets come from `CalibrationTables.target_rows`: their target words and
    observed figures are written once, so they cannot drift apart."""
    tables = CalibrationTables(SHOWN)
    built = []
    original = CalibrationTables.target_rows

    def counted(self, frame, lang, cells):
        built.append(len(frame))
        return original(self, frame, lang, cells)

    monkeypatch.setattr(CalibrationTables, "target_rows", counted)
    fit, reach = tables.fit_rows("en"), tables.reach_rows("en")
    assert built == [len(tables.fit), len(tables.reach)]
    assert [row[:2] for row in fit] == [row[:2] for row in reach]


def test_a_target_by_commune_is_mapped_with_the_communes_where_it_holds():
    from viz.calibration_figures import commune_targets

    tables = CalibrationTables(SHOWN)
    keys = list(tables.territory().keys)
    (target,) = commune_targets(tables, keys)
    assert target.name == "car_free_drift" and target.statistic == "drift"
    rows = tables.fit[tables.fit["target"] == f"car_free_drift[{keys[0]}]"].iloc[0]
    assert target.fitted[0] == pytest.approx(rows["fitted"])
    assert target.holds_observed[0] == (rows["fitted_low"] <= 0 <= rows["fitted_high"])
    assert target.title("fr").startswith("part des ménages sans voiture (dérive sans politique)")


def test_the_trust_panel_and_the_report_write_the_calibrations_shares_in_percent():
    """The trust panel and the council report named the calibrated scenario's targets with their
    shares as fractions ("part des ménages sans voiture : 0,23 ± 0,01")."""
    from viz.report import calibration_targets, target_text

    targets = calibration_targets("bordeaux_metropole_calibrated")
    french = [target_text(target, "fr") for target in targets]
    english = [target_text(target, "en") for target in targets]
    assert "part des ménages sans voiture : 22,8\u202f% ± 1\u202f% (recensement 2022)" in french
    assert "car-sharing users per household: 2.14% ± 0.8% (Citiz, 2025)" in english
    assert any("(dérive 0\u00a0pts ± 1\u00a0pts)" in text for text in french)
    assert "cars given up per shared car: 10 ± 2 (6t / ADEME 2016)" in english


def test_targets_by_commune_are_grouped_under_their_outcome_on_the_fit_figure():
    """The fit figure's rows named only communes ("Ambès", "Bassens"...): each group of targets by
    commune now has a header row naming what is measured."""
    from viz.calibration_figures import calibration_figures, target_slots

    assert target_slots(["a[1]", "a[2]", "b", "c[1]"]) == ([1, 2, 3, 5], [(0, "a"), (4, "c")])
    texts = texts_of(calibration_figures(SHOWN, "fr")["fit"].figure)
    assert "part des ménages sans voiture (dérive\nsans politique)" in texts


def test_a_posterior_that_cannot_be_drawn_leaves_out_its_figures_only(tmp_path):
    """Draws that are not numbers are not drawn: the parameters are drawn from their intervals,
    the correlations left out, never a broken page."""
    from viz.calibration_figures import calibration_figures

    for path in SHOWN.iterdir():
        if path.is_file() and path.suffix in (".csv", ".json"):
            shutil.copy(path, tmp_path / path.name)
    names = pd.read_csv(tmp_path / "parameters.csv")["parameter"]
    pd.DataFrame({name: ["a", "b", "c"] for name in names}).to_parquet(
        tmp_path / "posterior.parquet", index=False
    )
    figures = calibration_figures(tmp_path, "en")
    assert set(figures) == {"parameters", "fit"}
    assert "posterior 95% interval" in texts_of(figures["parameters"].figure)


def test_a_grids_zones_are_named_in_the_pages_language():
    """A calibration on the abstract grid named its zones by their keys on the French page
    ("— suburb"); its fit figure's first group header stayed above the frame, over the title."""
    from viz.calibration_figures import calibration_figures

    grid = ROOT / "docs" / "calibration" / "bordeaux_grid"
    rows = [row[0] for row in CalibrationTables(grid).fit_rows("fr")]
    assert any(words.endswith("— périphérie") for words in rows), rows
    figure = calibration_figures(grid, "fr")["fit"].figure
    assert "périphérie" in texts_of(figure)
    (ax,) = figure.axes
    header = next(t for t in ax.texts if t.get_fontweight() == "bold")
    assert ax.get_ylim()[0] <= header.get_position()[1] <= ax.get_ylim()[1]
