"""Learn: a guided story for a class, in four steps, on fast settings.

How a territory tips from ownership to sharing. The story is one run of the
baseline territory made a tight-knit commune, where neighbours' example weighs
strongly (`behaviour.social_weight` 5 instead of the baseline's 1.5), with
policies that start one after the other (written as overrides of the
baseline, validated by the schema like any scenario). With a weight above
about 4 the social feedback can make sharing take off on its own (Brock &
Durlauf 2001): sharing stays low while few share and are aware, and once
enough do it takes off and becomes the norm. Fast settings: 1 500 households, and
households reconsider their choices more often than real ones do, so eight
years fit in a second. Each step runs the model to its month and says, in one
sentence computed from the run, what is happening and why; the last one
compares with the same policies where neighbours weigh as little as in the
baseline territory.
"""

from __future__ import annotations

import functools
import io
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import solara

from model.model import TerritoryModel

from . import catalogue
from .catalogue import BASELINE
from .controls import PngImage, escaped
from .figures import MapRaster, story_figure
from .i18n import gettext
from .language import current as current_language
from .language import number, tr

STORY_GOOD = "drill"
STORY_HOUSEHOLDS = 1500
STORY_SEED = 7
STORY_MONTHS = 96
FAST_SETTINGS = {"behaviour.life_event_rate": 0.05, "behaviour.reconsider_months": 3.0}
SOCIAL_WEIGHT = 5.0  # a tight-knit commune; the baseline territory's weight is 1.5
COMMUNE = {"behaviour.social_weight": SOCIAL_WEIGHT}
LIBRARY_MONTH = 25
STORY_POLICIES = {
    "policies.campaign.kind": "awareness_campaign",
    "policies.campaign.extra_awareness_p": 0.02,
    "policies.campaign.start_month": 1,
    "policies.third_places.kind": "third_places",
    "policies.third_places.ties_per_1000_households_month": 30.0,
    "policies.third_places.trust_boost_per_month": 0.03,
    "policies.third_places.start_month": 1,
    "policies.label.kind": "trust_label",
    "policies.label.bad_experience_reduction": 0.5,
    "policies.label.start_month": 1,
    "policies.library.kind": "community_pool",
    "policies.library.units_per_1000_households": 60.0,
    "policies.library.goods": ["drill", "lawnmower"],
    "policies.library.start_month": LIBRARY_MONTH,
}


@dataclass(frozen=True)
class Chapter:
    title: str
    month: int
    sentence: str  # formatted with the run's figures at that month


CHAPTERS = (
    Chapter(
        "1. Everyone owns",
        0,
        "Month 0: in this tight-knit commune {own:.0f} % of the households that need a drill own "
        "one and only {aware:.0f} % know they could borrow one; nobody shares yet, so no neighbour "
        "sets the example.",
    ),
    Chapter(
        "2. Trust rises",
        24,
        "Month 24: a campaign, third places and a trust label have made {aware:.0f} % aware of "
        "sharing and raised trust to {trust}, yet only {share:.0f} % borrow their drill: while "
        "few neighbours share, their example carries little weight, and {own:.0f} % still own.",
    ),
    Chapter(
        "3. A tool library opens",
        36,
        "Month 36: the municipal tool library, open since month 25, lends drills safely and for free "
        "to anyone nearby; {share:.0f} % now share, and every new sharer makes sharing more "
        "attractive to their neighbours.",
    ),
    Chapter(
        "4. The territory tips",
        STORY_MONTHS,
        "Month {month}: past a critical mass (sharing grew fastest from month {tip_month}, when "
        "{tip_share:.0f} % shared), sharing has become the norm: {share:.0f} % share and only "
        "{own:.0f} % still own. Where neighbours weigh as little as in the baseline territory, "
        "the same policies leave {weak_share:.0f} % sharing.",
    ),
)

chapter = solara.reactive(0)
story_run = solara.reactive(None)
playing = solara.reactive(False)
shown_month = solara.reactive(0)  # the month on screen while a step plays
PLAY_FRAMES = 16
FRAME_S = 0.25
STEPPING = threading.Lock()
DRAWN: dict[int, int] = {}  # the month last drawn of each story run on screen


def story_model(seed: int = STORY_SEED, commune: bool = True) -> TerritoryModel:
    """The story's run; `commune=False` keeps the baseline territory's social weight."""
    overrides = {**FAST_SETTINGS, **STORY_POLICIES, **(COMMUNE if commune else {})}
    scenario = catalogue.load_named(BASELINE).with_overrides(overrides, "story")
    return TerritoryModel(
        scenario, households=STORY_HOUSEHOLDS, months=STORY_MONTHS, seed=seed, agents=False
    )


@functools.cache
def weak_ties_share() -> float:
    """Drill sharing at the horizon, same policies and seed, baseline social weight (in %)."""
    model = story_model(commune=False)
    model.run()
    return 100 * model.latest[f"{STORY_GOOD}.share"]


def fastest_growth(shares: np.ndarray, window: int = 12) -> int:
    """First month of the window of `window` months over which sharing grew most."""
    window = max(1, min(window, len(shares) - 1))
    if len(shares) < 2:
        return 0
    return int(np.argmax(shares[window:] - shares[:-window]))


def advance_to(model: TerritoryModel, month: int) -> None:
    while model.running and model.steps < month:
        model.step()


def figures_at(model: TerritoryModel) -> dict[str, float]:
    latest, start = model.latest, model.series[0]
    shares = np.array([row[f"{STORY_GOOD}.share"] for row in model.series])
    tip = fastest_growth(shares)
    return {
        "month": int(model.steps),
        "own": 100 * latest[f"{STORY_GOOD}.own"],
        "share": 100 * latest[f"{STORY_GOOD}.share"],
        "aware": 100 * latest[f"{STORY_GOOD}.aware"],
        "trust": latest["trust.mean"],
        "avoided": start["goods.stock_total"] - latest["goods.stock_total"],
        "tip_month": tip,
        "tip_share": 100 * shares[tip],
        "weak_share": weak_ties_share(),
    }


