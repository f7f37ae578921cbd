"""Results by commune: an outcome of a comparison drawn commune by commune, in the scenario, the
reference and their difference, with a sortable table and a commune's own figures.

Rules (as the council report's maps, `experiments.maps`):
- A level uses the sequential, colour-blind-safe `cividis` palette; a difference uses the
  diverging `PuOr` palette centred on zero with symmetric limits; communes whose 95 %
  interval of the paired difference contains zero are hatched (not settled there).
- The figures are the comparison engine's table by zone (`Comparison.zone_table`): the
  mean over replications, and the paired difference from the reference with its interval.
  Only figures per household (shares, euros per household, trust) and the territory's real
  counts (`real.*`) are offered, never counts of the simulated sample.
- Communes are named, never numbered by their code; a click on a commune picks it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara

from model.zone_results import unit_of

from .commune_map import CommuneMap, CommuneOutlines, map_figure, plotly_scale
from .controls import ChoiceSelect, escaped
from .language import current as current_language
from .language import number, percent, tr
from .outcomes import outcome_label

LEVEL_PALETTE, DIFFERENCE_PALETTE = "cividis", "PuOr"
PER_HOUSEHOLD = ("own", "rent", "share", "forgo", "lenders", "without")
OTHER_OUTCOMES = ("sharing_households.share", "spending.mean_eur", "trust.mean")
REAL_COUNTS = ("real.sharing_households",)


def offered_outcomes(table: pd.DataFrame) -> list[str]:
    """The outcomes by commune a planner can map: per household, or real counts."""
    present = set(table["outcome"])
    out = [o for o in OTHER_OUTCOMES + REAL_COUNTS if o in present]
    for name in sorted(present):
        parts = name.split(".")
        if len(parts) >= 2 and parts[1] in PER_HOUSEHOLD and name not in out:
            out.append(name)
    return out


def is_share(outcome: str) -> bool:
    return unit_of(outcome) == "share of households"


def value_text(value: float, outcome: str, signed: bool = False) -> str:
    """A commune's figure in words: percent (points for a difference), euros, or a number."""
    if value != value:
        return "–"
    sign = "+" if signed and value > 0 else ""
    if is_share(outcome):
        if signed:
            return tr("{sign}{value} points").format(sign=sign, value=number(value * 100, 1))
        return percent(value)
    digits = 2 if outcome == "trust.mean" else (1 if abs(value) < 100 else 0)
    return sign + number(value, digits)


def choropleth(
    outlines: CommuneOutlines,
    values: np.ndarray,
    outcome: str,
    *,
    diverging: bool = False,
    unsettled: np.ndarray | None = None,
    picked: frozenset[str] = frozenset(),
    limits: tuple[float, float] | None = None,
    height: int = 340,
):
    """The communes filled by `values` (NaN: grey) on a map that zooms and pans, named on hover
    with their figure, the picked ones outlined; a level's scale runs over `limits` when given
    (so two maps of levels read alike)."""
    import matplotlib
    from matplotlib.colors import Normalize, TwoSlopeNorm, to_hex

    finite = values[np.isfinite(values)]
    if diverging:
        empty = 0.01 if is_share(outcome) else 1.0  # no difference anywhere: a scale of one point
        bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else empty
        norm, cmap = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound), DIFFERENCE_PALETTE
        low, high = -bound, bound
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if limits is not None:
            low, high = limits
        high = high if high > low else low + (abs(low) * 0.01 or 0.01)
        norm, cmap = Normalize(vmin=low, vmax=high), LEVEL_PALETTE
    colours = matplotlib.colormaps[cmap]
    fills = [to_hex(colours(norm(v))) if np.isfinite(v) else "#dddddd" for v in values]
    hover = [
        f"{name}: {value_text(v, outcome, signed=diverging)}"
        for name, v in zip(outlines.names, values, strict=True)
    ]
    ticks = [low, (low + high) / 2, high]
    scale = (
        plotly_scale(cmap, norm, low, high),
        low,
        high,
        ticks,
        [value_text(t, outcome, signed=diverging) for t in ticks],
    )
    return map_figure(
        outlines,
        fills,
        hover,
        picked=picked,
        hatched=list(unsettled) if unsettled is not None else None,
        scale=scale,
        height=height,
    )


# --------------------------------------------------------------------------- the page's part

outcome_shown = solara.reactive("sharing_households.share")
scenario_shown = solara.reactive("")
sort_by = solara.reactive("difference")
chosen_commune = solara.reactive("")


