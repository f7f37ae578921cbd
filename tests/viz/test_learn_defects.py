"""Learn's defects, each checked where it was seen.

- On a projector (1 896 × 562) the figure was stretched sideways: the picture must keep its
  own proportions (browser).
- "Next" jumped to the step's month: it must play the months on the way (browser).
- The French axis label was clipped and overlapped the legend (the figure itself).
- Under deuteranopia "share it" and trust turned the same grey (the figure itself).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from viz import learn
from viz.figures import MapRaster, story_figure

IMAGE = "[data-testid=story-image]"


@pytest.fixture(scope="module")
def story_at_24():
    learn.story_run.value = None
    learn.go_to(1)
    model = learn.story_run.value
    g = model.goods.names.index(learn.STORY_GOOD)
    return model, g


def drawn(model, g, lang: str):
    figure = story_figure(
        MapRaster.from_layout(model.layout),
        model.households.mode[:, g],
        model.households.need[:, g],
        model.series_frame(),
        learn.STORY_GOOD,
        learn.STORY_MONTHS,
        "2. La confiance monte",
        lang,
    )
    FigureCanvasAgg(figure).draw()
    return figure


@pytest.mark.browser
def test_the_story_keeps_its_proportions_on_a_projector(open_tab, ui):
    tab = open_tab(1896, 562, "fr-FR")
    tab.goto(ui.url + "/learn?lang=fr")
    tab.wait_for_selector(IMAGE)
    tab.wait_for_function(f"() => document.querySelector('{IMAGE}').naturalWidth > 0")
    width, height, natural_w, natural_h = tab.evaluate(
        f"""() => {{ const i = document.querySelector('{IMAGE}'); const r = i.getBoundingClientRect();
        return [r.width, r.height, i.naturalWidth, i.naturalHeight]; }}"""
    )
    assert abs(width / height - natural_w / natural_h) < 0.02 * natural_w / natural_h, (
        f"shown {width:.0f}×{height:.0f} for a picture of {natural_w}×{natural_h}"
    )


@pytest.mark.browser
def test_next_plays_the_months_instead_of_jumping(page, ui):
    page.goto(ui.url + "/learn?lang=en")
    page.wait_for_selector(IMAGE)
    page.wait_for_function(f"() => document.querySelector('{IMAGE}').naturalWidth > 0")
    page.evaluate(
        """() => { window.seen = new Set(); const note = () => {
            const i = document.querySelector('[data-testid=story-image]');
            if (i) window.seen.add(i.src.length + ':' + i.src.slice(-200));
        }; note(); new MutationObserver(note).observe(document.body,
            {subtree: true, childList: true, attributes: true, attributeFilter: ['src']}); }"""
    )
    page.get_by_role("button", name="Next").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=story-sentence]').innerText"
        ".startsWith('Month 24:')"
    )
    pictures = page.evaluate("() => window.seen.size")
    assert pictures >= 4, f"{pictures} pictures between month 0 and month 24: it jumped"


def test_the_french_axis_label_is_whole_and_clear_of_the_legends(story_at_24):
    figure = drawn(*story_at_24, "fr")
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    curves = figure.axes[1]
    label = curves.yaxis.label.get_window_extent(renderer)
    assert curves.yaxis.label.get_text().replace("\n", " ").startswith("% des ménages")
    for name, box in (
        ("axis label", label),
        ("x label", curves.xaxis.label.get_window_extent(renderer)),
        *(
            (f"legend {i}", ax.get_legend().get_window_extent(renderer))
            for i, ax in enumerate(figure.axes)
        ),
    ):
        inside = box.x0 >= page.x0 - 1 and box.y0 >= page.y0 - 1
        inside = inside and box.x1 <= page.x1 + 1 and box.y1 <= page.y1 + 1
        assert inside, f"the {name} is cut by the picture's edge: {box} in {page}"
    for ax in figure.axes:
        assert not label.overlaps(ax.get_legend().get_window_extent(renderer)), "label on a legend"


def test_share_and_trust_stay_apart_under_deuteranopia_and_protanopia(story_at_24):
    from colorspacious import cspace_convert, deltaE
    from matplotlib.colors import to_rgb

    figure = drawn(*story_at_24, "en")
    lines = [
        line
        for line in figure.axes[1].get_lines()
        if line.get_label() and len(line.get_xdata()) > 1
    ]
    assert {line.get_label() for line in lines} >= {"share it", "trust (0 to 100)"}
    looks = {(line.get_linestyle(), str(line.get_marker())) for line in lines}
    assert len(looks) == len(lines), "two curves drawn with the same line style and marker"
    for kind in ("deuteranomaly", "protanomaly"):
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        seen = {
            line.get_label(): np.clip(
                cspace_convert(to_rgb(line.get_color()), space, "sRGB1"), 0, 1
            )
            for line in lines
        }
        for (a, ca), (b, cb) in itertools.combinations(seen.items(), 2):
            distance = float(deltaE(ca, cb, input_space="sRGB1"))
            assert distance >= 19, f"{kind}: {a} and {b} look alike (ΔE {distance:.1f})"
