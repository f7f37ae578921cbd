"""The Partage web app: Explore (the home page), Compare, Results and Learn, one page each.

Run it with `partage app` (or `solara run viz/app.py`).
"""

from __future__ import annotations

import solara

from viz import compare, explore, learn, optimise, results

routes = [
    solara.Route(path="/", component=explore.Page, label="Explore"),
    solara.Route(path="compare", component=compare.Page, label="Compare"),
    solara.Route(path="results", component=results.Page, label="Results"),
    solara.Route(path="learn", component=learn.Page, label="Learn"),
    solara.Route(path="optimise", component=optimise.Page, label="Policy design"),
]
