"""One Explore run: the model a planner steps, the baseline stepped alongside, and what the page shows.

The reference (the baseline with the same households and seed: see `catalogue.baseline_for`) is
stepped in lockstep, so the curves can show, month by month, what the chosen
scenario and levers change. Drawing is done here, from numpy arrays, so the
page only places strings and numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.territory_figures import declared_households, month_figures, territory_for
from model.households import Mode
from model.model import TerritoryModel
from model.scenario import Scenario

from . import memory
from .figures import (
    DIFFERENCE_COLOURS,
    MODE_COLOURS,
    MODE_LABELS,
    QUINTILE_COLOURS,
    MapRaster,
    PolygonMap,
)
from .i18n import gettext
from .svg import Line, line_chart, polygon_map, raster_map

MODE_NAMES = {"own": "own it", "rent": "rent it", "share": "share it", "forgo": "go without"}


def column_of(rows: list[dict[str, float]], name: str) -> np.ndarray:
    """One outcome over the months of a run's series (its rows, one per month)."""
    return np.fromiter((row[name] for row in rows), float, count=len(rows))


BASELINES_KEPT = 4  # baselines' months kept in memory (20 000 households, 120 months: ~15 MB each)


@dataclass(frozen=True)
class HouseholdsAt:
    """What the page reads of the baseline's households at one month."""

    mode: np.ndarray
    need: np.ndarray

    @property
    def size(self) -> int:
        return self.mode.shape[0]


class BaselineMonths:
    """A baseline's months, stepped once: a run with the same baseline (the same scenario file
    contents, seed, households and months) reads them instead of stepping it again. The months
    are what the model gave (its series' rows, each month's modes and needs), so every figure
    is the same to the bit."""

    def __init__(self, model: TerritoryModel):
        self.model = model
        self.scenario, self.goods, self.layout = model.scenario, model.goods, model.layout
        self.months = model.months
        self.series = model.series  # one row per month, appended as the months are stepped
        self.households: list[HouseholdsAt] = [self._households()]
        self.lock = threading.Lock()
        self._ahead: threading.Thread | None = None  # stepping a month ahead, if any

    def _households(self) -> HouseholdsAt:
        hh = self.model.households
        return HouseholdsAt(hh.mode.copy(), hh.need.copy())

    def reach(self, month: int) -> int:
        """Step the baseline until `month` (at most its horizon); the month reached."""
        with self.lock:
            while len(self.households) <= month and self.model.running:
                self.model.step()
                self.households.append(self._households())
            return min(month, len(self.households) - 1)

    def reach_in_background(self, month: int) -> None:
        """Step the baseline until `month` in a thread of its own, unless it is there or a
        thread is already stepping it: the months are the same as stepped by `reach` (one
        model, stepped under one lock), only ready sooner."""
        if len(self.households) > month or not self.model.running:
            return
        ahead = self._ahead
        if ahead is not None and ahead.is_alive():
            return
        self._ahead = threading.Thread(
            target=self.reach, args=(month,), name="partage-baseline-ahead", daemon=True
        )
        self._ahead.start()


_baselines: OrderedDict[tuple, BaselineMonths] = OrderedDict()
_baselines_lock = threading.Lock()


def baseline_months(
    scenario: Scenario, *, households: int, seed: int, months: int
) -> BaselineMonths:
    """The months of the baseline `scenario` with these households, seed and months: those kept
    from an earlier run when there is one (the last `BASELINES_KEPT` are kept), else a new run."""
    key = (scenario.model_dump_json(), households, seed, months)
    with _baselines_lock:
        kept = _baselines.get(key)
        if kept is not None:
            _baselines.move_to_end(key)
            return kept
    made = BaselineMonths(
        TerritoryModel(scenario, households=households, seed=seed, months=months, agents=False)
    )
    with _baselines_lock:
        kept = _baselines.setdefault(key, made)
        _baselines.move_to_end(key)
        while len(_baselines) > BASELINES_KEPT:
            _baselines.popitem(last=False)
    return kept


def forget_baselines() -> None:
    """Let go of every baseline kept."""
    with _baselines_lock:
        _baselines.clear()


class BaselineAlongside:
    """The baseline as a run beside the scenario reads it: its month moves with the run's, and
    its months come from `BaselineMonths` (stepped once for every run with the same baseline)."""

    def __init__(self, months: BaselineMonths):
        self._months = months
        self.scenario, self.goods, self.layout = months.scenario, months.goods, months.layout
        self.months = months.months
        self.steps = 0

    @property
    def running(self) -> bool:
        return self.steps < self.months

    def step(self) -> None:
        if self.running:
            self.steps = self._months.reach(self.steps + 1)

    def step_ahead(self) -> None:
        """Have the next month ready for the next step: stepped in the background while the
        page shows this one (a step then reads it, or waits for it to finish)."""
        if self.running:
            self._months.reach_in_background(self.steps + 1)

    @property
    def series(self) -> list[dict[str, float]]:
        return self._months.series[: self.steps + 1]

    @property
    def latest(self) -> dict[str, float]:
        return self._months.series[self.steps]

    @property
    def households(self) -> HouseholdsAt:
        return self._months.households[self.steps]


