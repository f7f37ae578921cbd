"""Same scenario and seed, same series, bit for bit, across changes to how the month is computed.

The fingerprints were recorded on the model before its speed work (numpy layout, dtypes, draws):
a change that only makes the month faster must leave them as they are. A change of the rules
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
        "a585aa1bac91c8ae72c9489edc82e3dcd397b13e96e7498f42fa47f0c73a82cc"
    ),
    ("territoire_partage.toml", 400, 24, ()): (
        "66cad1668fd2a47d4ca10cbd9b65b6fa44c83bd085bcc40565c0a7d2dcd2c11f"
    ),
    ("bordeaux_metropole.toml", 600, 24, ()): (
        "7c55e1eeddb3c4dcd456fa5313cdfa90c4eaf7499d7770b48e08cf466fcf8378"
    ),
    ("baseline.toml", 300, 18, (("network.kind", "well-mixed"),)): (
        "57bf4c97f9fd101ac1cc1e1fca86620af2cf56426ddbeb7cb95c6a0ee4082fe4"
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
