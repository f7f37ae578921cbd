"""A policy search's Pareto front drawn as an SVG that a click picks from, and the words of its
impacts: shared by the Policy design page (a finished search) and the search launched from it
(the front as it grows).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import pandas as pd
import solara

from . import i18n

FRONT, OTHER, PICKED = "#0072B2", "#999999", "#D55E00"  # Okabe-Ito blue, grey and vermilion
WIDTH, HEIGHT = 560, 380
problem = solara.reactive("")  # why a point could not be opened, in words


def inside(folder: Path, relative: str) -> Path | None:
    """`folder / relative` if it stays inside `folder` (no `..`, no absolute path, no link out)."""
    path = (folder / relative).resolve()
    return path if path.is_relative_to(folder.resolve()) and path.is_file() else None


class Front:
    """A finished optimisation read from its folder: the front, every candidate, the objectives."""

    @classmethod
    def from_table(cls, table: pd.DataFrame, objectives: list[str], budget: float | None):
        """A search's front so far (`experiments.optimise.front_so_far`), to draw while it grows."""
        front = cls.__new__(cls)
        front.folder = None
        front.front = table.assign(rank=range(1, len(table) + 1))
        front.candidates = front.front
        front.objectives = [(name, "") for name in objectives]
        front.budget = budget
        front.baseline = ""
        names = list(dict.fromkeys(objectives)) or ["extra_sharing_households"]
        front.x = names[0]
        front.y = names[1] if len(names) > 1 else "net_public_cost_eur"
        front.levers = []
        return front

    def __init__(self, folder: Path):
        self.folder = folder
        self.front = pd.read_csv(folder / "front.csv")
        candidates = inside(folder, "candidates.csv")
        self.candidates = pd.read_csv(candidates) if candidates is not None else self.front
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        design = manifest.get("design", {})
        self.objectives = [(o["outcome"], o["direction"]) for o in design.get("objectives", [])]
        budget = design.get("budget") or {}
        self.budget = budget.get("net_public_cost_eur")
        self.baseline = design.get("baseline", "")
        # A robust search may judge one impact twice (its mean and its regret): plot distinct ones.
        names = list(dict.fromkeys(name for name, _ in self.objectives)) or [
            "extra_sharing_households"
        ]
        self.x = names[0]
        self.y = names[1] if len(names) > 1 else "net_public_cost_eur"
        start = list(self.front.columns).index("package") + 1 if "package" in self.front else 3
        end = (
            list(self.front.columns).index("replications")
            if "replications" in self.front
            else start
        )
        self.levers = list(self.front.columns[start:end])

    def impacts(self) -> list[str]:
        return [c for c in self.front.columns if f"{c} low" in self.front.columns]

    def row(self, rank: int) -> pd.Series:
        match = self.front[self.front["rank"] == rank]
        return (match if len(match) else self.front).iloc[0]

    def scenario_text(self, rank: int) -> str | None:
        path = inside(self.folder, str(self.row(rank)["scenario file"]))
        return path.read_text(encoding="utf-8") if path and path.suffix == ".toml" else None

    # -- the drawing and the picking share one mapping from values to the drawing

    def _ranges(self):
        def span(column):
            values = pd.concat([self.candidates[column], self.front[column]]).astype(float)
            values = values[values.apply(math.isfinite)]
            low, high = (values.min(), values.max()) if len(values) else (0.0, 1.0)
            pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
            return low - pad, high + pad

        return span(self.x), span(self.y)

    def to_fraction(self, x: float, y: float) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self._ranges()
        left, right, top, bottom = 70, 16, 30, 46
        px = left + (x - x0) / (x1 - x0) * (WIDTH - left - right)
        py = top + (1 - (y - y0) / (y1 - y0)) * (HEIGHT - top - bottom)
        return px / WIDTH, py / HEIGHT

    def nearest_rank(self, fx: float, fy: float) -> int:
        distances = [
            (
                math.dist((fx, fy), self.to_fraction(float(r[self.x]), float(r[self.y]))),
                int(r["rank"]),
            )
            for _, r in self.front.iterrows()
        ]
        return min(distances)[1]

    def svg(self, picked: int, lang: str) -> str:
        (x0, x1), (y0, y1) = self._ranges()
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" style="max-width: 100%; height: auto" '
            'font-family="sans-serif" font-size="11">',
            f'<rect x="70" y="30" width="{WIDTH - 86}" height="{HEIGHT - 76}" fill="#fff" stroke="#999"/>',
        ]

        def at(x, y):
            fx, fy = self.to_fraction(x, y)
            return fx * WIDTH, fy * HEIGHT

        if self.budget is not None and self.y == "net_public_cost_eur" and y0 < self.budget < y1:
            _, by = at(x0, self.budget)
            out.append(
                f'<line x1="70" x2="{WIDTH - 16}" y1="{by:.1f}" y2="{by:.1f}" '
                'stroke="#000" stroke-dasharray="5,4"/>'
            )
            out.append(
                f'<text x="{WIDTH - 18}" y="{by - 4:.1f}" text-anchor="end">'
                f"{html.escape(i18n.gettext('budget', lang))}</text>"
            )
        on_front = set(self.front["point"]) if "point" in self.front else set()
        for _, row in self.candidates.iterrows():
            if row.get("point") in on_front or not (
                math.isfinite(row[self.x]) and math.isfinite(row[self.y])
            ):
                continue
            cx, cy = at(float(row[self.x]), float(row[self.y]))
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{OTHER}"/>')
        for _, row in self.front.iterrows():
            cx, cy = at(float(row[self.x]), float(row[self.y]))
            rank = int(row["rank"])
            colour = PICKED if rank == picked else FRONT
            out.append(
                f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="{colour}">'
                f"<title>{rank}</title></rect>"
            )
            out.append(f'<text x="{cx + 7:.1f}" y="{cy - 6:.1f}">{rank}</text>')
        for value, anchor in ((x0, "start"), (x1, "end")):
            x, _ = at(value, y0)
            out.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 32}" text-anchor="{anchor}">'
                f"{html.escape(_short(value))}</text>"
            )
        for value in (y0, y1):
            _, y = at(x0, value)
            out.append(
                f'<text x="66" y="{y + 4:.1f}" text-anchor="end">{html.escape(_short(value))}</text>'
            )
        out.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle" fill="#333">'
            f"{html.escape(impact_label(self.x, lang))}</text>"
        )
        out.append(
            f'<text x="12" y="20" fill="#333">{html.escape(impact_label(self.y, lang))}</text>'
        )
        out.append("</svg>")
        return "".join(out)