class ExploreRun:
    """A model with its optional reference run, and the drawings of its current month."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        reference: Scenario | None = None,
        households: int | None = None,
        seed: int | None = None,
        agents: bool = True,
    ):
        self.model = TerritoryModel(scenario, households=households, seed=seed, agents=agents)
        # The scenarios as declared: the figures shown are for their territory, not the sample.
        self.declared = scenario
        self.territory = territory_for(
            {"scenario": scenario} | ({"reference": reference} if reference is not None else {}),
            sample=self.model.households.size,
            months=self.model.months,
            households=declared_households(scenario),
        )
        self.reference = (
            BaselineAlongside(
                baseline_months(
                    reference,
                    households=self.model.scenario.households,
                    seed=self.model.scenario.seed,
                    months=self.model.months,
                )
            )
            if reference is not None
            else None
        )
        self.raster = MapRaster.from_layout(self.model.layout)
        # A territory from data is drawn as dots in its real zones' outlines.
        layout = self.model.layout
        self.polygons = (
            PolygonMap.from_layout(layout)
            if getattr(layout, "territory", None) is not None
            else None
        )
        self._agents = {agent.row: agent for agent in self.model.agents} if agents else {}
        self._renderer = memory.session_renderer()
        memory.track(self)

    # ------------------------------------------------------------------ stepping

    @property
    def month(self) -> int:
        """The model's month; once closed, the month it was closed at (a page still drawing it)."""
        model = self.model
        return int(model.steps) if model is not None else self._closed_month

    @property
    def running(self) -> bool:
        return self.model is not None and bool(self.model.running)

    def step(self) -> None:
        """Advance one month (the reference too); a closed run stays where it is."""
        model, reference = self.model, self.reference
        if model is None or not model.running:
            return
        model.step()
        if reference is not None and reference.running:
            reference.step()

    def step_reference_ahead(self) -> None:
        """Step the baseline's next month in the background, once this month is on the page:
        the next Step then only steps the scenario. Nothing shown changes (the baseline's months
        are the model's, whenever they are stepped)."""
        reference = self.reference
        if reference is not None and self.running:
            reference.step_ahead()

    def close(self) -> None:
        """Let go of the models (their arrays are most of a session's memory).

        Mesa 3.3 numbers agents per model in a class-level table keyed by the model
        (`Agent._ids`), which keeps every model that ever had agents alive: the run takes
        its model out of it. The baseline's months stay kept for the next run with the same
        baseline (`baseline_months`, a few at most)."""
        from mesa import Agent

        with memory.not_while_drawing(self._renderer):
            if self.model is not None:  # the baseline has no agents, and may be kept
                Agent._ids.pop(self.model, None)
            self._closed_month = self.month
            self.model = None
            self.reference = None
            self._agents = {}

    def run_to_horizon(self, cancelled=lambda: False, progress=lambda: None) -> None:
        """Every remaining month at once (the reference too), without drawing in between;
        `progress()` after each month (to show how far the run is, now and then)."""
        while self.running and not cancelled():  # a run closed meanwhile stops here
            self.step()
            progress()

    # ------------------------------------------------------------------ what the page shows

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.model.series)

    @property
    def territory_households(self) -> int:
        """The households of the scenario's territory, which the figures shown are for."""
        return self.territory.households

    def headline(self) -> dict[str, Any]:
        """This month's sharing households, spending, goods owned, t CO2e and public spend for the
        territory (`experiments.territory_figures`), each with the baseline's value when the
        baseline runs alongside, and the territory's households."""

        def figures(role: str, model_latest: dict) -> dict[str, float]:
            latest = month_figures(model_latest, role, self.territory)
            return {
                "sharing_households": float(latest["sharing_households"]),
                "sharing_share": float(latest["sharing_households.share"]),
                "spending_eur": float(latest["spending.mean_eur"]),
                "goods": float(latest["goods.stock_total"]),
                "emissions_t": float(latest["emissions.cumulative_t"]),
                "public_spend_eur": float(latest["public.cumulative_spend_eur"]),
            }

        return {
            "month": self.month,
            "households": self.territory_households,
            "scenario": figures("scenario", self.model.latest),
            "baseline": figures("reference", self.reference.latest)
            if self.reference is not None
            else None,
        }

    def map_svg(
        self, good: str, selected: int | None = None, size: int = 560, lang: str = "en"
    ) -> str:
        """The territory, each dot a household coloured by how it gets `good`; zones named."""
        g = self.model.goods.names.index(good)
        hh = self.model.households
        marker = (
            self.raster.position(selected)
            if selected is not None and 0 <= selected < hh.size
            else None
        )
        alt = gettext(
            "Map of the territory: each dot is a household, coloured by how it gets a {good}", lang
        )
        if self.polygons is not None:
            chosen = selected if selected is not None and 0 <= selected < hh.size else None
            return polygon_map(
                self.polygons.indexed(hh.mode[:, g], hh.need[:, g]),
                self.polygons.outlines,
                size=size,
                marker=tuple(self.polygons.pixel_xy[chosen]) if chosen is not None else None,
                alt=alt.format(good=gettext(good, lang)),
            )
        return raster_map(
            self.raster.indexed(hh.mode[:, g], hh.need[:, g]),
            self.raster.outline_path,
            size=size,
            marker=marker,
            labels=self.zone_labels(lang),
            alt=alt.format(good=gettext(good, lang)),
        )

    def zone_labels(self, lang: str) -> list[tuple[float, float, str]]:
        if self.polygons is not None:
            return []  # real zones are named on hover of their outline
        names = self.model.scenario.zone_names
        return [
            (x, y, gettext(names[zone], lang))
            for zone, (x, y) in self.raster.zone_label_positions().items()
            if zone < len(names)
        ]

    def comparison_maps(
        self, good: str, lang: str = "en", size: int = 400
    ) -> dict[str, str] | None:
        """The baseline's map and a map of where sharing differs, beside the scenario's;
        None without a baseline run or when the baseline has other households."""
        reference = self.reference
        if reference is None or reference.households.size != self.model.households.size:
            return None
        mine_zones = getattr(getattr(self.model.layout, "territory", None), "keys", None)
        their_zones = getattr(getattr(reference.layout, "territory", None), "keys", None)
        if mine_zones != their_zones:
            return None  # the baseline is another territory: no map of differences
        g = self.model.goods.names.index(good)
        if good not in reference.goods.names:
            return None
        gr = reference.goods.names.index(good)
        mine, theirs = self.model.households, reference.households
        share = int(Mode.SHARE)
        here = (mine.mode[:, g] == share) & mine.need[:, g]
        there = (theirs.mode[:, gr] == share) & theirs.need[:, gr]
        kind = np.select([here & ~there, there & ~here, here & there], [0, 1, 2], default=3)
        from matplotlib.colors import to_rgba

        palette = np.array([to_rgba(c) for c in DIFFERENCE_COLOURS.values()])
        labels = self.zone_labels(lang)
        good_name = gettext(good, lang)
        if self.polygons is not None:
            return {
                "baseline": polygon_map(
                    self.polygons.indexed(theirs.mode[:, gr], theirs.need[:, gr]),
                    self.polygons.outlines,
                    size=size,
                    test_id="baseline-map",
                    alt=gettext(
                        "Map of the baseline: each dot is a household, coloured by how it gets a {good}",
                        lang,
                    ).format(good=good_name),
                ),
                "difference": polygon_map(
                    self.polygons.indexed_of(kind, palette),
                    self.polygons.outlines,
                    size=size,
                    test_id="difference-map",
                    alt=gettext(
                        "Map of the difference: households sharing a {good} in the scenario only, in the baseline only, in both or in neither",
                        lang,
                    ).format(good=good_name),
                ),
            }
        return {
            "baseline": raster_map(
                self.raster.indexed(theirs.mode[:, gr], theirs.need[:, gr]),
                self.raster.outline_path,
                size=size,
                labels=labels,
                test_id="baseline-map",
                alt=gettext(
                    "Map of the baseline: each dot is a household, coloured by how it gets a {good}",
                    lang,
                ).format(good=good_name),
            ),
            "difference": raster_map(
                self.raster.indexed_of(kind, palette),
                self.raster.outline_path,
                size=size,
                labels=labels,
                test_id="difference-map",
                alt=gettext(
                    "Map of the difference: households sharing a {good} in the scenario only, in the baseline only, in both or in neither",
                    lang,
                ).format(good=good_name),
            ),
        }

    def curves_svg(self, good: str, lang: str = "en") -> dict[str, str]:
        """The panels: adoption per mode, goods owned, emissions, spending by quintile, trust;
        the baseline dashed."""
        # Columns read straight from the months' rows: a table of every outcome is not needed
        # for the few drawn, and building it each month was most of the curves' time.
        # The months as they are now: a run to the horizon may add one while the page draws.
        series = list(self.model.series)
        ref = list(self.reference.series) if self.reference is not None else None
        x = column_of(series, "month")
        horizon = (0, self.model.months)

        def tr(text: str) -> str:
            return gettext(text, lang)

        def lines(columns: list[tuple[str, str, str]], scale: float = 1.0) -> list[Line]:
            out = [
                Line(label, colour, x, column_of(series, column) * scale)
                for column, label, colour in columns
            ]
            if ref is not None:
                out += [
                    Line(
                        f"{label} ({tr('baseline')})",
                        colour,
                        column_of(ref, "month"),
                        column_of(ref, column) * scale,
                        dashed=True,
                    )
                    for column, label, colour in columns
                ]
            return out

        def chart(name: str, chart_lines: list[Line], title: str, **options) -> str:
            return line_chart(
                chart_lines,
                title=title,
                x_range=horizon,
                test_id=f"curve-{name}",
                lang=lang,
                baseline_label=tr("dashed: baseline"),
                **options,
            )

        adoption = lines(
            [(f"{good}.{m}", tr(MODE_NAMES[m]), MODE_COLOURS[m]) for m in MODE_LABELS], 100
        )
        # Goods and tonnes for the territory, as the headline counts them (`run_figures`).
        to_territory = self.territory_households / self.model.households.size
        quintiles = [
            (f"spending.q{q}_eur", tr("Q{q}").format(q=q), QUINTILE_COLOURS[q - 1])
            for q in range(1, 6)
        ]
        return {
            "adoption": chart(
                "adoption",
                adoption,
                tr("How households get a {good} (% of those who need one)").format(good=tr(good)),
                y_range=(0, 100),
            ),
            "stock": chart(
                "stock",
                lines([("goods.stock_total", tr("goods owned"), "#0072B2")], to_territory),
                tr("Goods owned, all goods"),
            ),
            "emissions": chart(
                "emissions",
                lines([("emissions.cumulative_t", tr("t CO2e"), "#000000")], to_territory),
                tr("Embodied emissions of the goods in use so far (t CO2e)"),
            ),
            "spending": chart(
                "spending",
                lines(quintiles),
                tr("Monthly spending on these goods by income fifth (€ per household)"),
            ),
            "trust": chart(
                "trust",
                lines([("trust.mean", tr("mean trust"), "#CC79A7")]),
                tr("Mean trust in sharing (0 to 1)"),
                y_range=(0, 1),
            ),
        }

    def zone_title(self, zone: int) -> str:
        """A zone's name as planners know it: the commune's name on a territory from data."""
        territory = getattr(self.model.layout, "territory", None)
        if territory is not None:
            return str(territory.names[zone])
        return self.model.scenario.zone_names[zone]

    def describe(self, row: int) -> dict[str, Any]:
        """A household's state, numbered like the page numbers it (from 0)."""
        hh = self.model.households
        if not 0 <= row < hh.size:
            raise IndexError(
                f"household {row}: there are {hh.size} households (0 to {hh.size - 1})"
            )
        names = self.model.goods.names
        return {
            "household": row,
            "zone": self.zone_title(int(hh.zone[row])),
            "income_eur": float(hh.income_eur[row]),
            "quintile": int(hh.quintile[row]) + 1,
            "trust": float(hh.trust[row]),
            "modes": {
                g: (Mode(int(hh.mode[row, i])).name.lower() if hh.need[row, i] else "none")
                for i, g in enumerate(names)
            },
            "lends": [g for i, g in enumerate(names) if hh.lending[row, i]],
            "ties": int(self.model.degree[row]),
        }

    def settings_frame(self, settings: dict[str, Any]) -> pd.DataFrame:
        """The monthly series with the run's settings as leading columns, for a CSV."""
        frame = self.frame()
        if self.reference is not None:
            ref = pd.DataFrame(self.reference.series)
            frame = frame.merge(
                ref.add_prefix("baseline."), left_on="month", right_on="baseline.month", how="left"
            ).drop(columns="baseline.month")
        for position, (name, value) in enumerate(settings.items()):
            frame.insert(
                position, name, value if not isinstance(value, (list, dict)) else str(value)
            )
        return frame

    def household_at(self, x: float, y: float) -> int | None:
        """The household nearest a point of the raster (pixel coordinates), if any is close."""
        width = self.raster.side * self.raster.slots
        px = np.mod(self.raster.pixel_of, width)
        py = self.raster.pixel_of // width
        distance = np.hypot(px - x, py - y)
        row = int(np.argmin(distance))
        return row if distance[row] <= 2 * self.raster.slots else None
