"""Learn: a guided story for a class, in four steps, on fast settings.

The story is one run of the baseline territory with policies that start one
after the other (written as overrides of the baseline, validated by the
schema like any scenario). Fast settings: 1 500 households, and households
reconsider their choices more often than real ones do, so ten years fit in a
few seconds. Each step runs the model to its month and says, in one sentence
computed from the run, what is happening and why.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import solara

from model.model import TerritoryModel

from . import catalogue
from .catalogue import BASELINE
from .figures import MapRaster, story_figure

STORY_GOOD = "drill"
STORY_HOUSEHOLDS = 1500
STORY_SEED = 7
STORY_MONTHS = 96
FAST_SETTINGS = {"behaviour.life_event_rate": 0.05, "behaviour.reconsider_months": 3.0}
STORY_POLICIES = {
    "policies.campaign.kind": "awareness_campaign",
    "policies.campaign.extra_awareness_p": 0.05,
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
    "policies.library.start_month": 25,
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
        "Month 0: {own:.0f} % of the households that need a drill own one, and only {aware:.0f} % know "
        "they could borrow one: a drill is cheap, and nobody has shown them how to share.",
    ),
    Chapter(
        "2. Trust rises",
        24,
        "Month 24: a campaign, third places and a trust label have made {aware:.0f} % aware of sharing "
        "and raised trust to {trust:.2f}; {share:.0f} % already borrow their drill from a neighbour.",
    ),
    Chapter(
        "3. A tool library opens",
        48,
        "Month 48: the municipal tool library, open since month 25, lends drills to anyone nearby; "
        "{share:.0f} % now share, because borrowing is always possible and costs nothing.",
    ),
    Chapter(
        "4. Sharing takes root",
        STORY_MONTHS,
        "Month {month}: sharing spreads by word of mouth: {share:.0f} % share and {own:.0f} % still own; "
        "{avoided:.0f} fewer goods are owned than at the start, each a purchase and its emissions avoided.",
    ),
)

chapter = solara.reactive(0)
story_run = solara.reactive(None)


def story_model() -> TerritoryModel:
    scenario = catalogue.load_named(BASELINE).with_overrides(
        {**FAST_SETTINGS, **STORY_POLICIES}, "story"
    )
    return TerritoryModel(
        scenario, households=STORY_HOUSEHOLDS, months=STORY_MONTHS, seed=STORY_SEED, agents=False
    )


def advance_to(model: TerritoryModel, month: int) -> None:
    while model.running and model.steps < month:
        model.step()


def figures_at(model: TerritoryModel) -> dict[str, float]:
    latest, start = model.latest, model.series[0]
    return {
        "month": int(model.steps),
        "own": 100 * latest[f"{STORY_GOOD}.own"],
        "share": 100 * latest[f"{STORY_GOOD}.share"],
        "aware": 100 * latest[f"{STORY_GOOD}.aware"],
        "trust": latest["trust.mean"],
        "avoided": start["goods.stock_total"] - latest["goods.stock_total"],
    }


def story_png(model: TerritoryModel, title: str) -> bytes:
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
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def go_to(index: int) -> None:
    index = max(0, min(index, len(CHAPTERS) - 1))
    model = story_run.value
    if model is None or model.steps > CHAPTERS[index].month:
        model = story_model()
    advance_to(model, CHAPTERS[index].month)
    story_run.value = model
    chapter.value = index


@solara.component
def Page():
    solara.Title("Partage — Learn")
    if story_run.value is None:
        go_to(0)
    model = story_run.value
    current = CHAPTERS[chapter.value]
    image = solara.use_memo(
        lambda: story_png(model, current.title), dependencies=[model, chapter.value]
    )
    with solara.Row(style="align-items: center"):
        solara.Button(
            "Previous",
            on_click=lambda: go_to(chapter.value - 1),
            disabled=chapter.value == 0,
            style="font-size: 1.2em",
        )
        solara.Button(
            "Next",
            on_click=lambda: go_to(chapter.value + 1),
            color="primary",
            disabled=chapter.value == len(CHAPTERS) - 1,
            style="font-size: 1.2em",
        )
        solara.Button("Start again", on_click=lambda: (story_run.set(None), go_to(0)))
        solara.Text(f"Step {chapter.value + 1} of {len(CHAPTERS)}", style="font-size: 1.2em")
    solara.HTML(
        tag="p",
        unsafe_innerHTML=current.sentence.format(**figures_at(model)),
        attributes={"data-testid": "story-sentence"},
        style="font-size: 1.6em; line-height: 1.4; max-width: 1100px",
    )
    solara.Image(image, width="100%")
    solara.Markdown(
        "Fast settings: 1 500 households who reconsider their choices more often than real ones, "
        "so that ten years fit in a lesson. Open **Explore** to move the levers yourself.",
        style="font-size: 1.1em",
    )
