"""Same scenario and seed, same series, bit for bit, across changes to how the month is computed.

The fingerprints were recorded on the model without its speed work (numpy layout, sums over ties,
reporters), with the rules of today's territory (pools within a walk, members keeping their first
car): a change that only makes the month faster must leave them as they are. A change of the rules
changes them legitimately; then the new fingerprints are recorded with the reason in the commit.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from model.model import TerritoryModel
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"

# scenario file, households, months, extra overrides -> sha256 of the monthly series and zone series
FINGERPRINTS = {
    ("baseline.toml", 400, 24, ()): (
        "547ab770a7230940b8d909cb066c57d9039c21da49fd4c77565626fccbe02715"
    ),
    ("territoire_partage.toml", 400, 24, ()): (
        "b7ca423c9330fbcc80d6014f62d2ef4b176ac1c890d890ff52320ea66822205d"
    ),
    ("bordeaux_metropole.toml", 600, 24, ()): (
        "9c19bf4d7bddce2398c7f55c083ed7fbb0d6536c68574601fbf1730625cac705"
    ),
    ("baseline.toml", 300, 18, (("network.kind", "well-mixed"),)): (
        "1ba1081a5bb3f7c7934ca73305fc523f5ae394324fc12497c61b0769dbf4fc66"
    ),
}


def fingerprint(scenario: str, households: int, months: int, overrides: tuple) -> str:
    """sha256 of the monthly outcomes (floats in their exact repr) and of the outcomes by zone."""
    model = TerritoryModel(
        SCENARIOS / scenario, households=households, months=months, overrides=dict(overrides)
    )
    model.run()
    digest = hashlib.sha256(json.dumps(model.series, sort_keys=True).encode())
    for month in model.zone_series:
        digest.update(month.tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("case", list(FINGERPRINTS), ids=lambda case: f"{case[0]}-{case[1]}")
def test_series_are_those_recorded_before_the_speed_work(case):
    assert fingerprint(*case) == FINGERPRINTS[case]
