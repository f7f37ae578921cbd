"""The declaration of every outcome column the reporters write: its unit, its meaning, its range.

`model.reporters.measure` computes the columns; this table says what each one
is, once. `partage outcomes` prints it, `docs/outcomes.md` is generated from it,
and the comparison engine reads each outcome's range so that an interval never
leaves it (a count cannot be negative, a share lies between 0 and 1).

A pattern may hold `{good}` (a good of the scenario), `{zone}` (a zone) and
`{q}` (an income quintile, 1 = poorest, to 5); `columns` expands them for a
scenario, `declaration_of` finds the declaration of a concrete column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHARE = (0.0, 1.0)
COUNT = (0.0, None)
UNBOUNDED = (None, None)


@dataclass(frozen=True)
class Outcome:
    """One outcome column (or a family of them, by good, zone or quintile)."""

    pattern: str
    unit: str
    meaning: str
    family: str
    bounds: tuple[float | None, float | None] = COUNT


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("month", "month", "Month of the row; 0 is the initial state.", "time"),
    # adoption
    Outcome(
        "{good}.own",
        "share",
        "Share of the households needing the good who own one.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.rent",
        "share",
        "Share of the households needing the good who rent it from a commercial renter.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.share",
        "share",
        "Share of the households needing the good who share it (from peers or a community pool).",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.forgo",
        "share",
        "Share of the households needing the good who go without; own, rent, share and forgo sum to one.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.lenders",
        "share",
        "Share of the households needing the good who lend their own to others.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.aware",
        "share",
        "Share of the households needing the good who know it can be shared.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.share.{zone}",
        "share",
        "Share of the households of the zone needing the good who share it.",
        "adoption by zone",
        SHARE,
    ),
    Outcome(
        "{good}.sharing.share",
        "share",
        "Share of all households sharing the good (e.g. car-sharing users per household).",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.pool_users.share",
        "share",
        "Share of all households served by a community pool or an operator's fleet this month (at "
        "least one use; e.g. car-sharing members active in the month, peer sharing left out).",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.without.share",
        "share",
        "Share of all households owning none of the good (for the car, the census's car-free share).",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.without.share.{zone}",
        "share",
        "Share of the zone's households owning none of the good.",
        "adoption by zone",
        SHARE,
    ),
    Outcome(
        "{good}.pool_units",
        "goods",
        "Units of the good in community pools this month.",
        "ecological",
    ),
    Outcome(
        "sharing_households", "households", "Households sharing at least one good.", "adoption"
    ),
    Outcome(
        "sharing_households.share",
        "share",
        "Share of all households sharing at least one good.",
        "adoption",
        SHARE,
    ),
    # ecological
    Outcome(
        "{good}.stock",
        "goods",
        "Units of this good held by households (a household holding several counts each).",
        "ecological",
    ),
    Outcome(
        "{good}.purchases",
        "goods/month",
        "Units of this good bought this month (extra units included).",
        "ecological",
    ),
    Outcome(
        "{good}.per_household",
        "goods per household",
        "Units held per household (for the car: cars per household).",
        "adoption",
        (0.0, None),
    ),
    Outcome(
        "{good}.one.share",
        "share",
        "Share of all households holding exactly one unit of the good.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.several.share",
        "share",
        "Share of all households holding more than one unit (for the car: two cars or more); "
        "with one and without, they sum to one.",
        "adoption",
        SHARE,
    ),
    Outcome(
        "{good}.several.households",
        "households",
        "Households holding more than one unit of the good.",
        "adoption",
    ),
    Outcome("goods.stock_total", "goods", "Units of every good held by households.", "ecological"),
    Outcome("emissions.stock_t", "t CO2e", "Embodied emissions of the goods owned.", "ecological"),
    Outcome(
        "emissions.purchases_t",
        "t CO2e/month",
        "Embodied emissions of this month's purchases.",
        "ecological",
    ),
    Outcome(
        "emissions.purchases_cumulative_t",
        "t CO2e",
        "Embodied emissions of all purchases since month 0.",
        "ecological",
    ),
    Outcome(
        "emissions.month_t",
        "t CO2e/month",
        "Embodied emissions of the goods in use (owned or pooled), spread over their lifetimes.",
        "ecological",
    ),
    Outcome(
        "emissions.cumulative_t",
        "t CO2e",
        "Running total of emissions.month_t: the footprint that sharing avoids.",
        "ecological",
    ),
    # economic
    Outcome(
        "spending.mean_eur",
        "EUR/household/month",
        "Household spending on the goods: amortised purchase, fixed costs and fees less lending income, rental, shared uses and their access.",
        "economic",
        UNBOUNDED,
    ),
    Outcome(
        "spending.q{q}_eur",
        "EUR/household/month",
        "The same spending for households of income quintile q (1 = poorest).",
        "economic",
        UNBOUNDED,
    ),
    Outcome(
        "lender_income_eur",
        "EUR/month",
        "What lenders received this month, after the platform fee.",
        "economic",
    ),
    Outcome(
        "uses.unmet",
        "uses/month",
        "Shared uses asked for but not served (no lender or pool unit free).",
        "economic",
    ),
    Outcome(
        "uses.forgone",
        "uses/month",
        "Uses of households who chose to go without the good.",
        "economic",
    ),
    Outcome(
        "subsidy.q{q}_eur",
        "EUR/household/month",
        "Sharing subsidy received per household of income quintile q.",
        "economic",
    ),
    # social
    Outcome("trust.mean", "0..1", "Mean trust in sharing.", "social", SHARE),
    Outcome(
        "ties.created",
        "ties",
        "Social ties created by sharing and third places since month 0.",
        "social",
    ),
    Outcome("transactions", "transactions", "Sharing transactions since month 0.", "social"),
    Outcome(
        "bad_experiences",
        "transactions",
        "Sharing transactions that went badly since month 0.",
        "social",
    ),
    # public
    Outcome(
        "public.spend_eur", "EUR/month", "Public spending on the policies this month.", "public"
    ),
    Outcome(
        "public.revenue_eur",
        "EUR/month",
        "Public revenue of the policies this month (fees, pool user fees).",
        "public",
    ),
    Outcome("public.cumulative_spend_eur", "EUR", "Public spending since month 0.", "public"),
    Outcome("public.cumulative_revenue_eur", "EUR", "Public revenue since month 0.", "public"),
    # money flows of the sharing market
    Outcome(
        "money.borrowers_eur", "EUR/month", "Paid by borrowers for shared uses.", "money flows"
    ),
    Outcome(
        "money.subsidies_eur",
        "EUR/month",
        "Sharing subsidies paid by the public to lenders.",
        "money flows",
    ),
    Outcome(
        "money.lenders_eur",
        "EUR/month",
        "Received by lenders (equals lender_income_eur).",
        "money flows",
    ),
    Outcome("money.platform_eur", "EUR/month", "Platform fees.", "money flows"),
    Outcome(
        "money.pools_eur",
        "EUR/month",
        "User fees of community pools and of the operators' fleets of today.",
        "money flows",
    ),
    Outcome(
        "money.operators_eur",
        "EUR/month",
        "User fees of the operators' fleets of today (part of money.pools_eur; not public revenue).",
        "money flows",
    ),
    Outcome("money.renters_eur", "EUR/month", "Paid to commercial renters.", "money flows"),
)

QUINTILES = range(1, 6)


REAL_HOUSEHOLDS = Outcome(
    "real.households",
    "households",
    "Households of the real territory the sample stands for.",
    "real territory",
)
# Public spending and revenue are always scaled (their declared part is kept as declared).
REAL_PUBLIC = ("public.spend_eur", "public.cumulative_spend_eur", "public.cumulative_revenue_eur")


def _is_scaled(column: str) -> bool:
    """Whether a territory from data repeats this column as `real.<column>` (`model.reporters`)."""
    from .reporters import COUNTED, COUNTED_SUFFIXES

    return (
        column in COUNTED
        or column in REAL_PUBLIC
        or column.startswith("money.")
        or column.endswith(COUNTED_SUFFIXES)
    )


def real_outcome(outcome: Outcome) -> Outcome:
    """The declaration of `real.<outcome>`: the same outcome scaled to the real territory."""
    return Outcome(
        f"real.{outcome.pattern}",
        outcome.unit,
        f"{outcome.meaning} Scaled from the sample to the real territory.",
        "real territory",
        outcome.bounds,
    )


def columns(
    goods: list[str], zones: list[str], from_data: bool = False
) -> list[tuple[str, Outcome]]:
    """Every column of a scenario with these goods and zones, with its declaration, in table order.

    On a territory from data (`from_data`) outcomes by zone are in `zones.parquet` instead, and
    the counted outcomes are repeated as `real.<outcome>`, scaled to the real territory."""
    out = []
    for outcome in OUTCOMES:
        if from_data and "{zone}" in outcome.pattern:
            continue
        goods_here = goods if "{good}" in outcome.pattern else [""]
        zones_here = zones if "{zone}" in outcome.pattern else [""]
        quintiles = QUINTILES if "{q}" in outcome.pattern else [0]
        for good in goods_here:
            for zone in zones_here:
                for q in quintiles:
                    out.append((outcome.pattern.format(good=good, zone=zone, q=q), outcome))
    if from_data:
        out += [
            (f"real.{column}", real_outcome(outcome))
            for column, outcome in out
            if _is_scaled(column)
        ]
        out.append((REAL_HOUSEHOLDS.pattern, REAL_HOUSEHOLDS))
    return out


def _regex(pattern: str) -> re.Pattern:
    parts = re.split(r"(\{good\}|\{zone\}|\{q\})", pattern)
    wildcard = {"{good}": "[a-z][a-z0-9_]*", "{zone}": "[a-z][a-z0-9_]*", "{q}": "[1-5]"}
    return re.compile("".join(wildcard.get(part, re.escape(part)) for part in parts))


_MATCHERS = [(_regex(outcome.pattern), outcome) for outcome in OUTCOMES]


def declaration_of(column: str) -> Outcome | None:
    """The declaration of a concrete column (`car.share.centre`), or None for a column of another
    target (the validation targets' outcomes are theirs)."""
    if column == REAL_HOUSEHOLDS.pattern:
        return REAL_HOUSEHOLDS
    if column.startswith("real."):
        outcome = declaration_of(column.removeprefix("real."))
        return real_outcome(outcome) if outcome else None
    # Fixed names first: `sharing_households.share` is not the `share` of a good named so.
    for regex, outcome in sorted(_MATCHERS, key=lambda m: m[1].pattern.count("{")):
        if regex.fullmatch(column):
            return outcome
    return None


def outcome_bounds(column: str) -> tuple[float | None, float | None]:
    """The range an outcome can take (`None` where it is open); open on both sides if undeclared."""
    outcome = declaration_of(column)
    return outcome.bounds if outcome else UNBOUNDED


def outcome_rows(
    goods: list[str], zones: list[str], from_data: bool = False
) -> list[dict[str, str]]:
    """One row per column of a scenario with these goods and zones: column, unit, family, meaning."""
    return [
        {
            "column": column,
            "unit": outcome.unit,
            "family": outcome.family,
            "meaning": outcome.meaning,
        }
        for column, outcome in columns(goods, zones, from_data)
    ]