def commune_rows(table: pd.DataFrame, scenario: str, baseline: str, outcome: str) -> pd.DataFrame:
    """Per commune: the scenario's and the reference's means, the difference and its interval."""
    part = table[table["outcome"] == outcome]
    mine = part[part["scenario"] == scenario].set_index("zone")
    theirs = part[part["scenario"] == baseline].set_index("zone")
    rows = pd.DataFrame(
        {
            "scenario": mine["mean"],
            "reference": theirs["mean"].reindex(mine.index),
            "difference": mine["diff"],
            "low": mine["diff_low"],
            "high": mine["diff_high"],
        }
    )
    rows["settled"] = ~((rows["low"] <= 0) & (rows["high"] >= 0))
    return rows


@solara.component
def ResultsByCommune(comparison, territory):
    """Maps of an outcome by commune (scenario, reference, difference) that zoom and pan, a
    sortable table, and a picked commune's figures and curves over the months."""
    table = solara.use_memo(comparison.zone_table, [id(comparison)])
    outlines = solara.use_memo(lambda: CommuneOutlines.of(territory), [id(territory)])
    if table.empty:
        return
    lang = current_language()
    outcomes = offered_outcomes(table)
    outcome = outcome_shown.value if outcome_shown.value in outcomes else outcomes[0]
    scenario = (
        scenario_shown.value
        if scenario_shown.value in comparison.scenarios
        else comparison.scenarios[0]
    )
    names = dict(zip(outlines.keys, outlines.names, strict=True))
    rows = commune_rows(table, scenario, comparison.baseline, outcome).reindex(list(outlines.keys))
    rows["settled"] = rows["settled"].astype("boolean").fillna(True).astype(bool)
    solara.HTML(tag="h3", unsafe_innerHTML=escaped(tr("Results by commune")))
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        ChoiceSelect(
            tr("Outcome"),
            [(o, outcome_label(o, lang)) for o in outcomes],
            outcome,
            outcome_shown.set,
            test_id="commune-outcome",
        )
        if len(comparison.scenarios) > 1:
            ChoiceSelect(
                tr("Scenario"),
                [(s, tr(s.replace("_", " "))) for s in comparison.scenarios],
                scenario,
                scenario_shown.set,
            )
    solara.Text(
        tr(
            "Hatched communes: the 95 % interval of the difference contains zero (not settled "
            "there). Click a commune for its figures; zoom with the wheel or the buttons, drag "
            "to move."
        ),
        classes=["partage-caption"],
    )
    chosen = chosen_commune.value if chosen_commune.value in names else None
    levels = rows[["scenario", "reference"]].to_numpy(dtype=float)
    levels = levels[np.isfinite(levels)]
    limits = (float(levels.min()), float(levels.max())) if levels.size else None
    picked = frozenset([chosen] if chosen else [])
    with solara.Div(classes=["partage-charts"], attributes={"data-testid": "commune-maps"}):
        for column, heading, diverging in (
            ("scenario", tr(scenario.replace("_", " ")), False),
            ("reference", tr("Baseline"), False),
            ("difference", tr("Difference from the baseline"), True),
        ):
            values = rows[column].to_numpy(dtype=float)
            unsettled = (~rows["settled"]).to_numpy() if diverging else None
            figure = choropleth(
                outlines,
                values,
                outcome,
                diverging=diverging,
                unsettled=unsettled,
                picked=picked,
                limits=None if diverging else limits,
            )
            with solara.Div(classes=["partage-chart"]):
                solara.HTML(
                    tag="strong",
                    unsafe_innerHTML=escaped(
                        tr("{name}: {outcome}").format(
                            name=heading, outcome=outcome_label(outcome, lang)
                        )
                    ),
                )
                CommuneMap(
                    figure,
                    outlines.keys,
                    on_pick=chosen_commune.set,
                    test_id=f"commune-map-{column}",
                    label=tr("{name}: {outcome}").format(
                        name=heading, outcome=outcome_label(outcome, lang)
                    ),
                )
    if chosen is not None:
        CommuneFigures(table, comparison, scenario, chosen, names[chosen])
        CommuneCurves(comparison, scenario, chosen, names[chosen], outcome)
    CommuneTable(rows, names, outcome)