def _short(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


IMPACT_LABELS = {
    "extra_sharing_households": "Extra sharing households",
    "t_co2e_avoided": "t CO2e avoided",
    "poorest_savings_eur_per_month": "Savings of the two poorest quintiles (EUR/month per household)",
    "net_public_cost_eur": "Net public cost (EUR)",
}


def impact_label(name: str, lang: str) -> str:
    return i18n.gettext(IMPACT_LABELS.get(name, name), lang)


def heading(text: str, level: int = 2) -> None:
    """A plain heading, its text escaped."""
    solara.HTML(tag=f"h{level}", unsafe_innerHTML=html.escape(text))


# --------------------------------------------------------------------------- a point in words, opened


def lever_words(column: str, lang: str) -> str:
    """A front's lever column in words: `tool_library` is the measure's name, and
    `tool_library.units_per_1000_households` the measure's name and the field's label."""
    from model.scenario import parameter_info

    from .catalogue import load_named

    policy, _, field_name = column.partition(".")
    title = i18n.gettext(policy.replace("_", " "), lang)
    if not field_name:
        return title
    try:
        label = parameter_info(load_named("territoire_partage"), f"policies.{column}").get("label")
    except Exception:  # noqa: BLE001 - a lever the library's package lacks keeps its own words
        label = None
    return f"{title}: {i18n.gettext(label or field_name.replace('_', ' '), lang)}"


def value_words(value, lang: str) -> str:
    """A lever's value in words: on/off, zones joined, numbers in the language's format."""
    if isinstance(value, float) and math.isfinite(value):
        return i18n.format_number(value, lang, 0 if value.is_integer() else 3)
    text = str(value)
    if text in ("on", "off", "-"):
        return {"on": i18n.gettext("in", lang), "off": i18n.gettext("left out", lang)}.get(
            text, "–"
        )
    return " + ".join(i18n.gettext(zone, lang) for zone in text.split("+"))


def package_words(row, levers: list[str], lang: str) -> str:
    """A front point's package in words: the measures kept (with their searched values), then the
    measures every package holds."""
    kept = []
    for lever in levers:
        if "." in lever or str(row.get(lever)) != "on":
            continue
        values = [
            f"{lever_words(other, lang).split(': ', 1)[1]} {value_words(row[other], lang)}"
            for other in levers
            if other.startswith(lever + ".") and str(row[other]) != "-"
        ]
        kept.append(lever_words(lever, lang) + (f" ({'; '.join(values)})" if values else ""))
    always = re.findall(r"(\w+) \(always\)", str(row.get("package", "")))
    if always:
        kept.append(
            i18n.gettext("in every package", lang)
            + ": "
            + ", ".join(i18n.gettext(name.replace("_", " "), lang) for name in always)
        )
    return "; ".join(kept) or i18n.gettext("no policy", lang)


def _as_edited_scenario(text: str, name: str) -> bool:
    """The point's scenario becomes Explore's edited scenario; False (and why, on this page) if
    it is refused."""
    from . import explore

    explore.editor_text.value = text
    explore.apply_text(text, name)
    if explore.error.value:
        problem.value = explore.error.value
        return False
    return True


def open_in_explore(text: str, name: str, router) -> None:
    if _as_edited_scenario(text, name):
        router.push("/")


def open_in_compare(text: str, name: str, router) -> None:
    """The point's scenario, as Explore's edited scenario, chosen on the Compare page."""
    from . import compare

    if _as_edited_scenario(text, name):
        compare.chosen.value = [compare.EDITED]
        router.push("/compare")


def plain_table(rows: list[tuple[str, ...]], header: tuple[str, ...], test_id: str) -> None:
    """A plain table; every cell escaped; scrolled sideways when wider than the page (a phone)."""
    head = "".join(
        f"<th style='text-align:left;padding:2px 10px'>{html.escape(h)}</th>" for h in header
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding:2px 10px'>{html.escape(c)}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        attributes={"data-testid": test_id},
        style="max-width: 100%; overflow-x: auto",
    )
