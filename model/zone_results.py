"""Outcomes by zone, every month, kept as a long table (month, zone, outcome, value).

For each zone, with shares over the zone's sampled households:
- per good: `{good}.own`, `.rent`, `.share`, `.forgo` (shares of the zone's
  households needing the good, as in the territory-wide series), `.lenders`
  (share of them lending) and `{good}.without.share` (share of all the zone's
  households owning none: for the car, the census's car-free share);
- `sharing_households.share` (households sharing at least one good);
- `emissions.month_t`: embodied t CO2e of the goods in use in the zone (owned,
  and pooled by policies), spread over their lifetimes, this month;
- `spending.mean_eur`: mean household spending on the goods (EUR/month);
- `trust.mean`; `public.subsidy_eur`: sharing subsidy paid in the zone;
- per good, `{good}.per_household` (units held per household: cars per household),
  `{good}.one.share` and `{good}.several.share` (shares of all the zone's
  households holding one unit, and more than one);
- counts: `households`, `sharing_households`, `{good}.stock` (units held), and for a
  territory from data each count and each euro or tonne total scaled to the
  zone's real households as `real.<outcome>` (the others are the sample's).

Zone identifiers are grid zone names, or keys of zones from data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .households import Mode

UNITS = {
    "share": "share of households",
    "households": "households",
    "stock": "goods owned",
    "t": "t CO2e per month",
    "eur": "EUR per month",
    "trust": "trust (0 to 1)",
}


def outcome_names(goods: list[str], real: bool) -> list[str]:
    names = []
    for good in goods:
        names += [f"{good}.{mode}" for mode in ("own", "rent", "share", "forgo", "lenders")]
        names += [f"{good}.without.share", f"{good}.stock"]
        names += [f"{good}.per_household", f"{good}.one.share", f"{good}.several.share"]
    names += [
        "households",
        "sharing_households",
        "sharing_households.share",
        "emissions.month_t",
        "spending.mean_eur",
        "trust.mean",
        "public.subsidy_eur",
    ]
    if real:
        names += [f"real.{name}" for name in names if _scaled(name)]
    return names


def _scaled(name: str) -> bool:
    return name in (
        "households",
        "sharing_households",
        "emissions.month_t",
        "public.subsidy_eur",
    ) or (name.endswith(".stock"))


def real_scales(scenario, households_by_zone: np.ndarray):
    """(territory scale, (Z,) zone scales) from the sample to the real territory, or (None, None) on
    a grid; a zone without sampled households has no scale (NaN)."""
    from .scenario import TerritoryFromData

    if not isinstance(scenario.territory, TerritoryFromData):
        return None, None
    real = scenario.territory.resolved().households
    sampled = households_by_zone.astype(float)
    zone_scale = np.divide(real, sampled, out=np.full(real.shape, np.nan), where=sampled > 0)
    return float(real.sum() / sampled.sum()), zone_scale


def household_weights(zone_scale: np.ndarray | None, household_zone: np.ndarray):
    """(N,) the real households each sampled household stands for (its zone's scale), the weight
    of every territory-wide share, mean and `real.<outcome>`; None on a grid (unweighted)."""
    return None if zone_scale is None else zone_scale[household_zone]


def unit_of(outcome: str) -> str:
    """The unit of a zone outcome, for legends."""
    name = outcome.removeprefix("real.")
    if name.endswith("_t"):
        return UNITS["t"]
    if name.endswith("_eur"):
        return UNITS["eur"] if name.startswith("spending") else "EUR this month"
    if name.endswith(".stock"):
        return UNITS["stock"]
    if name.startswith("trust"):
        return UNITS["trust"]
    if name in ("households", "sharing_households"):
        return UNITS["households"]
    return UNITS["share"]


@dataclass
class ZoneTally:
    """This month's counts by zone and good, taken in one pass over the households and shared by
    the territory-wide outcomes and the outcomes by zone."""

    modes: np.ndarray  # (Z, G, M + 1) households by mode, the last column those not needing it
    lenders: np.ndarray  # (Z, G) households lending the good
    several: np.ndarray  # (Z, G) owners holding more than one unit
    coded: np.ndarray  # (N, G) each household's mode of each good; M + its mode where not needed
    several_flags: np.ndarray | None  # (N, G) owns several units of a good of several; None if none

    @property
    def owning(self) -> np.ndarray:
        """(N, G) flags: owns the good and needs it."""
        return self.coded == Mode.OWN

    @property
    def sharing(self) -> np.ndarray:
        """(N, G) flags: shares the good and needs it."""
        return self.coded == Mode.SHARE

    def needing_in(self, mode: Mode) -> np.ndarray:
        """(N, G) flags: needs the good and is in `mode` for it."""
        return self.coded == mode


# One code per household and good, counted in one `bincount` over zones and goods: its mode, plus
# M where it does not need the good, plus 2 M where it lends it, plus 4 M where it owns several.
NOT_NEEDED_CODE = len(Mode)
LENDING_CODE = 2 * len(Mode)
SEVERAL_CODE = 4 * len(Mode)
CODES = 8 * len(Mode)


def tally_of_counts(
    counts: np.ndarray,
    zones: int,
    goods_count: int,
    coded: np.ndarray,
    several_flags: np.ndarray | None,
) -> ZoneTally:
    """The `ZoneTally` of the (Z * G * CODES,) households by zone, good and code."""
    counts = counts.reshape(
        zones, goods_count, 2, 2, 2, len(Mode)
    )  # zone, good, several, lending, not needed, mode
    by_need = counts.sum(axis=(2, 3))  # (Z, G, 2, M)
    return ZoneTally(
        modes=np.concatenate([by_need[:, :, 0, :], by_need[:, :, 1, :].sum(axis=2)[..., None]], 2),
        lenders=counts[:, :, :, 1].sum(axis=(2, 3, 4)),
        several=counts[:, :, 1].sum(axis=(2, 3, 4)),
        coded=coded,
        several_flags=several_flags,
    )


def measure_zones(
    model,
    market,
    spending: np.ndarray,
    tally: ZoneTally,
    sharing_any: np.ndarray,
    sums: tuple | None = None,
    subsidy: np.ndarray | None = None,
) -> np.ndarray:
    """This month's outcomes by zone: a (Z, K) array in the order of `outcome_names`;
    `sharing_any` (N,) flags the households sharing at least one good. `sums`, when given, are
    the (Z,) sums of the spending and the trust and the households sharing a good by zone, as
    `np.bincount` gives them (`reporters.households_month`), and `subsidy` the (Z,) sharing
    subsidies paid by zone likewise."""
    hh, goods = model.households, model.goods
    zones = model.zone_count
    zone = hh.zone_index  # converted once per run
    size = model.households_by_zone.astype(float)
    safe_size = np.maximum(size, 1)
    columns = []
    owned = np.zeros((zones, len(goods.names)))
    for g in range(len(goods.names)):
        counts = tally.modes[:, g, :].astype(float)
        needing = np.maximum(counts[:, : len(Mode)].sum(axis=1), 1)
        for m in range(len(Mode)):
            columns.append(counts[:, m] / needing)
        columns.append(tally.lenders[:, g] / needing)
        several = tally.several[:, g].astype(float)
        owned[:, g] = counts[:, Mode.OWN] + several * goods.extra_units[g]
        columns.append((size - counts[:, Mode.OWN]) / safe_size)
        columns.append(owned[:, g])
        columns.append(owned[:, g] / safe_size)
        columns.append((counts[:, Mode.OWN] - several) / safe_size)
        columns.append(several / safe_size)
    if sums is None:
        sums = (
            np.bincount(zone, weights=spending, minlength=zones),
            np.bincount(zone, weights=hh.trust, minlength=zones),
            np.bincount(np.compress(sharing_any, zone), minlength=zones),
        )
    spending_by_zone, trust_by_zone, sharing = sums
    sharing = sharing.astype(float)
    in_use = owned
    if market is not None:
        in_use = owned + model.effects.pool_units
    if market is None:
        subsidy = np.zeros(zones)
    elif subsidy is None:
        subsidy = np.zeros(zones)
        if market.rows.size:
            subsidy = np.bincount(
                zone[market.rows], weights=market.subsidy_eur.sum(axis=1), minlength=zones
            )
    emissions_t = (
        (in_use * goods.own_emissions_kg_per_month).sum(axis=1) / 1000
        if market is not None
        else np.zeros(zones)
    )
    columns += [
        size,
        sharing,
        sharing / safe_size,
        emissions_t,
        spending_by_zone / safe_size,
        trust_by_zone / safe_size,
        subsidy,
    ]
    table = np.column_stack(columns)
    table[size == 0, :] = np.nan  # a zone the sample left empty has no shares
    table[size == 0, outcome_names(goods.names, real=False).index("households")] = 0
    scale = getattr(model, "zone_real_scale", None)
    if scale is not None:
        names = outcome_names(goods.names, real=False)
        scaled = [table[:, i] * scale for i, name in enumerate(names) if _scaled(name)]
        table = np.column_stack([table, *scaled])
    return table


def zone_frame(model):
    """The zone outcomes of every month so far as a long DataFrame (month, zone, outcome, value)."""
    import pandas as pd

    names = outcome_names(
        model.goods.names, real=getattr(model, "zone_real_scale", None) is not None
    )
    stacked = np.stack(model.zone_series)  # (months, Z, K)
    months, zones, outcomes = stacked.shape
    return pd.DataFrame(
        {
            "month": np.repeat(np.arange(months, dtype=np.int32), zones * outcomes),
            "zone": np.tile(
                np.repeat(np.asarray(model.scenario.zone_names, dtype=object), outcomes), months
            ),
            "outcome": np.tile(np.asarray(names, dtype=object), months * zones),
            "value": stacked.reshape(-1),
        }
    )
