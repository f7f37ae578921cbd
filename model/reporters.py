"""Named outcomes, measured every month, in the five families of the design.

`measure` computes every column of a month: adoption (mode shares per good
and by zone, lenders, awareness, sharing households), ecological (stocks,
purchases, embodied emissions of the stock, of purchases and of the goods in
use), economic (household spending by income quintile, lender income, unmet and
forgone uses, subsidies received), social (trust, ties created, transactions,
bad experiences), public (spending and revenue) and the money flows of the
sharing market, for the conservation check. On a territory from data, whose
sample is drawn by zone with a minimum per zone (`model.geography`), each
sampled household stands for its zone's real households over sampled ones: the
shares and means are weighted so (`ShareBasis`), and `real.<outcome>` repeats
each outcome that counts households, goods, uses, euros or tonnes for the real
territory, the sum over zones of the zone's figure times that ratio
(`real.households` of them); outcomes by zone are then in `model.zone_results`. What each column
means, its unit and its range are declared once, in `model.outcomes`
(`partage outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numba
import numpy as np

from .households import (
    MODE_NAMES,
    QUINTILES,
    Mode,
    sum_over_goods,
)
from .policies import per_household
from .zone_results import (
    CODES,
    LENDING_CODE,
    NOT_NEEDED_CODE,
    SEVERAL_CODE,
    ZoneTally,
    measure_zones,
    tally_of_counts,
)


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
    real_emissions_t: float = 0.0
    real_purchases_t: float = 0.0
    real_ties_created: float = 0.0
    bad_experiences_by_row: np.ndarray | None = None  # (R,) this month's, for the market's rows
    claims_eur_by_row: np.ndarray | None = None  # (R,) this month's insurance claims


def latest_outcome(model, name: str) -> float:
    """The value of one named outcome for the month just ended."""
    return model.latest[name]


def model_reporters(example: dict[str, float]) -> dict[str, partial]:
    """DataCollector reporters, one per outcome column."""
    return {name: partial(latest_outcome, name=name) for name in example if name != "month"}


def rented_uses(households) -> np.ndarray:
    """Each household's rented uses of each good this month."""
    return ((households.mode == Mode.RENT) & households.need) * households.uses


def spending_prices(model) -> tuple:
    """What a household pays a month for each good: per unit held, per rented use, for access to
    renting and to sharing, this month's policies applied; each (G,), (N, 1) or (N, G)."""
    hh, goods, fx = model.households, model.goods, model.effects
    own_cost = goods.purchase_eur / goods.lifetime_months + goods.fixed_eur_per_month
    if fx.ownership_fee_eur.any():
        own_cost = own_cost + per_household(fx.ownership_fee_eur, hh.zq)
    rent_access = model.rental_access_by_household
    if fx.rent_access_discount_eur.any():
        rent_access = np.maximum(
            0.0, rent_access - per_household(fx.rent_access_discount_eur, hh.zq)
        )
    rent_price = goods.rent_eur_per_use - per_household(fx.rent_discount_eur, hh.zq)
    share_access = model.share_access_by_household
    if fx.share_access_discount_eur.any():
        share_access = np.maximum(
            0.0, share_access - per_household(fx.share_access_discount_eur, hh.zq)
        )
    return own_cost, rent_price, rent_access, share_access


def row_sums(values: np.ndarray) -> np.ndarray:
    """(N,) the sums of an (N, G) array over goods, the same to the bit as `values.sum(axis=1)`
    but column by column, without reducing along the short goods axis. Under 8 goods numpy adds
    a row's floats in order from +0.0; from 8 on it adds them pairwise, so it is called then."""
    if values.dtype == bool:
        return sum_over_goods(values)
    if values.dtype != np.float64 or not 0 < values.shape[1] < 8:
        return values.sum(axis=1)
    out = np.empty(values.shape[0])
    _row_sums(values, out)  # values[:, 0] + 0.0, then each column added, in one pass
    return out


@numba.njit(cache=True, nogil=True)
def _row_sums(values, out):  # pragma: no cover - compiled
    for i in range(values.shape[0]):
        total = values[i, 0] + 0.0
        for g in range(1, values.shape[1]):
            total += values[i, g]
        out[i] = total


BLOCK_ROWS = 256  # rows of an (N, G) array multiplied as one row by `times_by_good`


