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

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import solara

from model.zone_results import unit_of

from .clickable import ClickableSvg
from .controls import ChoiceSelect, escaped
from .language import current as current_language
from .language import number, percent, tr
from .outcomes import outcome_label

UNSETTLED_HATCH = "#555555"
LEVEL_PALETTE, DIFFERENCE_PALETTE = "cividis", "PuOr"
PER_HOUSEHOLD = ("own", "rent", "share", "forgo", "lenders", "without")
OTHER_OUTCOMES = ("sharing_households.share", "spending.mean_eur", "trust.mean")
REAL_COUNTS = ("real.sharing_households",)
SCALE_BAR_PX = 34  # below the communes: the palette's scale


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


@dataclass(frozen=True)
class CommuneShapes:
    """The communes' outlines as SVG paths in pixels (equal-area projection), in zone order."""

    keys: tuple[str, ...]
    names: tuple[str, ...]
    paths: tuple[str, ...]
    width: int
    height: int
    transform: tuple[float, float, float]  # west, north, scale: pixels from metres

    @classmethod
    def of(cls, territory, width: int = 480) -> CommuneShapes:
        from .figures import zone_paths

        paths, height, transform = zone_paths(territory.projected.reset_index(drop=True), width)
        return cls(
            tuple(territory.keys),
            tuple(str(n) for n in territory.names),
            tuple(paths),
            width,
            height,
            transform,
        )

    def commune_at(self, territory, fx: float, fy: float) -> str | None:
        """The key of the commune under a click given as fractions of the drawing's size."""
        from shapely.geometry import Point

        west, north, scale = self.transform
        x = west + (fx * self.width - 2) / scale
        y = north - (fy * (self.height + SCALE_BAR_PX) - 2) / scale
        shapes = territory.projected.reset_index(drop=True)
        inside = shapes.contains(Point(x, y))
        hits = np.flatnonzero(inside.to_numpy())
        return self.keys[int(hits[0])] if hits.size else None


def choropleth_svg(
    shapes: CommuneShapes,
    values: np.ndarray,
    outcome: str,
    *,
    diverging: bool = False,
    unsettled: np.ndarray | None = None,
    chosen: str | None = None,
    title: str = "",
    test_id: str = "commune-map",
    limits: tuple[float, float] | None = None,
) -> str:
    """The communes filled by `values` (NaN: grey), named on hover, the chosen one outlined;
    a level's scale runs over `limits` when given (so two maps of levels read alike)."""
    import matplotlib
    from matplotlib.colors import Normalize, TwoSlopeNorm, to_hex

    finite = values[np.isfinite(values)]
    if diverging:
        bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        norm, cmap = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound), DIFFERENCE_PALETTE
        low, high = -bound, bound
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if limits is not None:
            low, high = limits
        norm, cmap = Normalize(vmin=low, vmax=high if high > low else low + 1), LEVEL_PALETTE
    colours = matplotlib.colormaps[cmap]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {shapes.width} '
        f'{shapes.height + SCALE_BAR_PX}" style="max-width:480px;height:auto;display:block" role="img" '
        f'aria-label="{html.escape(title)}" data-testid="{html.escape(test_id)}">',
        f"<title>{html.escape(title)}</title>",
        '<defs><pattern id="unsettled" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{UNSETTLED_HATCH}" '
        'stroke-width="1.2"/></pattern></defs>',
    ]
    for index, (key, name, path) in enumerate(
        zip(shapes.keys, shapes.names, shapes.paths, strict=True)
    ):
        value = values[index]
        fill = to_hex(colours(norm(value))) if np.isfinite(value) else "#dddddd"
        tip = f"{name}: {value_text(value, outcome, signed=diverging)}"
        stroke = ("#000000", 2.5) if key == chosen else ("#8a8a8a", 0.6)
        out.append(
            f'<path d="{path}" fill="{fill}" stroke="{stroke[0]}" stroke-width="{stroke[1]}" '
            f'data-commune="{html.escape(name)}"><title>{html.escape(tip)}</title></path>'
        )
        if unsettled is not None and unsettled[index]:
            out.append(
                f'<path d="{path}" fill="url(#unsettled)" stroke="none" pointer-events="none"/>'
            )
    # the scale: the palette from its lowest to its highest value, with both ends written
    steps = 40
    bar_w = shapes.width * 0.6 / steps
    for i in range(steps):
        value = low + (high - low) * (i + 0.5) / steps
        out.append(
            f'<rect x="{shapes.width * 0.2 + i * bar_w:.1f}" y="{shapes.height + 4}" '
            f'width="{bar_w + 0.5:.1f}" height="10" fill="{to_hex(colours(norm(value)))}"/>'
        )
    for x, value, anchor in ((shapes.width * 0.2, low, "end"), (shapes.width * 0.8, high, "start")):
        out.append(
            f'<text x="{x + (-4 if anchor == "end" else 4):.1f}" y="{shapes.height + 13}" '
            f'font-size="11" text-anchor="{anchor}">{html.escape(value_text(value, outcome, diverging))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


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
    """Maps of an outcome by commune (scenario, reference, difference), a sortable table and a
    picked commune's figures."""
    table = solara.use_memo(comparison.zone_table, [id(comparison)])
    shapes = solara.use_memo(lambda: CommuneShapes.of(territory), [id(territory)])
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
    names = dict(zip(shapes.keys, shapes.names, strict=True))
    rows = commune_rows(table, scenario, comparison.baseline, outcome).reindex(list(shapes.keys))
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
            "there). Click a commune for its figures."
        ),
        classes=["partage-caption"],
    )
    chosen = chosen_commune.value if chosen_commune.value in names else None

    def pick(fx: float, fy: float) -> None:
        key = shapes.commune_at(territory, fx, fy)
        if key is not None:
            chosen_commune.set(key)

    levels = rows[["scenario", "reference"]].to_numpy(dtype=float)
    levels = levels[np.isfinite(levels)]
    limits = (float(levels.min()), float(levels.max())) if levels.size else None
    with solara.Div(classes=["partage-charts"], attributes={"data-testid": "commune-maps"}):
        for column, heading, diverging in (
            ("scenario", tr(scenario.replace("_", " ")), False),
            ("reference", tr("Reference"), False),
            ("difference", tr("Difference from the reference"), True),
        ):
            with solara.Div(classes=["partage-chart"]):
                solara.HTML(tag="strong", unsafe_innerHTML=escaped(heading))
                ClickableSvg(
                    choropleth_svg(
                        shapes,
                        rows[column].to_numpy(dtype=float),
                        outcome,
                        diverging=diverging,
                        unsettled=(~rows["settled"]).to_numpy() if diverging else None,
                        chosen=chosen,
                        title=f"{heading}: {outcome_label(outcome, lang)}",
                        test_id=f"commune-map-{column}",
                        limits=None if diverging else limits,
                    ),
                    on_pick=pick,
                    test_id=f"commune-click-{column}",
                )
    if chosen is not None:
        CommuneFigures(table, comparison, scenario, chosen, names[chosen])
    CommuneTable(rows, names, outcome)


@solara.component
def CommuneTable(rows: pd.DataFrame, names: dict[str, str], outcome: str):
    columns = {
        "commune": tr("Commune"),
        "scenario": tr("Scenario"),
        "reference": tr("Reference"),
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
        for t in (tr("Figure"), tr("Scenario"), tr("Reference"), tr("Difference"))
    )
    solara.HTML(tag="h4", unsafe_innerHTML=escaped(name))
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table class='partage-table'><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>",
        attributes={"data-testid": "commune-figures"},
        classes=["partage-scroll"],
    )
