"""One Explore run: the model a planner steps, the baseline stepped alongside, and what the page shows.

The reference (the baseline scenario with the same households and seed) is
stepped in lockstep, so the curves can show, month by month, what the chosen
scenario and levers change. Drawing is done here, from numpy arrays, so the
page only places strings and numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.households import Mode
from model.model import TerritoryModel
from model.scenario import Scenario

from .figures import MODE_COLOURS, MODE_LABELS, QUINTILE_COLOURS, MapRaster
from .svg import Line, line_chart, raster_map


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
        self.reference = (
            TerritoryModel(
                reference,
                households=self.model.scenario.households,
                seed=self.model.scenario.seed,
                months=self.model.months,
                agents=False,
            )
            if reference is not None
            else None
        )
        self.raster = MapRaster.from_layout(self.model.layout)
        self._agents = {agent.row: agent for agent in self.model.agents} if agents else {}

    # ------------------------------------------------------------------ stepping

    @property
    def month(self) -> int:
        return int(self.model.steps)

    @property
    def running(self) -> bool:
        return bool(self.model.running)

    def step(self) -> None:
        """Advance one month (the reference too)."""
        if not self.model.running:
            return
        self.model.step()
        if self.reference is not None and self.reference.running:
            self.reference.step()

    # ------------------------------------------------------------------ what the page shows

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.model.series)

    def headline(self) -> dict[str, Any]:
        """Sharing households, goods avoided, t CO2e, public spend so far."""
        now, start = self.model.latest, self.model.series[0]
        out = {
            "month": self.month,
            "sharing_households": int(now["sharing_households"]),
            "sharing_share": float(now["sharing_households.share"]),
            "goods_avoided": int(start["goods.stock_total"] - now["goods.stock_total"]),
            "emissions_t": float(now["emissions.cumulative_t"]),
            "public_spend_eur": float(now["public.cumulative_spend_eur"]),
        }
        if self.reference is not None:
            ref = self.reference.latest
            out["goods_avoided_vs_reference"] = int(
                ref["goods.stock_total"] - now["goods.stock_total"]
            )
            out["emissions_avoided_t"] = float(
                ref["emissions.cumulative_t"] - now["emissions.cumulative_t"]
            )
        return out

    def map_svg(self, good: str, selected: int | None = None, size: int = 460) -> str:
        g = self.model.goods.names.index(good)
        hh = self.model.households
        picture = self.raster.image(hh.mode[:, g], hh.need[:, g])
        marker = (
            self.raster.position(selected)
            if selected is not None and 0 <= selected < hh.size
            else None
        )
        return raster_map(picture, self.raster.outlines, size=size, marker=marker)

    def curves_svg(self, good: str) -> dict[str, str]:
        """The four panels: adoption per mode, stock and emissions, spending by quintile, trust."""
        frame = self.frame()
        ref = pd.DataFrame(self.reference.series) if self.reference is not None else None
        x = frame["month"].to_numpy()
        horizon = (0, self.model.months)

        def lines(columns: list[tuple[str, str, str]], scale: float = 1.0) -> list[Line]:
            out = [
                Line(label, colour, x, frame[column].to_numpy() * scale)
                for column, label, colour in columns
            ]
            if ref is not None:
                out += [
                    Line(
                        f"{label} (baseline)",
                        colour,
                        ref["month"].to_numpy(),
                        ref[column].to_numpy() * scale,
                        dashed=True,
                    )
                    for column, label, colour in columns
                ]
            return out

        adoption = lines([(f"{good}.{m}", m, MODE_COLOURS[m]) for m in MODE_LABELS], 100)
        stock = lines([("goods.stock_total", "goods owned", "#c0392b")])
        emissions = lines([("emissions.cumulative_t", "t CO2e of goods in use", "#2c3e50")])
        spending = lines(
            [(f"spending.q{q}_eur", f"Q{q}", QUINTILE_COLOURS[q - 1]) for q in range(1, 6)]
        )
        trust = lines([("trust.mean", "mean trust", "#8e44ad")])
        return {
            "adoption": line_chart(
                adoption,
                title=f"Adoption: {good} (% of households needing it)",
                x_range=horizon,
                y_range=(0, 100),
                test_id="curve-adoption",
            ),
            "stock": line_chart(
                stock, title="Goods owned (all goods)", x_range=horizon, test_id="curve-stock"
            ),
            "emissions": line_chart(
                emissions,
                title="Embodied emissions of goods in use so far (t CO2e)",
                x_range=horizon,
                test_id="curve-emissions",
            ),
            "spending": line_chart(
                spending,
                title="Spending on these goods by income quintile (EUR/month)",
                x_range=horizon,
                test_id="curve-spending",
            ),
            "trust": line_chart(
                trust,
                title="Mean trust in sharing",
                x_range=horizon,
                y_range=(0, 1),
                test_id="curve-trust",
            ),
        }

    def describe(self, row: int) -> dict[str, Any]:
        """A household's state (through its Mesa agent when agents exist)."""
        hh = self.model.households
        if not 0 <= row < hh.size:
            raise IndexError(
                f"household {row}: there are {hh.size} households (0 to {hh.size - 1})"
            )
        agent = self._agents.get(row)
        if agent is not None:
            return agent.describe()
        names = self.model.goods.names
        return {
            "zone": self.model.scenario.zone_names[int(hh.zone[row])],
            "quintile": int(hh.quintile[row]) + 1,
            "trust": round(float(hh.trust[row]), 3),
            "modes": {
                g: (Mode(int(hh.mode[row, i])).name.lower() if hh.need[row, i] else "none")
                for i, g in enumerate(names)
            },
        }

    def household_at(self, x: float, y: float) -> int | None:
        """The household nearest a point of the raster (pixel coordinates), if any is close."""
        width = self.raster.side * self.raster.slots
        px = np.mod(self.raster.pixel_of, width)
        py = self.raster.pixel_of // width
        distance = np.hypot(px - x, py - y)
        row = int(np.argmin(distance))
        return row if distance[row] <= 2 * self.raster.slots else None
