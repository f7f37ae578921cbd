"""Named outcomes, measured every month, in the five families of the design.

Column names (one row per month, month 0 being the initial state):
- adoption, for each good: `{good}.own`, `.rent`, `.share`, `.forgo` (shares
  of the households needing the good; they sum to one), `.lenders` (share of
  them lending), `.aware`, and `{good}.share.{zone}` by zone;
  `sharing_households` (households sharing at least one good) and
  `sharing_households.share`.
- ecological: `{good}.stock` (goods owned), `{good}.purchases`,
  `goods.stock_total`, `emissions.stock_t` (embodied t CO2e of the stock),
  `emissions.purchases_t` (of this month's purchases), `emissions.cumulative_t`.
- economic: `spending.mean_eur` (household spending on these goods this
  month: amortised purchase, fixed costs and fees less lending income; rental;
  shared uses and their access; nothing for forgone uses), `spending.q1_eur`
  to `spending.q5_eur` by income quintile (q1 poorest), `lender_income_eur`,
  `uses.unmet` (shared uses not served), `uses.forgone`.
- social: `trust.mean`, `ties.created` (cumulative), `transactions`,
  `bad_experiences`.
- public: `public.spend_eur`, `public.revenue_eur` (this month),
  `public.cumulative_spend_eur`, `public.cumulative_revenue_eur`.
- money flows of the sharing market, for the conservation check:
  `money.borrowers_eur`, `money.subsidies_eur`, `money.lenders_eur`,
  `money.platform_eur`, `money.pools_eur`, and `money.renters_eur`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .households import MODE_NAMES, Mode


@dataclass
class Totals:
    """Running totals carried from month to month."""

    emissions_t: float = 0.0
    ties_created: int = 0
    public_spend_eur: float = 0.0
    public_revenue_eur: float = 0.0
    transactions: int = 0
    bad_experiences: int = 0


def latest_outcome(model, name: str) -> float:
    """The value of one named outcome for the month just ended."""
    return model.latest[name]


def model_reporters(example: dict[str, float]) -> dict[str, partial]:
    """DataCollector reporters, one per outcome column."""
    return {name: partial(latest_outcome, name=name) for name in example if name != "month"}


def household_spending(model, market) -> np.ndarray:
    """Each household's spending on the goods this month (EUR)."""
    hh, goods, fx = model.households, model.goods, model.effects
    own = (hh.mode == Mode.OWN) & hh.need
    rent = (hh.mode == Mode.RENT) & hh.need
    owning = own * (
        goods.purchase_eur / goods.lifetime_months + goods.fixed_eur_per_month
        + model.per_household(fx.ownership_fee_eur)
    )
    rent_price = goods.rent_eur_per_use - model.per_household(fx.rent_discount_eur)
    rent_access = np.maximum(
        0.0, model.rental_access_eur[hh.zone][:, None] - model.per_household(fx.rent_access_discount_eur)
    )
    renting = rent * hh.uses * (rent_price + rent_access)
    total = owning + renting
    if market is not None:
        share_access = np.maximum(
            0.0, model.share_access_eur[hh.zone][:, None] - model.per_household(fx.share_access_discount_eur)
        )
        total = total + market.borrower_paid_eur + market.served * share_access - market.lender_income_eur
    return total.sum(axis=1)


def measure(model, market, purchases: np.ndarray, public_cost: float = 0.0, ties_created: int = 0) -> dict:
    """All outcomes of the month just ended."""
    hh, goods, fx, totals = model.households, model.goods, model.effects, model.totals
    out: dict[str, float] = {"month": int(model.steps)}
    needing = np.maximum(hh.need.sum(axis=0), 1)
    sharing = (hh.mode == Mode.SHARE) & hh.need
    zone_names = model.scenario.zone_names
    for g, name in enumerate(goods.names):
        need = hh.need[:, g]
        counts = np.bincount(hh.mode[need, g], minlength=len(Mode))
        for m, mode_name in enumerate(MODE_NAMES):
            out[f"{name}.{mode_name}"] = counts[m] / needing[g]
        out[f"{name}.lenders"] = float(hh.lending[:, g].sum() / needing[g])
        out[f"{name}.aware"] = float(hh.aware[need, g].sum() / needing[g])
        out[f"{name}.stock"] = int(counts[Mode.OWN])
        out[f"{name}.purchases"] = int(purchases[:, g].sum())
        zone_need = np.maximum(np.bincount(hh.zone[need], minlength=len(zone_names)), 1)
        zone_sharing = np.bincount(hh.zone[sharing[:, g]], minlength=len(zone_names))
        for z, zone in enumerate(zone_names):
            out[f"{name}.share.{zone}"] = zone_sharing[z] / zone_need[z]

    sharing_any = sharing.any(axis=1)
    out["sharing_households"] = int(sharing_any.sum())
    out["sharing_households.share"] = float(sharing_any.mean())
    stock = np.array([out[f"{name}.stock"] for name in goods.names])
    out["goods.stock_total"] = int(stock.sum())
    out["emissions.stock_t"] = float((stock * goods.embodied_kg_co2e).sum() / 1000)
    purchased_t = float((purchases.sum(axis=0) * goods.embodied_kg_co2e).sum() / 1000)
    totals.emissions_t += purchased_t
    out["emissions.purchases_t"] = purchased_t
    out["emissions.cumulative_t"] = totals.emissions_t

    spending = household_spending(model, market)
    out["spending.mean_eur"] = float(spending.mean())
    by_quintile = np.bincount(hh.quintile, weights=spending, minlength=5) / np.maximum(np.bincount(hh.quintile, minlength=5), 1)
    for q in range(5):
        out[f"spending.q{q + 1}_eur"] = float(by_quintile[q])

    rent = (hh.mode == Mode.RENT) & hh.need
    rent_support = rent * hh.uses * (
        model.per_household(fx.rent_discount_eur) + model.per_household(fx.rent_access_discount_eur)
    )
    renters_eur = float((rent * hh.uses * goods.rent_eur_per_use).sum())
    own = (hh.mode == Mode.OWN) & hh.need
    fees = float((own * model.per_household(fx.ownership_fee_eur)).sum())
    if market is not None:
        public_cost += float(rent_support.sum())
        out["lender_income_eur"] = float(market.lender_income_eur.sum())
        out["uses.unmet"] = float(market.unmet.sum())
        out["money.borrowers_eur"] = float(market.borrower_paid_eur.sum())
        out["money.subsidies_eur"] = float(market.subsidy_eur.sum())
        out["money.lenders_eur"] = out["lender_income_eur"]
        out["money.platform_eur"] = market.platform_fees_eur
        out["money.pools_eur"] = market.pool_revenue_eur
        revenue = fees + market.pool_revenue_eur
    else:
        out["lender_income_eur"] = 0.0
        out["uses.unmet"] = 0.0
        for key in ("borrowers", "subsidies", "lenders", "platform", "pools"):
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
    return out
