"""Named outcomes, measured every month, in the five families of the design.

`measure` computes every column of a month: adoption (mode shares per good
and by zone, lenders, awareness, sharing households), ecological (stocks,
purchases, embodied emissions of the stock, of purchases and of the goods in
use), economic (household spending by income quintile, lender income, unmet and
forgone uses, subsidies received), social (trust, ties created, transactions,
bad experiences), public (spending and revenue) and the money flows of the
sharing market, for the conservation check. On a territory from data,
`real.<outcome>` repeats each outcome that counts households, goods, uses, euros
or tonnes, scaled from the sample to the real territory (`real.households` of
them); outcomes by zone are then in `model.zone_results`. What each column
means, its unit and its range are declared once, in `model.outcomes`
(`partage outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .households import MODE_NAMES, QUINTILES, Mode, any_good, pairs, sum_over_goods
from .policies import lump_sum_in_month, per_household
from .zone_results import measure_zones, tally_by_zone


@dataclass
class Totals:
    """Running totals carried from month to month."""

    emissions_t: float = 0.0
    purchases_t: float = 0.0
    ties_created: int = 0
    public_spend_eur: float = 0.0
    public_revenue_eur: float = 0.0
    transactions: int = 0
    bad_experiences: int = 0
    real_public_spend_eur: float = 0.0
    real_public_revenue_eur: float = 0.0


def latest_outcome(model, name: str) -> float:
    """The value of one named outcome for the month just ended."""
    return model.latest[name]


def model_reporters(example: dict[str, float]) -> dict[str, partial]:
    """DataCollector reporters, one per outcome column."""
    return {name: partial(latest_outcome, name=name) for name in example if name != "month"}


def rented_uses(households) -> np.ndarray:
    """Each household's rented uses of each good this month."""
    return ((households.mode == Mode.RENT) & households.need) * households.uses


def household_spending(
    model, market, rent_uses: np.ndarray | None = None, units: np.ndarray | None = None
) -> np.ndarray:
    """Each household's spending on the goods this month (EUR); `units` held, if known."""
    hh, goods, fx = model.households, model.goods, model.effects
    if rent_uses is None:
        rent_uses = rented_uses(hh)
    own = model.units_held() if units is None else units
    own_cost = goods.purchase_eur / goods.lifetime_months + goods.fixed_eur_per_month
    if fx.ownership_fee_eur.any():
        own_cost = own_cost + per_household(fx.ownership_fee_eur, hh.zq)
    rent_access = model.rental_access_by_household
    if fx.rent_access_discount_eur.any():
        rent_access = np.maximum(
            0.0, rent_access - per_household(fx.rent_access_discount_eur, hh.zq)
        )
    rent_price = goods.rent_eur_per_use - per_household(fx.rent_discount_eur, hh.zq)
    total = own * own_cost
    # Renting is rare: its spending is added at the renting pairs only (elsewhere it adds zero).
    rows, cols = pairs(rent_uses != 0)
    shape = total.shape
    total[rows, cols] += rent_uses[rows, cols] * (
        np.broadcast_to(rent_price, shape)[rows, cols]
        + np.broadcast_to(rent_access, shape)[rows, cols]
    )
    if market is not None:
        share_access = model.share_access_by_household
        if fx.share_access_discount_eur.any():
            share_access = np.maximum(
                0.0, share_access - per_household(fx.share_access_discount_eur, hh.zq)
            )
        if np.ndim(share_access) == 2:
            share_access = share_access[market.rows]
        total[market.rows] += (
            market.borrower_paid_eur + market.served * share_access - market.lender_income_eur
        )
    return sum_over_goods(total)


