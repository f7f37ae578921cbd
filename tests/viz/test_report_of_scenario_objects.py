"""A comparison of scenarios given as objects (as the app's Compare page does) has a report with
their levers: the comparison keeps their definitions, for they have no file."""

from __future__ import annotations

from experiments.compare import compare_scenarios
from model.scenario import load_scenario
from viz.report import write_report


def test_the_report_of_a_comparison_of_scenario_objects_shows_their_levers(tmp_path, baseline_path):
    baseline = load_scenario(baseline_path)
    library = load_scenario(baseline_path.parent / "tool_library.toml")
    compare_scenarios(
        baseline,
        {"tool_library": library},
        replications=2,
        households=100,
        months=6,
        directory=tmp_path / "comparison",
    )
    html, _ = write_report(tmp_path / "comparison", lang="en", pdf=False)
    text = html.read_text(encoding="utf-8")
    assert "Size of the pool" in text and "can no longer be read" not in text
