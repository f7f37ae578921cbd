"""Today's sharing: the operator fleets and subscribers a territory has at month 0.

Rules:
- An operator fleet (`today.fleets.*`: car-sharing, a tool library) is supply
  that exists today. Each month its units (a number, or a dated series read
  linearly between its months) stand in its zones, shared out in proportion to
  the zones' households; in the market it is a pool like a community pool, open
  to every household of those zones. It is not a policy: it costs the public
  nothing, its users' fees go to the operator (not to public revenue), and a
  comparison's baseline without policies keeps it.
- Its `subscribers` are households that share the good at month 0: in each
  served zone, the fleet's share of them (in proportion to households), taken
  among the households needing the good and not owning it, those who prefer
  sharing most (the same noisy utilities as the owners' choice at month 0).
  They know that the good can be shared, and have tried it.
- `today.goods.<good>.aware_share` and `lend_share`, where given, replace the
  good's `initial_aware_share` and `initial_lend_share`.
- Where no aware share is stated and a fleet of the good has been open `months_open`
  months before month 0, the aware share at month 0 is what the model's own learning
  from the media reaches over those months, 1 - (1 - `awareness_p`) ^ months (the
  longest-open fleet; never below `initial_aware_share`). Word of mouth is left
  out, so it is a lower bound; it keeps month 0 near the equilibrium's assumption
  that in the long run every household knows that it can share.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .scenario import Scenario, TerritoryFromData, units_in_month
from .territory import _split


def real_households_by_zone(scenario: Scenario) -> np.ndarray:
    """The territory's households in each zone: the real ones of a territory from data, else the
    scenario's households split by the zones' shares."""
    if isinstance(scenario.territory, TerritoryFromData):
        return scenario.territory.resolved().households.astype(float)
    return _split(
        scenario.households,
        [z.household_share for z in scenario.territory.zones.values()],
        minimum=0,
    ).astype(float)


def fleet_share_by_zone(scenario: Scenario, fleet) -> np.ndarray:
    """(Z,) the share of a fleet's units (and subscribers) standing in each zone: its zones'
    shares of their households."""
    zones = scenario.targeted_zones(fleet.zones)
    households = real_households_by_zone(scenario) * zones
    total = households.sum()
    return households / total if total > 0 else households


def fleets_of_today(scenario: Scenario) -> list[tuple[int, Any, np.ndarray]]:
    """Each fleet with its good's index and the share of its units standing in each real zone
    (`fleet_share_by_zone`): what `fleet_units` reads every month, found once."""
    goods = scenario.good_names
    return [
        (goods.index(fleet.good), fleet, fleet_share_by_zone(scenario, fleet))
        for fleet in scenario.today.fleets.values()
    ]


def fleet_units(
    scenario: Scenario, month: int, fleets: list[tuple[int, Any, np.ndarray]] | None = None
) -> list[tuple[int, np.ndarray, float]]:
    """For each fleet: its good's index, its units in each real zone this month, its price.
    `fleets`, as `fleets_of_today` gives them, when already found."""
    fleets = fleets_of_today(scenario) if fleets is None else fleets
    return [
        (g, units_in_month(fleet.units, month) * share, fleet.price_eur_per_use)
        for g, fleet, share in fleets
    ]


def subscribers_by_zone(scenario: Scenario, sampled_by_zone: np.ndarray) -> np.ndarray:
    """(Z, G) households of the sample subscribed to a fleet at month 0: each fleet's subscribers,
    per household of the territory, times the sample's households, shared out as its units (a
    whole number, within one household of the stated figure once scaled to the territory)."""
    counts = np.zeros((sampled_by_zone.size, len(scenario.goods)), dtype=np.int64)
    for fleet in scenario.today.fleets.values():
        if not fleet.subscribers:
            continue
        g = scenario.good_names.index(fleet.good)
        share = fleet_share_by_zone(scenario, fleet)
        weights = share / np.maximum(real_households_by_zone(scenario), 1) * sampled_by_zone
        total = int(round(fleet.subscribers * weights.sum()))
        if weights.sum() > 0:
            counts[:, g] += _split(total, list(weights), minimum=0)
    return np.minimum(counts, sampled_by_zone[:, None].astype(np.int64))


def aware_share_at_start(scenario: Scenario) -> np.ndarray:
    """(G,) share of the households needing each good who know at month 0 that it can be shared:
    the stated `today.goods.<good>.aware_share`, else the media's reach over the months its
    longest-open fleet has been open, else the good's `initial_aware_share`."""
    p = scenario.behaviour.awareness_p
    shares = []
    for name, good in scenario.goods.items():
        stated = getattr(scenario.today.goods.get(name), "aware_share", None)
        opened = [
            f.months_open
            for f in scenario.today.fleets.values()
            if f.good == name and f.months_open is not None
        ]
        if stated is not None:
            shares.append(stated)
        elif opened:
            shares.append(max(good.initial_aware_share, 1.0 - (1.0 - p) ** max(opened)))
        else:
            shares.append(good.initial_aware_share)
    return np.array(shares, dtype=float)