def measure(
    model, market, purchases: np.ndarray, public_cost: float = 0.0, ties_created: int = 0
) -> dict:
    """All outcomes of the month just ended; `purchases` counts this month's purchases per good."""
    hh, goods, fx, totals = model.households, model.goods, model.effects, model.totals
    out: dict[str, float] = {"month": int(model.steps)}
    needing = np.maximum(model.needing, 1)
    tally = tally_by_zone(model)
    owning, sharing = tally.owning, tally.sharing
    zone_names = model.scenario.zone_names
    zone_sharing = tally.modes[:, :, Mode.SHARE]
    zone_need = np.maximum(model.zone_needing, 1)
    zone_owning = tally.modes[:, :, Mode.OWN]
    zone_households = np.maximum(model.households_by_zone, 1)
    multi = goods.multi_unit.any()
    several = hh.extra & owning if multi else None
    several_counts = tally.several.sum(axis=0)
    mode_counts = tally.modes.sum(axis=0)  # (G, M + 1)
    lender_counts = tally.lenders.sum(axis=0)
    stock = np.zeros(len(goods.names))
    units = owning + several * goods.extra_units if multi else owning
    for g, name in enumerate(goods.names):
        counts = mode_counts[g]
        for m, mode_name in enumerate(MODE_NAMES):
            out[f"{name}.{mode_name}"] = counts[m] / needing[g]
        out[f"{name}.lenders"] = lender_counts[g] / needing[g]
        out[f"{name}.aware"] = np.count_nonzero(hh.aware[:, g] & hh.need[:, g]) / needing[g]
        stock[g] = counts[Mode.OWN] + several_counts[g] * goods.extra_units[g]
        out[f"{name}.stock"] = float(stock[g])
        out[f"{name}.purchases"] = float(purchases[g])
        holding_several = int(several_counts[g])
        out[f"{name}.per_household"] = float(stock[g]) / hh.size
        out[f"{name}.one.share"] = (counts[Mode.OWN] - holding_several) / hh.size
        out[f"{name}.several.share"] = holding_several / hh.size
        out[f"{name}.several.households"] = holding_several
        for z, zone in enumerate(
            zone_names if model.real_scale is None else ()
        ):  # from data: by zone
            out[f"{name}.share.{zone}"] = zone_sharing[z, g] / zone_need[z, g]
        out[f"{name}.sharing.share"] = counts[Mode.SHARE] / hh.size
        out[f"{name}.without.share"] = 1 - counts[Mode.OWN] / hh.size
        for z, zone in enumerate(
            zone_names if model.real_scale is None else ()
        ):  # from data: by zone
            out[f"{name}.without.share.{zone}"] = 1 - zone_owning[z, g] / zone_households[z]
        out[f"{name}.pool_units"] = float(fx.pool_units[:, g].sum()) if market is not None else 0.0
        out[f"{name}.pool_users.share"] = (
            np.count_nonzero(market.served_pool[:, g] > 0) / hh.size if market is not None else 0.0
        )

    sharing_any = any_good(sharing)
    out["sharing_households"] = int(np.count_nonzero(sharing_any))
    out["sharing_households.share"] = out["sharing_households"] / hh.size
    out["goods.stock_total"] = float(stock.sum())
    out["emissions.stock_t"] = float((stock * goods.embodied_kg_co2e).sum() / 1000)
    purchased_t = float((purchases * goods.embodied_kg_co2e).sum() / 1000)
    totals.purchases_t += purchased_t
    out["emissions.purchases_t"] = purchased_t
    out["emissions.purchases_cumulative_t"] = totals.purchases_t
    # The goods in use, owned or pooled, each carry their embodied emissions over their lifetime.
    in_use = stock + fx.pool_units.sum(axis=0) if market is not None else stock
    month_t = (
        float((in_use * goods.own_emissions_kg_per_month).sum() / 1000)
        if market is not None
        else 0.0
    )
    totals.emissions_t += month_t
    out["emissions.month_t"] = month_t
    out["emissions.cumulative_t"] = totals.emissions_t

    rent_uses = rented_uses(hh)
    spending = household_spending(model, market, rent_uses, units)
    out["spending.mean_eur"] = float(spending.mean())
    by_quintile = np.bincount(hh.quintile, weights=spending, minlength=QUINTILES) / np.maximum(
        model.quintile_sizes, 1
    )
    for q in range(QUINTILES):
        out[f"spending.q{q + 1}_eur"] = float(by_quintile[q])

    renters_eur = float((rent_uses * goods.rent_eur_per_use).sum())
    fees = 0.0
    if fx.ownership_fee_eur.any():
        fees = float((units * per_household(fx.ownership_fee_eur, hh.zq)).sum())
    if market is not None:
        if fx.rent_discount_eur.any() or fx.rent_access_discount_eur.any():
            rent_support = rent_uses * (
                per_household(fx.rent_discount_eur, hh.zq)
                + per_household(fx.rent_access_discount_eur, hh.zq)
            )
            public_cost += float(rent_support.sum())
        out["lender_income_eur"] = float(market.lender_income_eur.sum())
        out["uses.unmet"] = float(market.unmet.sum())
        received = np.bincount(
            model.households.quintile[market.rows],
            weights=sum_over_goods(market.subsidy_eur),
            minlength=QUINTILES,
        )
        for q in range(QUINTILES):
            out[f"subsidy.q{q + 1}_eur"] = float(received[q] / max(model.quintile_sizes[q], 1))
        out["money.borrowers_eur"] = float(market.borrower_paid_eur.sum())
        out["money.subsidies_eur"] = float(market.subsidy_eur.sum())
        out["money.lenders_eur"] = out["lender_income_eur"]
        out["money.platform_eur"] = market.platform_fees_eur
        out["money.pools_eur"] = market.pool_revenue_eur + market.operator_revenue_eur
        out["money.operators_eur"] = market.operator_revenue_eur
        revenue = fees + market.pool_revenue_eur
    else:
        out["lender_income_eur"] = 0.0
        out["uses.unmet"] = 0.0
        for q in range(QUINTILES):
            out[f"subsidy.q{q + 1}_eur"] = 0.0
        for key in ("borrowers", "subsidies", "lenders", "platform", "pools", "operators"):
            out[f"money.{key}_eur"] = 0.0
        revenue = 0.0
    out["money.renters_eur"] = renters_eur
    forgo = (hh.mode == Mode.FORGO) & hh.need
    out["uses.forgone"] = float((forgo * hh.uses).sum())

    totals.ties_created += ties_created
    out["trust.mean"] = float(hh.trust.mean())
    out["ties.created"] = totals.ties_created
    out["transactions"] = totals.transactions if market is not None else 0
    out["bad_experiences"] = totals.bad_experiences if market is not None else 0

    totals.public_spend_eur += public_cost
    totals.public_revenue_eur += revenue
    out["public.spend_eur"] = public_cost
    out["public.revenue_eur"] = revenue
    out["public.cumulative_spend_eur"] = totals.public_spend_eur
    out["public.cumulative_revenue_eur"] = totals.public_revenue_eur

    model.zone_series.append(measure_zones(model, market, spending, tally))
    if model.real_scale is not None:
        out.update(scaled_to_territory(model, out, lump_sum_in_month(model.scenario, out["month"])))
    return out


