"""The Results page's charts keep their title and axis labels inside the image
(a sweep chart's title and axis label were cut), with the longest French words the page shows."""

from __future__ import annotations

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from viz.figures import indices_bars, sweep_scatter
from viz.outcomes import outcome_label

LONG_OUTCOME = outcome_label("sharing_households.share", "fr")
LONG_PARAMETER = "Découverte du partage par les médias et le bouche-à-oreille du quartier"


def texts_outside(figure) -> list[str]:
    """The texts of `figure` that reach outside the image, once drawn."""
    FigureCanvasAgg(figure)  # the renderer the page's PNG is drawn with
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    box = figure.bbox
    out = []
    texts = []
    for ax in figure.axes:
        low, high = sorted(ax.get_ylim())
        ticks = [t for t in ax.get_yticklabels() if low <= t.get_position()[1] <= high]
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ticks]
    for text in texts:
        if not text.get_text().strip():
            continue
        extent = text.get_window_extent(renderer)
        if (
            extent.x0 < box.x0 - 1
            or extent.x1 > box.x1 + 1
            or extent.y0 < box.y0 - 1
            or extent.y1 > box.y1 + 1
        ):
            out.append(text.get_text())
    return out


def test_the_sweep_chart_keeps_its_title_and_labels_inside():
    values = pd.DataFrame({"p": [0.0, 0.1, 0.2, 0.3, 0.4], "y": [0.01, 0.02, 0.03, 0.02, 0.05]})
    figure = sweep_scatter(values, "p", "y", LONG_PARAMETER, LONG_OUTCOME, "fr")
    assert texts_outside(figure) == []


def test_the_indices_chart_keeps_its_title_and_names_inside():
    table = pd.DataFrame({"outcome": ["y", "y"], "parameter": ["a", "b"], "spearman": [0.9, 0.3]})
    words = {"a": LONG_PARAMETER, "b": "Type de réseau social"}
    figure = indices_bars(table, "y", LONG_OUTCOME, words, "fr")
    assert texts_outside(figure) == []
