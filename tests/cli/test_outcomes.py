"""`partage outcomes`: every column a run writes is listed with its unit and meaning, from one declaration."""

from __future__ import annotations

from pathlib import Path

from cli.main import main
from cli.outcomes import outcomes_markdown
from model.outcomes import declaration_of
from model.scenario import load_scenario
from model.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]


def test_every_column_of_a_run_is_listed_with_a_unit_and_a_meaning(baseline_path, capsys):
    series = simulate(load_scenario(baseline_path), households=80, months=1, agents=False)
    assert main(["outcomes", str(baseline_path)]) == 0
    rows = {}
    for line in capsys.readouterr().out.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and not cells[0].startswith("-"):
            rows[cells[0]] = cells
    assert set(series.columns) <= set(rows)
    assert set(rows) - {"column"} - set(series.columns) == set()
    for column in series.columns:
        _, unit, family, meaning = rows[column]
        assert unit and family and len(meaning) > 10, column


def test_by_zone_columns_follow_the_scenario_and_have_the_range_of_a_share(baseline_path):
    scenario = load_scenario(baseline_path)
    for zone in scenario.zone_names:
        assert declaration_of(f"car.share.{zone}").bounds == (0.0, 1.0)
    assert declaration_of("sharing_households.share").pattern == "sharing_households.share"
    assert declaration_of("uses.unmet").bounds == (0.0, None)
    assert declaration_of("adoption_share") is None  # a validation target's own outcome


def test_the_docs_page_is_the_commands_output(baseline_path):
    page = (ROOT / "docs" / "examples" / "outcomes-baseline.md").read_text(encoding="utf-8")
    assert outcomes_markdown(str(baseline_path)) in page
    assert "partage outcomes" in (ROOT / "docs" / "running.md").read_text(encoding="utf-8")


def test_a_territory_from_data_lists_its_real_columns(capsys):
    path = ROOT / "scenarios" / "bordeaux_metropole.toml"
    series = simulate(load_scenario(path), households=200, months=1, agents=False)
    assert main(["outcomes", str(path)]) == 0
    out = capsys.readouterr().out
    listed = {line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")}
    assert set(series.columns) == listed - {"column"}
    assert "real.households" in listed
