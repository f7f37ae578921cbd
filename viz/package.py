"""A package of policies built commune by commune: which policy, for which goods, where, for whom, when.

Rules:
- The policies offered are every named policy of the scenario library (`scenarios/*.toml`),
  each once, at the settings of the file with the fewest policies that holds it (so the tool
  library is the tool library of `tool_library.toml`, the right bank's fleet that of
  `bordeaux_rive_droite.toml`).
- A policy added to the package gets a name of its own (`tool_library`, then
  `tool_library_2`, ...), so adding one twice gives two entries, each editable on its own.
- Targets are the schema's own fields (`goods`, `zones`, `quintiles`, `start_month`,
  `end_month`): the package is a set of overrides of the scenario, so the TOML the page
  downloads is the one `partage run` reads. Communes are chosen by name (or by named group);
  the scenario file keeps the names, which the schema resolves like keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import solara

from model.scenario import POLICY_BY_KIND, Scenario, read_raw, text_in

from . import catalogue
from .controls import ChoiceSelect, IntField
from .language import current as current_language
from .language import tr

TARGETS = ("goods", "zones", "quintiles", "start_month", "end_month")


@dataclass(frozen=True)
class LibraryPolicy:
    """A named policy of the library: its name, the file it comes from and its settings."""

    name: str
    source: str
    settings: tuple[tuple[str, Any], ...]

    @property
    def kind(self) -> str:
        return dict(self.settings)["kind"]

    def title(self) -> str:
        return tr(self.name.replace("_", " "))


@cache
def library_policies() -> tuple[LibraryPolicy, ...]:
    """Every named policy of the library, once (from the file with the fewest policies)."""
    raws = [(name, read_raw(catalogue.scenario_path(name))) for name in catalogue.scenario_names()]
    raws.sort(key=lambda item: len(item[1].get("policies") or {}))
    found: dict[str, LibraryPolicy] = {}
    for source, raw in raws:
        for name, policy in (raw.get("policies") or {}).items():
            if isinstance(policy, dict) and policy.get("kind") in POLICY_BY_KIND:
                found.setdefault(
                    name,
                    LibraryPolicy(
                        name,
                        source,
                        tuple(
                            (k, v) for k, v in policy.items() if k not in ("zones", "description")
                        ),
                    ),
                )
    return tuple(sorted(found.values(), key=lambda p: p.name))


def library_policy(name: str) -> LibraryPolicy:
    for policy in library_policies():
        if policy.name == name:
            return policy
    raise KeyError(name)


def zone_titles(scenario: Scenario) -> dict[str, str]:
    """Each zone's key and the name a planner knows it by (the commune's name on real data)."""
    territory = scenario.territory
    if hasattr(territory, "resolved"):
        real = territory.resolved()
        return dict(zip(real.keys, real.names, strict=True))
    return {name: name for name in scenario.zone_names}


def zone_groups(scenario: Scenario) -> list[str]:
    return list(getattr(scenario.territory, "groups", None) or {})


def zone_options(scenario: Scenario) -> list[tuple[str, str]]:
    """Named groups first, then every zone by name, as (value kept in the file, words shown)."""
    groups = [
        (g, tr("group: {name}").format(name=tr(g.replace("_", " ")))) for g in zone_groups(scenario)
    ]
    zones = sorted(zone_titles(scenario).values(), key=str.casefold)
    return groups + [(name, tr(name)) for name in zones]


def unique_name(scenario: Scenario, name: str) -> str:
    """`name`, or `name_2`, `name_3`... when the scenario already has a policy by that name."""
    candidate, number = name, 2
    while candidate in scenario.policies:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def added_policy(
    scenario: Scenario,
    policy: LibraryPolicy,
    *,
    goods: list[str],
    zones: list[str],
    quintiles: list[int],
    start_month: int = 0,
    end_month: int | None = None,
) -> dict[str, Any]:
    """Overrides adding `policy` to `scenario` under a name of its own, with its targets."""
    name = unique_name(scenario, policy.name)
    settings = dict(policy.settings)
    settings.update(
        goods=[g for g in goods if g in scenario.goods],
        zones=list(zones),
        quintiles=sorted(int(q) for q in quintiles),
        start_month=int(start_month),
    )
    if end_month is not None:
        settings["end_month"] = int(end_month)
    else:
        settings.pop("end_month", None)
    if "goods" in POLICY_BY_KIND[policy.kind].model_fields and not settings["goods"]:
        settings["goods"] = []
    return {f"policies.{name}.{field}": value for field, value in settings.items()}


def policy_goods(policy: LibraryPolicy, scenario: Scenario) -> list[str]:
    """The goods the library gives the policy that this scenario has."""
    return [g for g in dict(policy.settings).get("goods") or [] if g in scenario.goods]


# --------------------------------------------------------------------------- components

picked = solara.reactive("tool_library")
picked_goods: solara.Reactive[list[str] | None] = solara.reactive(None)  # None: the library's
picked_zones: solara.Reactive[list[str]] = solara.reactive([])
picked_quintiles: solara.Reactive[list[int]] = solara.reactive([])


def quintile_options() -> list[tuple[int, str]]:
    return [(q, tr("fifth {q}").format(q=q)) for q in range(1, 6)]


@solara.component
def PackageBuilder(
    scenario: Scenario, on_add: Callable[[Callable[[Scenario], dict[str, Any]]], None]
):
    """Choose a policy of the library, its goods, communes and income fifths; add it
    (`on_add` gets the overrides to apply as a function of the scenario at that moment)."""
    policies = library_policies()
    names = [p.name for p in policies]
    policy = library_policy(picked.value if picked.value in names else names[0])
    lang = current_language()
    goods = picked_goods.value if picked_goods.value is not None else policy_goods(policy, scenario)
    with solara.Div(classes=["partage-package"]):
        solara.Text(tr("Add a policy to the package"), style={"font-weight": "bold"})
        ChoiceSelect(
            tr("Policy of the library"),
            [(p.name, p.title()) for p in policies],
            policy.name,
            lambda name: (picked.set(name), picked_goods.set(None)),
            search=True,
            test_id="package-policy",
        )
        description = text_in(dict(policy.settings).get("description", ""), lang)
        if description:
            solara.Text(tr(description), classes=["partage-caption"])
        ChoiceSelect(
            tr("Goods (none: every good)"),
            [(g, tr(g)) for g in scenario.goods],
            [g for g in goods if g in scenario.goods],
            picked_goods.set,
            multiple=True,
            test_id="package-goods",
        )
        ChoiceSelect(
            tr("Communes or groups (none: everywhere)"),
            zone_options(scenario),
            picked_zones.value,
            picked_zones.set,
            multiple=True,
            search=True,
            test_id="package-zones",
        )
        if hasattr(scenario.territory, "resolved"):
            PickOnMap(scenario)
        ChoiceSelect(
            tr("Income fifths (none: every household)"),
            quintile_options(),
            picked_quintiles.value,
            picked_quintiles.set,
            multiple=True,
            test_id="package-quintiles",
        )

        def add() -> None:
            # the policy's name is chosen against the scenario as it is when the click lands
            # (a second click before the page redraws still gives a second entry)
            on_add(
                lambda now: added_policy(
                    now,
                    policy,
                    goods=goods,
                    zones=[z for z in picked_zones.value if z in dict(zone_options(scenario))],
                    quintiles=picked_quintiles.value,
                )
            )

        solara.Button(tr("Add to the package"), on_click=add, outlined=True, color="primary")


@solara.component
def PolicyTargets(scenario: Scenario, name: str, on_set: Callable[[str, Any], None]):
    """The goods, communes, income fifths and months of one policy of the package, editable."""
    policy = scenario.policies[name]
    fields = type(policy).model_fields
    if "goods" in fields:
        ChoiceSelect(
            tr("Goods (none: every good)"),
            [(g, tr(g)) for g in scenario.goods],
            list(policy.goods),
            lambda v: on_set(f"policies.{name}.goods", list(v)),
            multiple=True,
        )
    options = zone_options(scenario)
    titles = zone_titles(scenario)
    shown = [titles.get(z, z) for z in policy.zones]
    ChoiceSelect(
        tr("Communes or groups (none: everywhere)"),
        options + [(z, z) for z in shown if z not in dict(options)],
        shown,
        lambda v: on_set(f"policies.{name}.zones", list(v)),
        multiple=True,
        search=True,
    )
    ChoiceSelect(
        tr("Income fifths (none: every household)"),
        quintile_options(),
        list(policy.quintiles),
        lambda v: on_set(f"policies.{name}.quintiles", sorted(int(q) for q in v)),
        multiple=True,
    )
    IntField(
        tr("Last month ({low} to {n}; {n}: to the end)").format(
            low=policy.start_month, n=scenario.months
        ),
        policy.end_month if policy.end_month is not None else scenario.months,
        lambda v: on_set(f"policies.{name}.end_month", None if v >= scenario.months else v),
        policy.start_month,
        scenario.months,
    )


@solara.component
def PickOnMap(scenario: Scenario):
    """The communes on a map that zooms and pans: a click adds a commune to the package's
    communes (its chip's cross takes it out); the chosen ones are filled and outlined."""
    from .commune_map import CommuneMap, CommuneOutlines, map_figure

    territory = solara.use_memo(scenario.territory.resolved, [scenario.territory.name])
    outlines = solara.use_memo(lambda: CommuneOutlines.of(territory), [id(territory)])
    chosen = frozenset(picked_zones.value)
    keys_by_name = dict(zip(outlines.names, outlines.keys, strict=True))
    picked = frozenset(keys_by_name[n] for n in chosen if n in keys_by_name)
    figure = solara.use_memo(
        lambda: map_figure(
            outlines,
            ["#0072B2" if k in picked else "#f7f3e8" for k in outlines.keys],
            list(outlines.names),
            picked=picked,
            height=260,
        ),
        [picked, territory.name if hasattr(territory, "name") else id(territory)],
    )
    names = dict(zip(outlines.keys, outlines.names, strict=True))

    def add(key: str) -> None:
        if names[key] not in picked_zones.value:
            picked_zones.set([*picked_zones.value, names[key]])

    solara.Text(
        tr("Or click the communes on the map (a chip's cross takes one out):"),
        classes=["partage-caption"],
    )
    CommuneMap(
        figure,
        outlines.keys,
        on_pick=add,
        test_id="package-map",
        label=tr("Communes of the package"),
    )
