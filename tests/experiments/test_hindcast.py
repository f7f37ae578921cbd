"""The Bordeaux hindcast: the scenario's fleet follows Citiz's growth, and the command writes the
comparison with the observed members year by year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from model.policies import PolicyBook
from model.scenario import load_scenario
from model.today import fleet_units, real_households_by_zone

ROOT = Path(__file__).resolve().parents[2]
HINDCAST = ROOT / "scenarios" / "bordeaux_hindcast_2006.toml"
DESIGN = ROOT / "experiments" / "designs" / "hindcast_bordeaux.toml"


def test_the_hindcast_starts_in_2006_with_the_fleet_growing_as_citiz_did():
    scenario = load_scenario(HINDCAST, {"households": 600})

    assert scenario.months == 240  # 2006 to 2025
    (fleet,) = scenario.today.fleets.values()
    assert fleet.subscribers == 20  # about 20 users in 2006
    real_cars = {
        month: sum(u.sum() for _, u, _ in fleet_units(scenario, month))
        for month in (0, 6, 66, 126, 162, 234, 239)
    }
    assert real_cars[0] == pytest.approx(3) and real_cars[6] == pytest.approx(3)
    assert real_cars[66] == pytest.approx(3 + (66 - 3) / 2)  # linear between 2006 and 2016
    assert real_cars[126] == pytest.approx(66)
    assert real_cars[162] == pytest.approx(102)
    assert real_cars[234] == pytest.approx(200) and real_cars[239] == pytest.approx(200)

    book = PolicyBook(scenario, np.bincount(np.arange(600) % len(scenario.zone_names)))
    real = real_households_by_zone(scenario)
    for month, cars in ((126, 66), (234, 200)):
        pool = book.effects(month).operator_units[:, scenario.good_names.index("car")]
        sampled = np.bincount(np.arange(600) % len(scenario.zone_names))
        assert (pool / sampled * real).sum() == pytest.approx(
            cars, rel=1e-6
        )  # per household, scaled
    assert scenario.policies == {}  # the fleet is the status quo, not a policy


def test_the_hindcast_command_writes_the_yearly_table_and_the_figure(tmp_path, capsys):
    design = tmp_path / "hindcast.toml"
    text = DESIGN.read_text(encoding="utf-8")
    text = text.replace('"../../scenarios/', f'"{(ROOT / "scenarios").as_posix()}/')
    text = text.replace("households = 8000", "households = 300").replace(
        "replications = 3", "replications = 2"
    )
    design.write_text(text, encoding="utf-8")
    page, figure = tmp_path / "docs" / "hindcast.md", tmp_path / "docs" / "hindcast" / "members.png"

    code = main(
        [
            "hindcast",
            str(design),
            "--out",
            str(tmp_path / "out"),
            "--page",
            str(page),
            "--figure",
            str(figure),
            "--no-progress",
        ]
    )

    assert code == 0
    assert figure.is_file() and figure.stat().st_size > 10_000
    text = page.read_text(encoding="utf-8")
    table = capsys.readouterr().out
    for year, observed in (("2006", "20"), ("2016", "1,700"), ("2019", "4,000"), ("2025", "9,000")):
        row = next(line for line in table.splitlines() if line.startswith(f"| {year} "))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] == observed  # observed households, scaled to the real territory
        assert float(cells[3].replace(",", "")) >= 0  # the model's figure for that year
        assert float(cells[4].replace(",", "")) >= 0  # a share's interval stays a share
        assert row in text
    assert "partage hindcast" in text and "recita.org" in text
    assert "![Hindcast](hindcast/members.png)" in text


def test_citiz_members_are_compared_with_the_fleets_users_not_every_car_sharer():
    from experiments.calibrate import load_calibration

    calibration = load_calibration(DESIGN)
    dated = [item for item in calibration.items if item.date is not None]
    assert {item.target.outcome for item in dated} == {"car.pool_users.share"}
