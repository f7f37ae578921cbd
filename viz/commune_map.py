"""A map of the communes a planner can move: zoom with the wheel or the buttons, pan by dragging,
click a commune to pick it.

Drawn with Plotly's widget (`plotly.graph_objects.FigureWidget`, served by the app itself):
each commune is a filled outline in the territory's own metres (equal-area projection,
equal scales on both axes), so nothing is fetched from another host (no tiles, no base map).
A click anywhere inside a commune's outline reports that commune's key.

Rules:
- Fill colours are given by the caller (a palette of `viz.communes`); communes whose
  difference is not settled carry a hatch pattern; picked communes are outlined in black.
- Hover shows the commune's name and the caller's words for its figure, never a code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import solara

# Plotly's own controls: wheel zoom on, no logo, no link to a hosted editor, no export or
# selection buttons; the buttons kept are named in the page's language.
CONFIG = {
    "scrollZoom": True,
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["toImage", "sendDataToCloud", "select2d", "lasso2d"],
}
BUTTONS = ("Zoom", "Pan", "Zoom in", "Zoom out", "Autoscale", "Reset axes")


def plotly_config(lang: str) -> dict:
    from .i18n import gettext

    words = {text: gettext(text, lang) for text in BUTTONS}
    return {**CONFIG, "locale": lang, "locales": {lang: {"dictionary": words}}}


HATCH = "#555555"
MAP_WIDTH = 350
OUTLINE, PICKED_OUTLINE = ("#8a8a8a", 0.8), ("#000000", 3.0)


@dataclass(frozen=True)
class CommuneOutlines:
    """The communes' outlines in metres (x, y with None between rings), in zone order."""

    keys: tuple[str, ...]
    names: tuple[str, ...]
    xs: tuple[tuple[float | None, ...], ...]
    ys: tuple[tuple[float | None, ...], ...]

    @classmethod
    def of(cls, territory) -> CommuneOutlines:
        xs, ys = [], []
        for shape in territory.projected.reset_index(drop=True):
            x_ring: list[float | None] = []
            y_ring: list[float | None] = []
            for part in getattr(shape, "geoms", [shape]):
                x, y = part.exterior.xy
                x_ring += [round(float(v), 1) for v in x] + [None]
                y_ring += [round(float(v), 1) for v in y] + [None]
            xs.append(tuple(x_ring))
            ys.append(tuple(y_ring))
        return cls(
            tuple(territory.keys), tuple(str(n) for n in territory.names), tuple(xs), tuple(ys)
        )


def map_figure(
    outlines: CommuneOutlines,
    fills: Sequence[str],
    hover: Sequence[str],
    *,
    picked: frozenset[str] = frozenset(),
    hatched: Sequence[bool] | None = None,
    scale: tuple[list[tuple[float, str]], float, float, list[float], list[str]] | None = None,
    height: int = 360,
    width: int = MAP_WIDTH,
):
    """The figure (`width` pixels wide: it fits a column of two at 1 440 px and a phone): one filled trace per commune (trace i is commune i), then the colour scale
    (`scale`: plotly colour scale, low, high, tick values, tick words) as a last, empty trace."""
    import plotly.graph_objects as go

    traces = []
    for index, key in enumerate(outlines.keys):
        line = PICKED_OUTLINE if key in picked else OUTLINE
        pattern = (
            {"shape": "/", "fgcolor": HATCH, "bgcolor": fills[index], "size": 7, "solidity": 0.15}
            if hatched is not None and hatched[index]
            else None
        )
        traces.append(
            go.Scatter(
                x=outlines.xs[index],
                y=outlines.ys[index],
                mode="lines",
                fill="toself",
                fillcolor=fills[index],
                fillpattern=pattern,
                line={"color": line[0], "width": line[1]},
                hoveron="fills",
                hoverinfo="text",
                text=hover[index],
                name=outlines.names[index],
                showlegend=False,
            )
        )
    if scale is not None:
        colours, low, high, ticks, words = scale
        traces.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                hoverinfo="skip",
                showlegend=False,
                marker={
                    "colorscale": colours,
                    "cmin": low,
                    "cmax": high,
                    "color": [low],
                    "showscale": True,
                    "colorbar": {
                        "tickvals": ticks,
                        "ticktext": words,
                        "orientation": "h",
                        "y": 0,
                        "yanchor": "top",
                        "thickness": 10,
                        "len": 0.7,
                        "outlinewidth": 0,
                    },
                },
            )
        )
    figure = go.Figure(traces)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    figure.update_layout(
        height=height,
        width=width,
        margin={"l": 4, "r": 4, "t": 4, "b": 48 if scale is not None else 4},
        dragmode="pan",
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hovermode="closest",
        uirevision="communes",  # zoom and pan survive a redraw of the colours
    )
    return figure


def plotly_scale(cmap_name: str, norm, low: float, high: float) -> list[tuple[float, str]]:
    """A matplotlib palette as Plotly's colour scale over [low, high]."""
    import matplotlib
    from matplotlib.colors import to_hex

    colours = matplotlib.colormaps[cmap_name]
    steps = np.linspace(low, high, 11)
    span = high - low if high > low else 1.0
    return [(float((v - low) / span), to_hex(colours(norm(v)))) for v in steps]


@solara.component
def CommuneMap(
    figure,
    keys: Sequence[str],
    on_pick: Callable[[str], None] | None = None,
    test_id: str = "commune-map",
    label: str = "",
):
    """Show `figure` (from `map_figure`); a click inside commune i calls `on_pick(keys[i])`."""
    with solara.Div(
        attributes={"data-testid": test_id, "role": "figure", "aria-label": label},
        style={"width": "100%"},
    ) as main:
        PlotlyWidget(figure, keys, on_pick)
    return main


@solara.component
def PlotlyWidget(figure, keys: Sequence[str], on_pick: Callable[[str], None] | None):
    from plotly.graph_objs import FigureWidget

    from .language import current as current_language

    lang = current_language()

    def points(data) -> None:
        if not data or data.get("event_type") != "plotly_click" or on_pick is None:
            return
        for trace in data.get("points", {}).get("trace_indexes", []):
            if 0 <= int(trace) < len(keys):
                on_pick(keys[int(trace)])
                return

    element = FigureWidget.element(on__js2py_pointsCallback=points)

    def draw() -> None:
        widget = solara.get_widget(element)
        widget._config = plotly_config(lang)
        with widget.batch_update():
            widget.layout = figure.layout
            before = len(widget.data)
            widget.add_traces(figure.data)
            widget.data = list(widget.data)[before:]

    solara.use_effect(draw, [figure, lang])
    return element
