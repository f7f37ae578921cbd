"""An SVG shown in the page that reports where it was clicked, in the SVG's own coordinates.

The map uses it to select the household under the pointer. The click is
reported as a fraction of the drawing's width and height, so the server maps it
back to raster pixels whatever the size the browser gives the drawing.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify
import solara
import traitlets

TEMPLATE = """
<template>
  <div :data-testid="test_id" style="cursor: crosshair; display: block; width: 100%; max-width: 100%"
       @click="clicked($event)" v-html="svg"></div>
</template>
<script>
module.exports = {
  methods: {
    clicked(event) {
      const drawing = event.currentTarget.querySelector("svg");
      if (!drawing) return;
      const box = drawing.getBoundingClientRect();
      this.on_click({x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height});
    },
  },
};
</script>
"""


class ClickableSvgWidget(ipyvuetify.VuetifyTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    test_id = traitlets.Unicode("").tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def vue_on_click(self, data):
        if self.on_pick is not None:
            self.on_pick(float(data["x"]), float(data["y"]))


@solara.component
def ClickableSvg(svg: str, on_pick: Callable[[float, float], None], test_id: str = ""):
    """Show `svg`; `on_pick(fx, fy)` receives a click as fractions (0..1) of the drawing's size."""
    return ClickableSvgWidget.element(svg=svg, on_pick=on_pick, test_id=test_id)
