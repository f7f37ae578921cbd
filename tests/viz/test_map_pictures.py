"""Explore's maps are sent as indexed PNGs: the same pixels as the RGBA pictures, in fewer bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

from viz import catalogue
from viz.figures import DIFFERENCE_COLOURS
from viz.session import ExploreRun
from viz.svg import outline_path, png_bytes, raster_map


def decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA"))


@pytest.fixture(scope="module", params=[("tool_library", 2000), ("bordeaux_rive_droite", 1500)])
def run(request):
    name, households = request.param
    scenario = catalogue.load_named(name)
    explore = ExploreRun(
        scenario, reference=catalogue.baseline_for(scenario), households=households
    )
    for _ in range(8):
        explore.step()
    yield explore
    explore.close()


def pictures(run: ExploreRun, good: str):
    """(RGBA picture, indexed picture) pairs of the run's month for `good`: the run's map, the
    baseline's map and the map of differences."""
    drawing = run.polygons if run.polygons is not None else run.raster
    g = run.model.goods.names.index(good)
    mine, theirs = run.model.households, run.reference.households
    palette = np.array([to_rgba(c) for c in DIFFERENCE_COLOURS.values()])
    kind = np.arange(mine.size) % len(palette)  # every colour of the difference map, mixed
    return [
        (
            drawing.image(mine.mode[:, g], mine.need[:, g]),
            drawing.indexed(mine.mode[:, g], mine.need[:, g]),
        ),
        (
            drawing.image(theirs.mode[:, g], theirs.need[:, g]),
            drawing.indexed(theirs.mode[:, g], theirs.need[:, g]),
        ),
        (drawing.image_of(palette[kind]), drawing.indexed_of(kind, palette)),
    ]


def test_indexed_maps_have_the_same_pixels_in_fewer_bytes(run):
    for good in run.model.goods.names:
        for rgba, indexed in pictures(run, good):
            assert np.array_equal(indexed.rgba(), rgba)
            before, after = png_bytes(rgba), png_bytes(indexed)
            assert np.array_equal(decoded(after), decoded(before))
            assert len(after) < len(before)
            with Image.open(io.BytesIO(after)) as image:
                assert image.mode == "P"


def test_every_map_of_a_month_is_indexed(run):
    """The run's maps all carry indexed PNGs (the PNG's colour type, byte 25, is 3: palette)."""
    import base64
    import re

    good = run.model.goods.names[0]
    svgs = [run.map_svg(good, 0), *run.comparison_maps(good).values()]
    for svg in svgs:
        (data,) = re.findall(r"base64,([A-Za-z0-9+/=]+)", svg)
        assert base64.b64decode(data)[25] == 3


def test_outlines_written_once_are_the_outlines_of_each_month():
    scenario = catalogue.load_named("tool_library")
    run = ExploreRun(scenario, households=800)
    picture = run.raster.indexed(run.model.households.mode[:, 0], run.model.households.need[:, 0])
    assert raster_map(picture, run.raster.outlines) == raster_map(picture, run.raster.outline_path)
    assert run.raster.outline_path == outline_path(run.raster.outlines)
    run.close()