def times_by_good(values: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """(N, G) values times a factor per good (G,): `values * factors`, computed over blocks of
    rows seen as one long row, since numpy broadcasts slowly along a short last axis."""
    rows, goods = values.shape
    head = rows - rows % BLOCK_ROWS
    if not values.flags.c_contiguous or head == 0:
        return values * factors
    out = np.empty(values.shape, np.result_type(values, factors))
    np.multiply(
        values[:head].reshape(-1, BLOCK_ROWS * goods),
        np.tile(factors, BLOCK_ROWS),
        out=out[:head].reshape(-1, BLOCK_ROWS * goods),
    )
    np.multiply(values[head:], factors, out=out[head:])
    return out


@dataclass
class ShareBasis:
    """The counts territory-wide shares are taken over: the sample's on a grid; on a territory from
    data, the real territory's (each zone's counts times its scale, `model.zone_results`), so that
    a sample drawn with a minimum per zone still gives the territory's shares and means."""

    modes: np.ndarray  # (G, M + 1) households by mode, the last column those not needing the good
    lenders: np.ndarray  # (G,)
    several: np.ndarray  # (G,) owners holding more than one unit
    needing: np.ndarray  # (G,) households needing the good, at least 1
    households: float
    weight: np.ndarray | None  # (N,) real households each sampled one stands for; None on a grid
    # the weights of the last `rows` asked for: the market's rows are asked for many times a month
    _rows_weight: tuple = field(default=(None, None), repr=False)

    def weight_of(self, rows: np.ndarray | None) -> np.ndarray:
        """The weights of `rows` (all households' when None), gathered once for the same rows."""
        if rows is None:
            return self.weight
        if self._rows_weight[0] is not rows:
            self._rows_weight = (rows, self.weight[rows])
        return self._rows_weight[1]

    def count(self, flags: np.ndarray, rows: np.ndarray | None = None) -> float:
        """Households (of `rows`, when given) whose flag is set: weighted on a territory from data."""
        if self.weight is None:
            return np.count_nonzero(flags)
        weight = self.weight_of(rows)
        return float(np.compress(flags, weight).sum())  # weight[flags], about 3 times faster

    def total(self, values: np.ndarray, rows: np.ndarray | None = None) -> float:
        """The sum over households (of `rows`) of per-household values (N,) or (N, G), weighted."""
        if self.weight is None:
            return float(np.sum(values))
        weight = self.weight_of(rows)
        values = np.asarray(values)
        if values.ndim == 0:  # the same amount for every household (none: 0)
            return float(values * weight.sum())
        values = values if values.ndim == 1 else row_sums(values)
        return float(weight @ values)

    def by_quintile(
        self, quintile: np.ndarray, values: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """(5,) sums of per-household values (of `rows`) by income quintile, weighted."""
        if rows is not None:
            quintile = quintile[rows]
        if self.weight is not None:
            values = values * self.weight_of(rows)
        return np.bincount(quintile, weights=values, minlength=QUINTILES)


def share_basis(model, tally: ZoneTally) -> ShareBasis:
    """The counts territory-wide shares are taken over (`ShareBasis`)."""
    scale = model.zone_real_scale
    if scale is None:
        return ShareBasis(
            modes=tally.modes.sum(axis=0),
            lenders=tally.lenders.sum(axis=0),
            several=tally.several.sum(axis=0),
            needing=np.maximum(model.needing, 1),
            households=model.households.size,
            weight=None,
        )
    scale = np.nan_to_num(scale)  # a zone without sampled households counts nothing

    def real(by_zone):
        return np.tensordot(scale, by_zone.astype(float), axes=1)

    return ShareBasis(
        modes=real(tally.modes),
        lenders=real(tally.lenders),
        several=real(tally.several),
        needing=np.maximum(real(model.zone_needing), 1e-12),
        households=float(scale @ model.households_by_zone),
        weight=model.household_weight,
    )


def measure(
    model,
    market,
    purchases: np.ndarray,
    public_cost: float = 0.0,
    ties_created: int = 0,
    purchases_by_zone: np.ndarray | None = None,
    training_eur_by_household: np.ndarray | None = None,
) -> dict:
    """All outcomes of the month just ended; `purchases` counts this month's purchases per good
    (and, on a territory from data, `purchases_by_zone` per zone and good, for the real ones)."""
    hh, goods, fx, totals = model.households, model.goods, model.effects, model.totals
    out: dict[str, float] = {"month": int(model.steps)}
    multi = goods.multi_unit.any()
    weight = None if model.zone_real_scale is None else model.household_weight
    month = households_month(model, market, *spending_prices(model), weight)
    goods_count = len(goods.names)
    tally = tally_of_counts(
        month.counts,
        model.zone_count,
        goods_count,
        month.coded,
        month.several_flags if multi else None,
    )
    basis = share_basis(model, tally)
    needing, households = basis.needing, basis.households
    sharing_any = month.sharing_any
    # by zone on a grid; from data, the outcomes by zone are in `model.zone_results`
    zone_names = model.scenario.zone_names if model.real_scale is None else ()
    zone_sharing = tally.modes[:, :, Mode.SHARE]
    zone_need = np.maximum(model.zone_needing, 1)
    zone_owning = tally.modes[:, :, Mode.OWN]
    zone_households = np.maximum(model.households_by_zone, 1)
    several = tally.several_flags
    several_counts = tally.several.sum(axis=0)
    mode_counts = tally.modes.sum(axis=0)  # (G, M + 1) the sample's
    stock = np.zeros(len(goods.names))
    for g, name in enumerate(goods.names):
        counts = basis.modes[g]
        for m, mode_name in enumerate(MODE_NAMES):
            out[f"{name}.{mode_name}"] = counts[m] / needing[g]
        out[f"{name}.lenders"] = basis.lenders[g] / needing[g]
        out[f"{name}.aware"] = month.aware_count(g, basis.weight is not None) / needing[g]
        stock[g] = mode_counts[g][Mode.OWN] + several_counts[g] * goods.extra_units[g]
        out[f"{name}.stock"] = float(stock[g])
        out[f"{name}.purchases"] = float(purchases[g])
        holding_several = basis.several[g]
        held = (
            stock[g]
            if basis.weight is None
            else counts[Mode.OWN] + holding_several * (goods.extra_units[g])
        )
        out[f"{name}.per_household"] = float(held) / households
        out[f"{name}.one.share"] = (counts[Mode.OWN] - holding_several) / households
        out[f"{name}.several.share"] = holding_several / households
        out[f"{name}.several.households"] = int(several_counts[g])
        for z, zone in enumerate(zone_names):
            out[f"{name}.share.{zone}"] = zone_sharing[z, g] / zone_need[z, g]
        out[f"{name}.sharing.share"] = counts[Mode.SHARE] / households
        out[f"{name}.without.share"] = 1 - counts[Mode.OWN] / households
        for z, zone in enumerate(zone_names):
            out[f"{name}.without.share.{zone}"] = 1 - zone_owning[z, g] / zone_households[z]
        out[f"{name}.pool_units"] = float(fx.pool_units[:, g].sum()) if market is not None else 0.0
        out[f"{name}.pool_users.share"] = (
            month.pool_users(g, basis.weight is not None) / households
            if market is not None
            else 0.0
        )

    out["sharing_households"] = month.sharing
    out["sharing_households.share"] = (
        out["sharing_households"] if basis.weight is None else month.sharing_weight()
    ) / households
    figures = goods_and_emissions(
        goods,
        stock,
        purchases,
        fx.pool_units.sum(axis=0) if market is not None else None,
        (totals.purchases_t, totals.emissions_t),
    )
    totals.purchases_t = figures["emissions.purchases_cumulative_t"]
    totals.emissions_t = figures["emissions.cumulative_t"]
    out.update(figures)

    spending = month.spending
    out["spending.mean_eur"] = (
        float(spending.mean()) if basis.weight is None else basis.total(spending) / households
    )
    quintile_households = (
        model.quintile_sizes if basis.weight is None else model.real_quintile_sizes
    )
    quintile_households = np.maximum(quintile_households, 1)
    by_quintile = month.by_quintile / quintile_households
    for q in range(QUINTILES):
        out[f"spending.q{q + 1}_eur"] = float(by_quintile[q])

    renters_eur, forgone_uses = uses_totals(
        month.coded, hh.uses, goods.rent_eur_per_use, month.renting, month.forgoing
    )
    fees_by_household = None
    fees = 0.0
    if fx.ownership_fee_eur.any():
        owning = tally.owning
        units = owning + times_by_good(several, goods.extra_units) if multi else owning
        fees_by_household = units * per_household(fx.ownership_fee_eur, hh.zq)
        fees = float(fees_by_household.sum())
    rent_support = None
    if market is not None:
        if fx.rent_discount_eur.any() or fx.rent_access_discount_eur.any():
            rent_support = (
                tally.needing_in(Mode.RENT)
                * hh.uses
                * (
                    per_household(fx.rent_discount_eur, hh.zq)
                    + per_household(fx.rent_access_discount_eur, hh.zq)
                )
            )
            public_cost += float(rent_support.sum())
        out["lender_income_eur"] = float(market.lender_income_eur.sum())
        out["uses.unmet"] = float(market.unmet.sum())
        received = month.subsidy_by_quintile
        for q in range(QUINTILES):
            out[f"subsidy.q{q + 1}_eur"] = float(received[q] / quintile_households[q])
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
    out["uses.forgone"] = forgone_uses

    totals.ties_created += ties_created
    out["trust.mean"] = (
        float(hh.trust.mean()) if basis.weight is None else basis.total(hh.trust) / households
    )
    out["ties.created"] = totals.ties_created
    out["transactions"] = totals.transactions if market is not None else 0
    out["bad_experiences"] = totals.bad_experiences if market is not None else 0

    totals.public_spend_eur += public_cost
    totals.public_revenue_eur += revenue
    out["public.spend_eur"] = public_cost
    out["public.revenue_eur"] = revenue
    out["public.cumulative_spend_eur"] = totals.public_spend_eur
    out["public.cumulative_revenue_eur"] = totals.public_revenue_eur

    zone_table = measure_zones(
        model,
        market,
        spending,
        tally,
        sharing_any,
        (month.spending_by_zone, month.trust_by_zone, month.sharing_by_zone),
        month.subsidy_by_zone,
    )
    model.zone_series.append(zone_table)
    if basis.weight is not None:
        sample = SampleMonth(
            basis=basis,
            market=market,
            purchases_by_zone=purchases_by_zone,
            spending_parts={
                # their sums over goods, as `ShareBasis.total` takes them (`row_sums`)
                "renters": month.renters_rows
                if goods_count < 8
                else times_by_good(tally.needing_in(Mode.RENT) * hh.uses, goods.rent_eur_per_use),
                "forgone": month.forgone_rows
                if goods_count < 8
                else tally.needing_in(Mode.FORGO) * hh.uses,
                "fees": fees_by_household,
                "rent_support": rent_support,
                "training": training_eur_by_household,
            },
            ties_created=ties_created,
        )
        out.update(scaled_to_territory(model, out, sample))
    return out


def goods_and_emissions(
    goods, stock: np.ndarray, purchases: np.ndarray, pooled: np.ndarray | None, cumulative: tuple
) -> dict[str, float]:
    """The stock of goods and the embodied emissions of the stock, of this month's purchases and
    of the goods in use, with their running totals: of the sample (`measure`) or of the real
    territory (`scaled_to_territory`). `stock`, `purchases` and `pooled` (pool units, or None
    before the first market: no goods in use then) are (G,); `cumulative` the running totals of
    purchases and of goods in use before this month (t CO2e)."""
    purchased_t = float((purchases * goods.embodied_kg_co2e).sum() / 1000)
    # The goods in use, owned or pooled, each carry their embodied emissions over their lifetime.
    month_t = (
        0.0
        if pooled is None
        else float(((stock + pooled) * goods.own_emissions_kg_per_month).sum() / 1000)
    )
    return {
        "goods.stock_total": float(stock.sum()),
        "emissions.stock_t": float((stock * goods.embodied_kg_co2e).sum() / 1000),
        "emissions.purchases_t": purchased_t,
        "emissions.purchases_cumulative_t": cumulative[0] + purchased_t,
        "emissions.month_t": month_t,
        "emissions.cumulative_t": cumulative[1] + month_t,
    }


@dataclass
class SampleMonth:
    """What `scaled_to_territory` reads of the month beyond its outcomes: the household weights,
    the market's rows, the purchases by zone and amounts per household."""

    basis: ShareBasis
    market: object
    purchases_by_zone: np.ndarray | None
    spending_parts: dict
    ties_created: int


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
COUNTED_SUFFIXES = (".stock", ".purchases", ".several.households", ".pool_units")


def scaled_to_territory(model, out: dict, sample: SampleMonth) -> dict:
    """`real.<outcome>` for every counted outcome: the sum over zones of each zone's figure times
    its real households over sampled ones, i.e. each sampled household weighted by the real
    households it stands for (`ShareBasis`). Public spending the scenario declares (investments,
    running costs, pool units, parking spots) is the real territory's, zone by zone
    (`model.real_policy_book`); what it pays per use, claim, trainee or rental is weighted."""
    b, market, goods, totals = sample.basis, sample.market, model.goods, model.totals
    scale = np.nan_to_num(model.zone_real_scale)
    parts = sample.spending_parts
    stock = b.modes[:, Mode.OWN] + b.several * goods.extra_units
    purchases = (
        np.zeros(len(goods.names))
        if sample.purchases_by_zone is None
        else scale @ sample.purchases_by_zone
    )
    real: dict[str, float] = {}
    for g, name in enumerate(goods.names):
        real[f"real.{name}.stock"] = float(stock[g])
        real[f"real.{name}.purchases"] = float(purchases[g])
        real[f"real.{name}.several.households"] = float(b.several[g])
        pool_units = scale @ model.effects.pool_units[:, g] if market is not None else 0.0
        real[f"real.{name}.pool_units"] = float(pool_units)
    real["real.sharing_households"] = out["sharing_households.share"] * b.households
    figures = goods_and_emissions(
        goods,
        stock,
        purchases,
        scale @ model.effects.pool_units if market is not None else None,
        (totals.real_purchases_t, totals.real_emissions_t),
    )
    totals.real_purchases_t = figures["emissions.purchases_cumulative_t"]
    totals.real_emissions_t = figures["emissions.cumulative_t"]
    real.update({f"real.{name}": value for name, value in figures.items()})
    real["real.uses.forgone"] = b.total(parts["forgone"])
    real["real.money.renters_eur"] = b.total(parts["renters"])
    if sample.ties_created:
        totals.real_ties_created += b.total(
            np.ones(model.ties.pair_ends.size), model.ties.pair_ends
        )
    real["real.ties.created"] = totals.real_ties_created

    def weighted(values, rows=None) -> float:
        return 0.0 if values is None else b.total(values, rows)

    fees = weighted(parts["fees"])
    per_event = weighted(parts["rent_support"]) + weighted(parts["training"])
    if market is None:
        for key in ("lender_income_eur", "uses.unmet", "transactions", "bad_experiences"):
            real[f"real.{key}"] = 0.0
        for key in ("borrowers", "subsidies", "lenders", "platform", "pools", "operators"):
            real[f"real.money.{key}_eur"] = 0.0
        revenue = 0.0
    else:
        rows = market.rows
        real["real.lender_income_eur"] = b.total(market.lender_income_eur, rows)
        real["real.uses.unmet"] = b.total(market.unmet, rows)
        real["real.transactions"] = b.total(market.served > 0, rows)
        real["real.bad_experiences"] = weighted(totals.bad_experiences_by_row, rows)
        subsidies = b.total(market.subsidy_eur, rows)
        pools = b.total(market.pool_paid_eur, rows)
        operators = b.total(market.operator_paid_eur, rows)
        real["real.money.borrowers_eur"] = b.total(market.borrower_paid_eur, rows)
        real["real.money.subsidies_eur"] = subsidies
        real["real.money.lenders_eur"] = real["real.lender_income_eur"]
        real["real.money.platform_eur"] = b.total(market.platform_fee_eur, rows)
        real["real.money.pools_eur"] = pools
        real["real.money.operators_eur"] = operators
        revenue = fees + pools - operators
        per_event += subsidies + weighted(totals.claims_eur_by_row, rows)
    month = out["month"]
    declared = model.real_policy_book.effects(month).fixed_cost_eur if month >= 1 else 0.0
    spend = declared + per_event if market is not None else 0.0
    totals.real_public_spend_eur += spend
    totals.real_public_revenue_eur += revenue
    real["real.public.revenue_eur"] = revenue
    real["real.households"] = b.households
    real["real.public.spend_eur"] = spend
    real["real.public.cumulative_spend_eur"] = totals.real_public_spend_eur
    real["real.public.cumulative_revenue_eur"] = totals.real_public_revenue_eur
    return real


# ------------------------------------------------------------------ the month's pass, compiled
# `households_month` reads each household's goods once (numba) and gives what `measure` computed
# in a dozen numpy passes over (N, G) arrays: the counts by zone, good and code of
# `tally_by_zone`, each household's spending on the goods (`household_spending`, the market's
# payments added at its rows' goods; both numpy statements are in tests/model/numpy_month.py,
# which the tests compare this pass with), its rented uses times their price and its
# forgone uses summed over goods (`row_sums`), the households sharing a good, and the sums by
# zone (`np.bincount`) and by income quintile (`ShareBasis.by_quintile`) of the spending, the
# trust and the households sharing. `uses_totals` sums the rented and forgone uses over all
# households and goods as numpy's `.sum()` does, without making the (N, G) arrays.
#
# Every float is computed by the same operations, in the same order, as the numpy expression it
# replaces, so the outcomes are the same to the bit: `np.bincount` adds its weights from +0.0 in
# the households' order; a household's spending adds its goods' amounts one after the other from
# the first (`sum_over_goods`), its rented and forgone uses from +0.0 (`row_sums`, under 8
# goods); numpy's pairwise summation is reproduced over the pairs renting or forgoing, which the
# pass lists (`_sparse_pairwise`: the other pairs add zeros, which change no sum). The
# weighted counts numpy sums pairwise (`ShareBasis.count`) are left to numpy, over the weights
# the pass lays out in the same order. numba keeps the order of floating-point operations and
# fuses no multiplication and addition unless `fastmath` is asked for.

OWN, RENT, SHARE, FORGO = int(Mode.OWN), int(Mode.RENT), int(Mode.SHARE), int(Mode.FORGO)


@numba.njit(cache=True, nogil=True)
def _households_month(
    mode,
    need,
    lending,
    extra,
    aware,
    multi_unit,
    multi,
    zone,
    quintile,
    uses,
    trust,
    extra_units,
    own_cost,
    rent_price,
    rent_access,
    rent_eur,
    market_row,
    paid,
    weight,
    weighted,
    coded,
    several_flags,
    counts,
    renters_rows,
    forgone_rows,
    spending,
    sharing_any,
    aware_weights,
    aware_count,
    sharing_weights,
    spending_by_zone,
    trust_by_zone,
    sharing_by_zone,
    spending_by_quintile,
    renting,
    forgoing,
    pair_count,
):  # pragma: no cover - compiled
    """One pass over the households and their goods; returns the households sharing a good."""
    households, goods = mode.shape
    sharing = 0
    rents = 0
    forgoes = 0
    for g in range(goods):
        aware_count[g] = 0
    for i in range(households):
        row = market_row[i]
        shares = False
        spent = 0.0
        rented_sum = 0.0
        forgone_sum = 0.0
        for g in range(goods):
            code = mode[i, g]
            if not need[i, g]:
                code += NOT_NEEDED_CODE
            counted = code + LENDING_CODE if lending[i, g] else code
            several = multi and multi_unit[g] and extra[i, g] and code == OWN
            if several:
                counted += SEVERAL_CODE
            coded[i, g] = code
            several_flags[i, g] = several
            counts[(zone[i] * goods + g) * CODES + counted] += 1
            # its units times their monthly cost, plus its rented uses times their price and
            # access where it rents (`household_spending`)
            own = 1.0 if code == OWN else 0.0
            if multi:
                own = own + (1.0 if several else 0.0) * extra_units[g]
            total = own * own_cost[i, g]
            rented = (1.0 if code == RENT else 0.0) * uses[i, g]
            if rented != 0:
                total = total + rented * (rent_price[i, g] + rent_access[i, g])
            if row >= 0:
                total = total + paid[row, g]
            rent = rented * rent_eur[g]
            lost = (1.0 if code == FORGO else 0.0) * uses[i, g]
            if g == 0:
                spent = total
                rented_sum = rent + 0.0
                forgone_sum = lost + 0.0
            else:
                spent += total
                rented_sum += rent
                forgone_sum += lost
            if code == SHARE:
                shares = True
            elif code == RENT:
                renting[rents] = i * goods + g
                rents += 1
            elif code == FORGO:
                forgoing[forgoes] = i * goods + g
                forgoes += 1
            if weighted and aware[i, g] and need[i, g]:
                aware_weights[g, aware_count[g]] = weight[i]
                aware_count[g] += 1
            elif not weighted and aware[i, g] and need[i, g]:
                aware_count[g] += 1
        spending[i] = spent
        renters_rows[i] = rented_sum
        forgone_rows[i] = forgone_sum
        sharing_any[i] = shares
        z = zone[i]
        spending_by_zone[z] += spent
        trust_by_zone[z] += trust[i]
        if shares:
            sharing_by_zone[z] += 1
            if weighted:
                sharing_weights[sharing] = weight[i]
            sharing += 1
        if weighted:
            spending_by_quintile[quintile[i]] += spent * weight[i]
        else:
            spending_by_quintile[quintile[i]] += spent
    pair_count[0] = rents
    pair_count[1] = forgoes
    return sharing


@numba.njit(cache=True, nogil=True)
def _sparse_pairwise(pairs, n, uses, rent, priced):  # pragma: no cover - compiled
    """numpy's pairwise sum of an (N, G) array seen flat (n pairs) that is zero but at the sorted
    flat indices `pairs`, where it is the pair's uses (times its good's price `rent[k % G]`
    when `priced`). numpy sums a block of up to 128 floats in 8 running sums, gathered pairwise,
    then adds the rest one by one (under 8, one after the other from +0.0), and a longer block as
    the sum of its two halves (the first a multiple of 8). Adding a zero leaves any other float as
    it is (the uses are finite), and a sum of zeros is a zero, made +0.0 by the +0.0 numpy's sum
    starts from: so only the nonzero pairs are added, each where numpy's order puts it, and a
    block without any is a zero. The halves are walked with a stack, the first before the
    second."""
    goods = rent.size
    starts = np.empty(128, np.int64)
    sizes = np.empty(128, np.int64)
    opened = np.zeros(128, np.bool_)
    sums = np.empty(128)
    lanes = np.empty(8)
    starts[0], sizes[0], opened[0] = 0, n, False
    depth, stored, e = 1, 0, 0
    while depth > 0:
        top = depth - 1
        start, size = starts[top], sizes[top]
        if opened[top]:  # both halves summed
            sums[stored - 2] = sums[stored - 2] + sums[stored - 1]
            stored -= 1
            depth -= 1
        elif e >= pairs.size or pairs[e] >= start + size:  # no nonzero pair in the block
            sums[stored] = 0.0
            stored += 1
            depth -= 1
        elif size > 128:
            half = size // 2
            half -= half % 8
            opened[top] = True
            starts[depth], sizes[depth], opened[depth] = start + half, size - half, False
            starts[depth + 1], sizes[depth + 1], opened[depth + 1] = start, half, False
            depth += 2
        else:
            end = start + size
            blocks = start + size - size % 8 if size >= 8 else start
            for j in range(8):
                lanes[j] = 0.0
            while e < pairs.size and pairs[e] < blocks:
                k = pairs[e]
                lanes[(k - start) & 7] += (
                    (1.0 * uses[k]) * rent[k % goods] if priced else 1.0 * uses[k]
                )
                e += 1
            total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + (
                (lanes[4] + lanes[5]) + (lanes[6] + lanes[7])
            )
            while e < pairs.size and pairs[e] < end:
                k = pairs[e]
                total += (1.0 * uses[k]) * rent[k % goods] if priced else 1.0 * uses[k]
                e += 1
            sums[stored] = total
            stored += 1
            depth -= 1
    return sums[0]


def uses_totals(
    coded: np.ndarray,
    uses: np.ndarray,
    rent_eur: np.ndarray,
    renting: np.ndarray | None = None,
    forgoing: np.ndarray | None = None,
) -> tuple:
    """(the rented uses times their price, the forgone uses) summed over all households and
    goods, the same to the bit as numpy's `.sum()` of those (N, G) arrays (pairwise, from +0.0
    added to the sum of the whole), without making them: `renting` and `forgoing` the sorted
    flat indices of the pairs renting and forgoing (found from `coded` when not given)."""
    flat_uses = np.ascontiguousarray(uses, float).reshape(-1)
    if renting is None:
        renting = np.flatnonzero(coded == Mode.RENT)
    if forgoing is None:
        forgoing = np.flatnonzero(coded == Mode.FORGO)
    rent = np.asarray(rent_eur, float).reshape(-1)
    totals = []
    for pairs, priced in ((renting, True), (forgoing, False)):
        pairs = np.asarray(pairs, np.int64)
        totals.append(0.0 + _sparse_pairwise(pairs, coded.size, flat_uses, rent, priced))
    return tuple(totals)


@numba.njit(cache=True, nogil=True)
def _market_rows_month(
    rows,
    borrower,
    served,
    share_access,
    lender,
    subsidy,
    served_pool,
    zone,
    quintile,
    weight,
    weighted,
    paid,
    market_row,
    subsidy_by_zone,
    subsidy_by_quintile,
    pool_weights,
    pool_count,
):  # pragma: no cover - compiled
    """One pass over the market's rows: what each pays for its goods (borrowed uses, access to
    sharing, less what it earns lending: `household_spending`), its index in `market_row`, the
    subsidies received by zone (`measure_zones`, each row's summed from +0.0 as `sum(axis=1)`)
    and by quintile (`ShareBasis.by_quintile`, each row's from its first good as
    `sum_over_goods`), and the weights of the rows served by a pool, good by good, in order."""
    goods = paid.shape[1]
    for g in range(goods):
        pool_count[g] = 0
    for r in range(rows.size):
        i = rows[r]
        market_row[i] = r
        received = 0.0
        from_zero = 0.0
        for g in range(goods):
            paid[r, g] = borrower[r, g] + served[r, g] * share_access[i, g] - lender[r, g]
            amount = subsidy[r, g]
            if g == 0:
                received = amount
                from_zero = amount + 0.0
            else:
                received += amount
                from_zero += amount
            if served_pool[r, g] > 0:
                if weighted:
                    pool_weights[g, pool_count[g]] = weight[i]
                pool_count[g] += 1
        subsidy_by_zone[zone[i]] += from_zero
        if weighted:
            subsidy_by_quintile[quintile[i]] += received * weight[i]
        else:
            subsidy_by_quintile[quintile[i]] += received


@numba.njit(cache=True, nogil=True)
def _forget_rows(market_row, rows):  # pragma: no cover - compiled
    for r in range(rows.size):
        market_row[rows[r]] = -1


class MonthBuffers:
    """Arrays the pass writes into, made with the model and kept from month to month (the same
    shapes every month): new ones each month would cost their pages again."""

    def __init__(self, households: int, goods: int):
        self.coded = np.empty((households, goods), np.int8)
        self.several_flags = np.empty((households, goods), bool)
        self.renters_rows = np.empty(households)
        self.forgone_rows = np.empty(households)
        self.sharing_any = np.empty(households, bool)
        self.aware_weights = np.empty((goods, households))
        self.sharing_weights = np.empty(households)
        self.market_row = np.full(households, -1, np.intp)
        self.renting = np.empty(households * goods, np.int64)  # flat indices of pairs
        self.forgoing = np.empty(households * goods, np.int64)


class HouseholdsMonth:
    """What `households_month` gives (see the module's docstring)."""

    def __init__(
        self, buffers: MonthBuffers, counts, spending, sharing, aware_count, sums, by_rows
    ):
        self.coded = buffers.coded
        self.several_flags = buffers.several_flags
        self.counts = counts  # (Z * G * CODES,) households by zone, good and code
        self.spending = spending  # (N,) EUR this month
        self.renters_rows = buffers.renters_rows  # (N,) rented uses times their price, summed
        # over goods from +0.0 (`reporters.row_sums`), and the forgone uses
        self.forgone_rows = buffers.forgone_rows
        self.sharing_any = buffers.sharing_any  # (N,) shares at least one good
        self.sharing = sharing  # households sharing at least one good
        self._aware_weights = buffers.aware_weights
        self._aware_count = aware_count
        self._sharing_weights = buffers.sharing_weights
        self.spending_by_zone, self.trust_by_zone, self.sharing_by_zone, self.by_quintile = sums
        # the market's rows: subsidies by zone (None from 8 goods: numpy sums rows pairwise then)
        # and by quintile, the weights of the rows served by pools and how many, by good
        self.subsidy_by_zone, self.subsidy_by_quintile, self._pool_weights, self._pool_count = (
            by_rows
        )

    def aware_count(self, g: int, weighted: bool) -> float:
        """Households aware of good g and needing it: weighted, the sum of their weights in the
        households' order, pairwise as numpy sums `weight[flags]`."""
        count = int(self._aware_count[g])
        return float(self._aware_weights[g, :count].sum()) if weighted else count

    def pool_users(self, g: int, weighted: bool) -> float:
        """The market's rows served by a pool for good g, weighted as `ShareBasis.count`."""
        count = int(self._pool_count[g])
        return float(self._pool_weights[g, :count].sum()) if weighted else count

    def sharing_weight(self) -> float:
        """The sum of the weights of the households sharing a good, as numpy sums them."""
        return float(self._sharing_weights[: self.sharing].sum())


def households_month(
    model, market, own_cost, rent_price, rent_access, share_access, weight
) -> HouseholdsMonth:
    """The month's pass over the households (module docstring). `own_cost`, `rent_price`,
    `rent_access` broadcast to (N, G), `share_access` to (N, G) too (read at the market's rows
    only); `weight` (N,) the real households each stands for, or None on a grid."""
    hh, goods = model.households, model.goods
    households, goods_count = hh.mode.shape
    zones = model.zone_count
    shape = (households, goods_count)
    buffers = model.month_buffers
    market_row = buffers.market_row
    weighted = weight is not None
    weight = np.empty(0) if weight is None else weight
    by_rows = (np.zeros(zones), np.zeros(QUINTILES), np.empty((goods_count, 0)))
    by_rows += (np.zeros(goods_count, np.int64),)
    if market is not None and market.rows.size:
        rows = market.rows
        paid = np.empty((rows.size, goods_count))
        by_rows = (*by_rows[:2], np.empty((goods_count, rows.size)), by_rows[3])
        _market_rows_month(
            rows,
            market.borrower_paid_eur,
            market.served,
            np.broadcast_to(share_access, shape),
            market.lender_income_eur,
            market.subsidy_eur,
            market.served_pool,
            hh.zone_index,
            hh.quintile_index,
            weight,
            weighted,
            paid,
            market_row,
            *by_rows,
        )
    else:
        rows, paid = None, np.empty((0, goods_count))
    if goods_count >= 8:
        by_rows = (None, *by_rows[1:])
    counts = np.zeros(zones * goods_count * CODES, np.int64)
    spending = np.empty(households)
    aware_count = np.zeros(goods_count, np.int64)
    sums = (np.zeros(zones), np.zeros(zones), np.zeros(zones, np.int64), np.zeros(5))
    pair_count = np.zeros(2, np.int64)
    try:
        sharing = _households_month(
            hh.mode,
            hh.need,
            hh.lending,
            hh.extra,
            hh.aware,
            goods.multi_unit,
            bool(goods.multi_unit.any()),
            hh.zone_index,
            hh.quintile_index,
            hh.uses,
            hh.trust,
            np.asarray(goods.extra_units, float),
            np.broadcast_to(own_cost, shape),
            np.broadcast_to(rent_price, shape),
            np.broadcast_to(rent_access, shape),
            np.asarray(goods.rent_eur_per_use, float),
            market_row,
            paid,
            weight,
            weighted,
            buffers.coded,
            buffers.several_flags,
            counts,
            buffers.renters_rows,
            buffers.forgone_rows,
            spending,
            buffers.sharing_any,
            buffers.aware_weights,
            aware_count,
            buffers.sharing_weights,
            *sums,
            buffers.renting,
            buffers.forgoing,
            pair_count,
        )
    finally:
        if rows is not None:
            _forget_rows(market_row, rows)
    month = HouseholdsMonth(buffers, counts, spending, sharing, aware_count, sums, by_rows)
    month.renting = buffers.renting[: pair_count[0]]  # the pairs renting and forgoing, in order
    month.forgoing = buffers.forgoing[: pair_count[1]]
    return month