@solara.component
def CommuneCurves(comparison, scenario: str, key: str, name: str, outcome: str):
    """A commune's outcome month by month: the scenario and the reference (dashed), and their
    difference, means over the replications."""
    from .svg import Line, line_chart

    lang = current_language()
    months = solara.use_memo(
        lambda: comparison.zone_months(key, outcome), [id(comparison), key, outcome]
    )
    if months.empty:
        return
    factor = 100.0 if is_share(outcome) else 1.0
    unit = tr("points") if is_share(outcome) else ""

    def part(of: str) -> pd.DataFrame:
        return months[months["scenario"] == of].sort_values("month")

    mine, theirs = part(scenario), part(comparison.baseline)
    label = outcome_label(outcome, lang)
    level = line_chart(
        [
            Line(
                tr(scenario.replace("_", " ")),
                "#0072B2",
                mine["month"].to_numpy(),
                factor * mine["mean"].to_numpy(dtype=float),
            ),
            Line(
                tr("Baseline"),
                "#595959",
                theirs["month"].to_numpy(),
                factor * theirs["mean"].to_numpy(dtype=float),
                dashed=True,
            ),
        ],
        title=tr("{name}: {outcome}").format(name=name, outcome=label)
        + (" (%)" if is_share(outcome) else ""),
        test_id="commune-curve",
        lang=lang,
        baseline_label=tr("Baseline"),
    )
    difference = line_chart(
        [
            Line(
                tr("Difference from the baseline"),
                "#D55E00",
                mine["month"].to_numpy(),
                factor * mine["diff"].to_numpy(dtype=float),
            ),
        ],
        title=tr("{name}: {outcome}").format(name=name, outcome=tr("Difference from the baseline"))
        + (f" ({unit})" if unit else ""),
        test_id="commune-difference-curve",
        lang=lang,
    )
    with solara.Div(classes=["partage-charts"], attributes={"data-testid": "commune-curves"}):
        for drawing in (level, difference):
            solara.HTML(tag="div", unsafe_innerHTML=drawing, classes=["partage-chart"])


@solara.component
def CommuneTable(rows: pd.DataFrame, names: dict[str, str], outcome: str):
    columns = {
        "commune": tr("Commune"),
        "scenario": tr("Scenario"),
        "reference": tr("Baseline"),
        "difference": tr("Difference"),
    }
    key = sort_by.value if sort_by.value in columns else "difference"
    frame = rows.assign(commune=[names[k] for k in rows.index])
    frame = (
        frame.sort_values("commune", key=lambda s: s.str.casefold())
        if key == "commune"
        else frame.sort_values(key, ascending=False, na_position="last")
    )
    ChoiceSelect(
        tr("Sort the communes by"),
        list(columns.items()),
        key,
        sort_by.set,
        test_id="commune-sort",
    )
    head = "".join(f"<th scope='col'>{escaped(text)}</th>" for text in columns.values())
    head += f"<th scope='col'>{escaped(tr('95 % interval'))}</th>"
    body = "".join(
        f"<tr class='{'' if r.settled else 'partage-unsettled'}'><th scope='row'>{escaped(r.commune)}</th>"
        f"<td>{escaped(value_text(r.scenario, outcome))}</td>"
        f"<td>{escaped(value_text(r.reference, outcome))}</td>"
        f"<td>{escaped(value_text(r.difference, outcome, signed=True))}</td>"
        f"<td>{escaped(value_text(r.low, outcome, True))} {escaped(tr('to'))} "
        f"{escaped(value_text(r.high, outcome, True))}"
        f"{'' if r.settled else ' ' + escaped(tr('(not settled)'))}</td></tr>"
        for r in frame.itertuples()
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table class='partage-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        attributes={"data-testid": "commune-table"},
        classes=["partage-scroll"],
    )


@solara.component
def CommuneFigures(table: pd.DataFrame, comparison, scenario: str, key: str, name: str):
    """Every figure per household of one commune: scenario, reference, difference."""
    lang = current_language()
    part = table[table["zone"] == key]
    lines = []
    for outcome in offered_outcomes(table):
        rows = commune_rows(part, scenario, comparison.baseline, outcome)
        if rows.empty:
            continue
        r = rows.iloc[0]
        lines.append(
            f"<tr><th scope='row'>{escaped(outcome_label(outcome, lang))}</th>"
            f"<td>{escaped(value_text(r.scenario, outcome))}</td>"
            f"<td>{escaped(value_text(r.reference, outcome))}</td>"
            f"<td>{escaped(value_text(r.difference, outcome, True))}"
            f"{'' if r.settled else ' ' + escaped(tr('(not settled)'))}</td></tr>"
        )
    head = "".join(
        f"<th scope='col'>{escaped(t)}</th>"
        for t in (tr("Figure"), tr("Scenario"), tr("Baseline"), tr("Difference"))
    )
    solara.HTML(tag="h4", unsafe_innerHTML=escaped(name))
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table class='partage-table'><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>",
        attributes={"data-testid": "commune-figures"},
        classes=["partage-scroll"],
    )