def story_png(model: TerritoryModel, title: str, lang: str = "en") -> bytes:
    buffer = io.BytesIO()
    story_picture(model, title, lang).savefig(buffer, format="png")
    return buffer.getvalue()


def story_picture(model: TerritoryModel, title: str, lang: str = "en"):
    """The story's figure at the model's month: the map and the curves so far."""
    g = model.goods.names.index(STORY_GOOD)
    raster = MapRaster.from_layout(model.layout)
    figure = story_figure(
        raster,
        model.households.mode[:, g],
        model.households.need[:, g],
        model.series_frame(),
        STORY_GOOD,
        STORY_MONTHS,
        title,
        lang,
    )
    curves = figure.axes[1]
    if model.steps >= LIBRARY_MONTH:
        curves.axvline(LIBRARY_MONTH, color="#2c3e50", linewidth=2, linestyle=":")
        curves.annotate(
            gettext("tool library opens", lang),
            (LIBRARY_MONTH, 97),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=14,
            va="top",
            color="#2c3e50",
        )
    return figure


def play_to(index: int) -> None:
    """Go to a step by playing the months up to it (the page's thread steps the model and draws
    every few months); going back rebuilds the run and shows the step at once."""
    index = max(0, min(index, len(CHAPTERS) - 1))
    model = story_run.value
    if model is None or model.steps > CHAPTERS[index].month:
        go_to(index)
        return
    chapter.value = index
    playing.value = True


def play_steps(cancel=None) -> None:
    """Step the story's model to its chapter's month, a frame at a time (at most `PLAY_FRAMES`
    pictures, `FRAME_S` apart), each frame shown as it comes."""
    if not playing.value:
        return
    model, target = story_run.value, CHAPTERS[chapter.value].month
    stride = max(1, math.ceil((target - model.steps) / PLAY_FRAMES))
    while model.running and model.steps < target:
        with STEPPING:  # a step played before a second "Next" finishes before this one starts
            if cancel is not None and cancel.is_set():
                return
            for _ in range(min(stride, target - model.steps)):
                model.step()
        shown_month.value = model.steps
        waited = 0.0  # the page draws this month before the next is played (none is skipped)
        while DRAWN.get(id(model)) != model.steps and waited < 2.0:
            time.sleep(0.02)
            waited += 0.02
        time.sleep(FRAME_S)
    playing.value = False


def go_to(index: int) -> None:
    index = max(0, min(index, len(CHAPTERS) - 1))
    model = story_run.value
    if model is None or model.steps > CHAPTERS[index].month:
        model = story_model()
    advance_to(model, CHAPTERS[index].month)
    story_run.value = model
    chapter.value = index
    playing.value = False
    shown_month.value = model.steps


@solara.component
def Page():
    solara.Title(tr("Learn"))
    if story_run.value is None:
        go_to(0)
    model = story_run.value
    current = CHAPTERS[chapter.value]
    lang = current_language()
    title = tr(current.title)
    solara.use_thread(
        play_steps, dependencies=[chapter.value, playing.value], intrusive_cancel=False
    )
    image = solara.use_memo(
        lambda: story_png(model, title, lang),
        dependencies=[model, chapter.value, lang, shown_month.value],
    )
    DRAWN[id(model)] = model.steps
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(
            tr("Previous"),
            on_click=lambda: go_to(chapter.value - 1),
            disabled=chapter.value == 0,
            style="font-size: 1.1em",
            outlined=True,
        )
        solara.Button(
            tr("Next"),
            on_click=lambda: play_to(chapter.value + 1),
            color="primary",
            disabled=chapter.value == len(CHAPTERS) - 1,
            style="font-size: 1.1em",
        )
        solara.Button(
            tr("Start again"), on_click=lambda: (story_run.set(None), go_to(0)), text=True
        )
        solara.Text(
            tr("Step {n} of {total}").format(n=chapter.value + 1, total=len(CHAPTERS)),
            style="font-size: 1.1em",
        )
    figures = figures_at(model)
    figures["trust"] = number(figures["trust"], 2)
    arrived = not playing.value and model.steps >= current.month
    sentence = (
        tr(current.sentence).format(**figures)
        if arrived
        else tr("Month {month}…").format(month=model.steps)
    )
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escaped(sentence),
        classes=["partage-story"],
        attributes={"data-testid": "story-sentence"},
    )
    PngImage(
        image,
        tr(
            "{title}: map of the commune and curves of how households get a drill, month by month"
        ).format(title=title),
        test_id="story-image",
    )
    solara.Text(
        tr(
            "Setting: the baseline territory as a tight-knit commune, where neighbours' example "
            "weighs strongly (social weight {weight}, against {base} in the baseline territory). Fast "
            "settings: 1 500 households who reconsider their choices more often than real ones, so "
            "that eight years fit in a lesson. Open Explore to move the levers yourself."
        ).format(
            weight=number(SOCIAL_WEIGHT, 0),
            base=number(catalogue.load_named(BASELINE).behaviour.social_weight, 1),
        ),
        style="font-size: 1em; display: block; margin-top: 6px",
    )
    solara.Style(
        ".partage-story { font-size: 1.35em; line-height: 1.35; max-width: 1100px; display: block;"
        " margin: 6px 0; } [data-testid=story-image] { max-height: 60vh; max-width: 100%;"
        " width: auto !important; height: auto !important; object-fit: contain;"
        " align-self: flex-start; }"
    )