# Outcomes that count households, goods, uses, euros or tonnes: on a territory from data each is also
# reported for the real territory, as `real.<outcome>`.
COUNTED = (
    "sharing_households",
    "goods.stock_total",
    "emissions.stock_t",
    "emissions.purchases_t",
    "emissions.purchases_cumulative_t",
    "emissions.month_t",
    "emissions.cumulative_t",
    "lender_income_eur",
    "uses.unmet",
    "uses.forgone",
    "ties.created",
    "transactions",
    "bad_experiences",
    "public.revenue_eur",
)
COUNTED_SUFFIXES = (".stock", ".purchases", ".several.households")


def scaled_to_territory(model, out: dict, lump_sum_eur: float) -> dict:
    """`real.<outcome>` for every counted outcome: the sample's figure times real households over
    sampled ones. Public spending declared for the whole territory (investments, running costs) is
    not scaled; what it pays per unit, use, claim or trainee is."""
    scale = model.real_scale
    real = {
        f"real.{name}": value * scale
        for name, value in out.items()
        if name in COUNTED or name.startswith("money.") or name.endswith(COUNTED_SUFFIXES)
    }
    totals = model.totals
    spend = lump_sum_eur + (out["public.spend_eur"] - lump_sum_eur) * scale
    totals.real_public_spend_eur += spend
    totals.real_public_revenue_eur += real["real.public.revenue_eur"]
    real["real.households"] = scale * model.households.size
    real["real.public.spend_eur"] = spend
    real["real.public.cumulative_spend_eur"] = totals.real_public_spend_eur
    real["real.public.cumulative_revenue_eur"] = totals.real_public_revenue_eur
    return real
