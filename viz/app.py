"""The Partage web app: Explore (the home page), Compare, Results, Learn and Policy design.

Run it with `partage app` (or `solara run viz/app.py`). Every page shares one layout: the
pages as tabs and the language switch in the app bar, the page's controls in a side panel
that a phone can close.
"""

from __future__ import annotations

import urllib.parse

import solara
import solara.lab
import solara.server.settings

from viz import compare, explore, learn, memory, optimise, results
from viz.i18n import LANGUAGES
from viz.language import Document, LanguageSwitch, language, tr, viewport_width

# No "runs on Solara" banner over the page's corner (it hides content on a phone).
solara.server.settings.theme.show_banner = False


def forget_page_state() -> None:
    """What the pages keep for a session, cleared when its tab closes (and no new run built for
    it: its pages may still draw once as it closes)."""
    explore.closed.value = True
    explore.playing.value = ""
    explore.current.value = None
    compare.last_result.value = None
    compare.forget_folders()


# A closed tab's session is freed at once (see viz/memory.py), a dropped connection after a minute.
memory.free_closed_sessions(forget_page_state, cull_timeout="60s")

# On a phone the side panel opens over the page and leaves a strip of it to tap to close.
LAYOUT_STYLE = """
@media (max-width: 959px) {
  .v-navigation-drawer { min-width: 0 !important; max-width: 85vw !important; width: 85vw !important; }
  .partage-table { font-size: 0.8em !important; }
  .partage-table th, .partage-table td { padding: 2px 4px !important; }
}
"""
PHONE_MAX_WIDTH = 960  # below this width the side panel opens over the page, closed at first
PAGES = (
    ("/", "Explore"),
    ("compare", "Compare"),
    ("results", "Results"),
    ("learn", "Learn"),
    ("optimise", "Policy design"),
)


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    route, routes = solara.use_route()
    location = solara.use_context(solara.routing._location_context)
    paths = [solara.resolve_path(r, level=0) for r in routes]
    index = routes.index(route) if route in routes else 0
    router = solara.use_router()

    def follow_language_in_address():
        asked = dict(urllib.parse.parse_qsl(router.search or "")).get("lang")
        if asked in LANGUAGES:
            language.value = asked

    solara.use_effect(follow_language_in_address, [router.search])
    Document(f"Partage — {tr(PAGES[index][1])}")
    solara.Style(LAYOUT_STYLE)
    width = viewport_width.value
    with (
        solara.AppLayout(
            children=children,
            title="Partage",
            color="#1d3f5e",
            sidebar_open=width == 0 or width >= PHONE_MAX_WIDTH,
        ),
        solara.AppBar(),
    ):
        with solara.lab.Tabs(
            value=index, on_value=lambda i: setattr(location, "pathname", paths[i])
        ):
            for _, label in PAGES:
                solara.lab.Tab(tr(label))
        LanguageSwitch()


# The root route's layout is the layout of every page.
routes = [
    solara.Route(
        path=path, component=page.Page, label=label, layout=Layout if path == "/" else None
    )
    for (path, label), page in zip(PAGES, (explore, compare, results, learn, optimise), strict=True)
]
