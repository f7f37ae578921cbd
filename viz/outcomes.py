"""Outcomes in plain words: the model's column names (`car.share`, `spending.q1_eur`) as a planner
reads them, in the session's language.

Per-good columns are `<good>.<measure>` (and `<good>.share.<zone>`); the others are named
once in `WORDS`. A name that matches nothing is shown with its dots and underscores as spaces.
"""

from __future__ import annotations

import re

from .i18n import gettext

GOOD_MEASURES = {
    "own": "share of the households needing a {good} who own one",
    "rent": "share of the households needing a {good} who rent one",
    "share": "share of the households needing a {good} who share one",
    "forgo": "share of the households needing a {good} who go without",
    "lenders": "share of the households lending their {good}",
    "aware": "share of the households aware they could share a {good}",
    "stock": "{good}s owned",
    "purchases": "{good}s bought this month",
    "per_household": "{good}s per household",
    "one": "share of all households holding one {good}",
    "several": "share of all households holding several {good}s",
    "sharing": "share of all households sharing a {good}",
    "pool_units": "{good}s in community pools",
    "pool_users": "share of all households served by a pool or a fleet of {good}s",
}
# Measures whose column ends in a qualifier: `car.several.households` is a count, not a share.
QUALIFIED = {("several", "households"): "households holding several {good}s"}

WORDS = {
    "sharing_households": "households sharing at least one good",
    "sharing_households.share": "share of households sharing at least one good",
    "real.sharing_households": "households sharing at least one good, in the real territory",
    "goods.stock_total": "goods owned, all goods",
    "emissions.stock_t": "embodied emissions of the goods owned (t CO2e)",
    "emissions.purchases_t": "embodied emissions of this month's purchases (t CO2e)",
    "emissions.purchases_cumulative_t": "embodied emissions of purchases so far (t CO2e)",
    "emissions.month_t": "embodied emissions of the goods in use this month (t CO2e)",
    "emissions.cumulative_t": "embodied emissions of the goods in use so far (t CO2e)",
    "spending.mean_eur": "spending on these goods per household (€/month)",
    "lender_income_eur": "lenders' income (€/month)",
    "uses.unmet": "uses that found no good to borrow",
    "uses.forgone": "uses given up",
    "money.borrowers_eur": "paid by borrowers (€/month)",
    "money.subsidies_eur": "sharing subsidies paid (€/month)",
    "money.lenders_eur": "received by lenders (€/month)",
    "money.platform_eur": "platform fees (€/month)",
    "money.pools_eur": "received by community pools (€/month)",
    "money.renters_eur": "paid to commercial renters (€/month)",
    "money.operators_eur": "received by sharing operators' fleets (€/month)",
    "trust.mean": "mean trust in sharing (0 to 1)",
    "ties.created": "ties created by sharing",
    "transactions": "sharing transactions this month",
    "bad_experiences": "bad sharing experiences this month",
    "public.spend_eur": "public spending this month (€)",
    "public.revenue_eur": "public revenue this month (€)",
    "public.cumulative_spend_eur": "public spending so far (€)",
    "public.cumulative_revenue_eur": "public revenue so far (€)",
}


def outcome_label(name: str, lang: str) -> str:
    """The words for an outcome column in `lang`."""
    if name in WORDS:
        return gettext(WORDS[name], lang)
    quintile = re.fullmatch(r"(spending|subsidy)\.q(\d)_eur", name)
    if quintile:
        kind, q = quintile.groups()
        text = (
            "spending on these goods, income fifth {q} (€/month)"
            if kind == "spending"
            else "sharing subsidy received, income fifth {q} (€/month)"
        )
        return gettext(text, lang).format(q=q)
    parts = name.split(".")
    if parts[1:3] == ["without", "share"]:
        text = gettext("share of the households without a {good}", lang).format(
            good=gettext(parts[0], lang)
        )
        if len(parts) == 4:
            text += " — " + gettext("zone: {zone}", lang).format(zone=gettext(parts[3], lang))
        return text
    if tuple(parts[1:3]) in QUALIFIED:
        return gettext(QUALIFIED[tuple(parts[1:3])], lang).format(good=gettext(parts[0], lang))
    if len(parts) >= 2 and parts[1] in GOOD_MEASURES:
        text = gettext(GOOD_MEASURES[parts[1]], lang).format(good=gettext(parts[0], lang))
        if len(parts) == 3 and parts[2] != "share":  # `car.several.share` is no zone
            text += " — " + gettext("zone: {zone}", lang).format(zone=gettext(parts[2], lang))
        return text
    return name.replace(".", " ").replace("_", " ")


def map_words(lang: str):
    """The words of `experiments.maps`' titles and legends in `lang`: outcomes as a planner
    reads them (never `car.without.share`), numbers in the language's format."""
    from experiments.maps import MapWords

    from .i18n import format_number

    return MapWords(
        outcome=lambda name: outcome_label(name.removeprefix("real."), lang),
        text=lambda text: gettext(text, lang),
        number=lambda value: format_number(value, lang),
    )
