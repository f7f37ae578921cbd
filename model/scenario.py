"""Scenario files: the typed, bounded declaration of every parameter of Partage.

A scenario is a TOML file validated against the schema below. Every value is
declared once here, with its type, unit and allowed range; the CLI (`--set`),
the sweeps and the web app's controls all read this declaration.

Rules of the loader:
- `extends = "other.toml"` (relative to the file) loads the parent first; the
  child states only what changes. Tables merge key by key; arrays and scalars
  replace; a child's `[constants]` replaces its parent's whole (they are solved
  for one territory, `model.equilibrium`).
- Any value is addressable by a dotted path (`goods.car.purchase_eur`,
  `network.kind`, `territory.zones.centre.income_median_eur`) and can be
  overridden (`--set path=value` on the CLI, `overrides={path: value}` in Python).
- A malformed file, unknown key, wrong type or out-of-range value raises
  `ScenarioError` with one line naming the file, the dotted path, the value
  given and what is allowed. Nothing in a scenario is ever executed; user text
  in a message is escaped and cut (`model.messages`).
- `extends` names another `.toml` file; no other file is read, and a file that
  cannot be read is named in the error, its content never quoted.
- What is read is bounded: a file of at most `MAX_FILE_BYTES`, tables and arrays
  nested at most `MAX_DEPTH` deep (in a file, an `extends` chain, a `--set` path
  or value), so hostile input gives one line, not a `RecursionError`.
- A scenario's `name` names its output folder: it must be a plain name
  (`PLAIN_NAME`). A policy starting after the horizon, and zone household
  shares that do not sum to one, are refused: both would silently mean
  something other than what was written.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import annotated_types
import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.fields import FieldInfo

from .geodata import RealTerritory, TerritoryDataError, read_territory
from .messages import escaped, shown

ZONE_KINDS = ("dense", "suburb", "rural")
ZoneKind = Literal["dense", "suburb", "rural"]
NetworkKind = Literal["small-world", "random", "well-mixed"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
# A scenario's or design's name becomes a folder under results/: no separator, no `..`, no control.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
PLAIN_NAME_RULE = "1 to 80 letters, digits, '_', '-' or '.', starting with a letter or a digit"
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 16
MAX_SET_CHARS = 10_000
SHARE_SUM_TOLERANCE = 0.01


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line, ready to print."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)


def _unit(unit: str) -> dict:
    return {"unit": unit}


# Units of the schema's fields; a field whose number has no unit says why with one of these words.
UNITS = {
    "—": "no unit: a text, a name, a list of names, a choice or a switch",
    "share": "a fraction from 0 to 1 of households, goods or an amount (0.25 = 25 %)",
    "probability": "a chance from 0 to 1 that an event happens",
    "probability/month": "a chance from 0 to 1 that an event happens in a given month",
    "index (0-1)": "a score from 0 (none) to 1 (full), such as trust or concern",
    "utility": "points of the households' choice model, comparable with each other but with no money value",
    "factor": "a number that multiplies another",
    "count": "a number of things",
}
TEXT_MAX_CHARS = 4000


def _checked_text(value: Any) -> str | dict[str, str]:
    """A text, or a table of texts keyed by two-letter language codes; refused otherwise."""
    texts = value if isinstance(value, dict) else {"": value}
    for lang, text in texts.items():
        if not isinstance(text, str) or (lang and not re.fullmatch(r"[a-z]{2}", str(lang))):
            raise ValueError(
                'expected a text, or a table of texts by two-letter language code, e.g. {en = "…", fr = "…"}'
            )
        if len(text) > TEXT_MAX_CHARS:
            raise ValueError(f"text longer than {TEXT_MAX_CHARS} characters")
    return dict(value) if isinstance(value, dict) else value


# A text given once, or in several languages: `description = {en = "…", fr = "…"}`.
Text = Annotated[
    str | dict[str, str],
    PlainValidator(_checked_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": {"type": "string"}},
            ]
        }
    ),
]


def text_in(text: str | Mapping[str, str], lang: str) -> str:
    """A text given plainly or per language, in `lang`: that language's text, else the English
    one, else the first one given (a plain text is the same in every language)."""
    if isinstance(text, str):
        return text
    for choice in (lang, "en"):
        if text.get(choice):
            return text[choice]
    return next(iter(text.values()), "")


class PerZoneKind(Strict):
    """One value for each zone type."""

    dense: float = Field(
        ge=0,
        title="dense centre",
        description="Value for households of dense-centre zones.",
        json_schema_extra=_unit("—"),
    )
    suburb: float = Field(
        ge=0,
        title="suburb",
        description="Value for households of suburban zones.",
        json_schema_extra=_unit("—"),
    )
    rural: float = Field(
        ge=0,
        title="rural",
        description="Value for households of rural zones.",
        json_schema_extra=_unit("—"),
    )

    def of(self, kind: str) -> float:
        return float(getattr(self, kind))


class ShareByZoneKind(PerZoneKind):
    """A share (0..1) for each zone type."""

    dense: float = Field(
        ge=0,
        le=1,
        title="dense centre",
        description="Share for households of dense-centre zones.",
        json_schema_extra=_unit("share"),
    )
    suburb: float = Field(
        ge=0,
        le=1,
        title="suburb",
        description="Share for households of suburban zones.",
        json_schema_extra=_unit("share"),
    )
    rural: float = Field(
        ge=0,
        le=1,
        title="rural",
        description="Share for households of rural zones.",
        json_schema_extra=_unit("share"),
    )


class UsesByZoneKind(PerZoneKind):
    """Expected uses per month for each zone type."""

    dense: float = Field(
        ge=0,
        le=100,
        title="dense centre",
        description="Uses per month in dense-centre zones.",
        json_schema_extra=_unit("uses/month"),
    )
    suburb: float = Field(
        ge=0,
        le=100,
        title="suburb",
        description="Uses per month in suburban zones.",
        json_schema_extra=_unit("uses/month"),
    )
    rural: float = Field(
        ge=0,
        le=100,
        title="rural",
        description="Uses per month in rural zones.",
        json_schema_extra=_unit("uses/month"),
    )


# --------------------------------------------------------------------------- territory


class Zone(Strict):
    """A zone of the territory; zones are laid out as concentric rings, innermost first."""

    kind: ZoneKind = Field(
        title="Type of zone",
        description="Zone type: dense centre, suburb or rural.",
        json_schema_extra=_unit("—"),
    )
    household_share: float = Field(
        gt=0,
        le=1,
        title="Share of households",
        description="Relative weight of the zone in households (normalised).",
        json_schema_extra=_unit("share"),
    )
    area_share: float = Field(
        gt=0,
        le=1,
        title="Share of the area",
        description="Relative weight of the zone in area (normalised).",
        json_schema_extra=_unit("share"),
    )
    income_median_eur: float = Field(
        ge=300,
        le=20000,
        title="Median household income",
        description="Median monthly disposable income per household.",
        json_schema_extra=_unit("EUR/month"),
    )
    income_sigma: float = Field(
        ge=0.05,
        le=1.5,
        title="Spread of incomes",
        description="How unequal incomes are in the zone (sigma of the log-normal income; "
        "0.5 means the richest tenth earn about four times the poorest tenth).",
        json_schema_extra=_unit("—"),
    )
    trust_mean: float = Field(
        gt=0,
        lt=1,
        title="Average trust in sharing",
        description="Average initial trust of the zone's households in sharing with others.",
        json_schema_extra=_unit("index (0-1)"),
    )
    trust_concentration: float = Field(
        ge=1,
        le=500,
        title="Agreement on trust",
        description="How close households' initial trust is to the average: high values mean "
        "everyone trusts alike (alpha + beta of a Beta distribution).",
        json_schema_extra=_unit("—"),
    )
    concern_mean: float = Field(
        gt=0,
        lt=1,
        title="Average environmental concern",
        description="Average concern of the zone's households for the environment.",
        json_schema_extra=_unit("index (0-1)"),
    )
    concern_concentration: float = Field(
        default=4,
        ge=1,
        le=500,
        title="Agreement on environmental concern",
        description="How close households' environmental concern is to the average: high values mean "
        "everyone cares alike (alpha + beta of a Beta distribution).",
        json_schema_extra=_unit("—"),
    )
    digital_access_share: float = Field(
        ge=0,
        le=1,
        title="Households online",
        description="Share of households using online platforms.",
        json_schema_extra=_unit("share"),
    )
    rental_access_eur: float = Field(
        ge=0,
        le=500,
        title="Cost of reaching a rental agency",
        description="Cost of reaching a commercial renter, per use (travel, time).",
        json_schema_extra=_unit("EUR/use"),
    )
    share_access_eur: float = Field(
        ge=0,
        le=500,
        title="Cost of reaching a lender",
        description="Cost of reaching a peer or a community pool, per use (travel, time).",
        json_schema_extra=_unit("EUR/use"),
    )


class Territory(Strict):
    name: str = Field(
        default="territory",
        max_length=80,
        title="Name of the territory",
        description="Name of the territory shown in results and reports.",
        json_schema_extra=_unit("—"),
    )
    households_per_cell: float = Field(
        default=8,
        ge=1,
        le=200,
        title="Households per grid cell",
        description="Average number of households in a cell of the map's grid; sets the grid size.",
        json_schema_extra=_unit("households"),
    )
    zones: dict[Name, Zone] = Field(
        min_length=1,
        max_length=12,
        title="Zones",
        description="The zones of the territory, each under its own name.",
        json_schema_extra=_unit("—"),
    )


class Network(Strict):
    kind: NetworkKind = Field(
        default="small-world",
        title="Kind of social network",
        description="How households know each other: small-world (neighbours plus a few distant ties), "
        "random (ties drawn at random) or well-mixed (everyone sees the territory's averages).",
        json_schema_extra=_unit("—"),
    )
    mean_degree: float = Field(
        default=8,
        ge=0,
        le=60,
        title="Ties per household",
        description="Average number of people a household knows well enough to borrow from.",
        json_schema_extra=_unit("count"),
    )
    long_tie_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        title="Share of distant ties",
        description="Share of a household's ties that reach beyond its neighbourhood (small-world).",
        json_schema_extra=_unit("share"),
    )
    same_zone_share: float = Field(
        default=0.8,
        ge=0,
        le=1,
        title="Distant ties within the zone",
        description="Share of distant ties kept within the household's own zone (people mix with "
        "people like them).",
        json_schema_extra=_unit("share"),
    )
    tie_from_sharing_prob: float = Field(
        default=0.05,
        ge=0,
        le=1,
        title="New acquaintance from sharing",
        description="Probability that a month of sharing through a platform or a pool creates a new tie.",
        json_schema_extra=_unit("probability/month"),
    )


# --------------------------------------------------------------------------- territory from data

ZoneRef = Annotated[str, Field(min_length=1, max_length=80)]
FIGURE_COLUMNS_OPTIONAL = (
    "kind",
    "income_sigma",
    "trust_mean",
    "trust_concentration",
    "concern_mean",
    "digital_access_share",
    "rental_access_eur",
    "share_access_eur",
)
GOOD_COLUMNS_OPTIONAL = ("need_share", "uses_per_month", "initial_own_share")


def _like_zone(name: str, default: PerZoneKind) -> Any:
    """A per-zone-type default with the plain texts of the zone field it stands for."""
    zone_field = Zone.model_fields[name]
    return Field(
        default=default,
        title=zone_field.title,
        description=zone_field.description,
        json_schema_extra=zone_field.json_schema_extra,
    )


class ZoneKindDefaults(Strict):
    """What a zone from data is given, by its kind, when the figures table has no column for a value.

    The values are those of the baseline's grid zones of the same kind (see `scenarios/baseline.toml`
    for their sources)."""

    income_sigma: PerZoneKind = _like_zone(
        "income_sigma", PerZoneKind(dense=0.55, suburb=0.45, rural=0.45)
    )
    trust_mean: ShareByZoneKind = _like_zone(
        "trust_mean", ShareByZoneKind(dense=0.50, suburb=0.45, rural=0.50)
    )
    trust_concentration: PerZoneKind = _like_zone(
        "trust_concentration", PerZoneKind(dense=10, suburb=10, rural=10)
    )
    concern_mean: ShareByZoneKind = _like_zone(
        "concern_mean", ShareByZoneKind(dense=0.50, suburb=0.45, rural=0.40)
    )
    digital_access_share: ShareByZoneKind = _like_zone(
        "digital_access_share", ShareByZoneKind(dense=0.90, suburb=0.87, rural=0.80)
    )
    rental_access_eur: PerZoneKind = _like_zone(
        "rental_access_eur", PerZoneKind(dense=3, suburb=8, rural=20)
    )
    share_access_eur: PerZoneKind = _like_zone(
        "share_access_eur", PerZoneKind(dense=1, suburb=2, rural=4)
    )


class TerritoryFromData(Strict):
    """A real territory: zones are polygons read from a geodata file, joined by a key column to a
    table of public figures (CSV, one row per zone). Paths are relative to the scenario file.

    Required columns: the key, the name, households, the median income and the share of households
    without a car. Optional columns (a value missing from the table is filled in from the zone's
    kind, itself derived from its density in households per km2, and `partage territory show` says
    which and why): `kind`, `area_km2` (else the polygon's area), `population` (for consumption
    units), `income_sigma`, `trust_mean`, `trust_concentration`, `concern_mean`,
    `digital_access_share`, `rental_access_eur`, `share_access_eur`, and per good
    `{good}.need_share`, `{good}.uses_per_month`, `{good}.initial_own_share`."""

    kind: Literal["data"] = Field(
        title="Territory from data",
        description="The territory is read from a map and a table of figures.",
        json_schema_extra=_unit("—"),
    )
    name: str = Field(
        default="territory",
        max_length=80,
        title="Name of the territory",
        description="Name of the territory shown in results and reports.",
        json_schema_extra=_unit("—"),
    )
    polygons: str = Field(
        min_length=1,
        max_length=1000,
        title="Map of the zones",
        description="File of the zones' outlines (GeoJSON, GeoPackage or Shapefile), in the coordinate "
        "system it declares, relative to the scenario file.",
        json_schema_extra=_unit("—"),
    )
    figures: str = Field(
        min_length=1,
        max_length=1000,
        title="Figures of the zones",
        description="Table of public figures (CSV), one row per zone, relative to the scenario file.",
        json_schema_extra=_unit("—"),
    )
    key_column: str = Field(
        min_length=1,
        max_length=80,
        title="Key column",
        description="Column that joins the map and the table, such as an INSEE code.",
        json_schema_extra=_unit("—"),
    )
    name_column: str = Field(
        min_length=1,
        max_length=80,
        title="Name column",
        description="Column of the table holding the zones' names.",
        json_schema_extra=_unit("—"),
    )
    households_column: str = Field(
        default="households",
        min_length=1,
        max_length=80,
        title="Households column",
        description="Column of the table holding each zone's number of households.",
        json_schema_extra=_unit("—"),
    )
    car_free_share_column: str = Field(
        default="households_without_car_share",
        min_length=1,
        max_length=80,
        title="Car-free column",
        description="Column of the table holding the share of households without a car.",
        json_schema_extra=_unit("—"),
    )
    income_column: str = Field(
        default="median_income_eur_per_month",
        min_length=1,
        max_length=80,
        title="Income column",
        description="Column of the table holding the median monthly disposable income.",
        json_schema_extra=_unit("—"),
    )
    income_per: Literal["household", "consumption_unit"] = Field(
        title="Income per",
        description="Whether the median income is per household or per consumption unit (standard "
        "of living); per consumption unit, it is multiplied by a household's consumption units.",
        json_schema_extra=_unit("—"),
    )
    consumption_units_per_household: float | None = Field(
        default=None,
        ge=1,
        le=5,
        title="Consumption units per household",
        description="Consumption units of a household (1 for the first adult, 0.5 for each other "
        "person of 14 or more, 0.3 for each child); none: computed from persons per household "
        "when the table has a population column, else 1.5 (a couple).",
        json_schema_extra=_unit("count"),
    )
    multi_car_share_column: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        title="Two-or-more-cars column",
        description="Column of the table holding the share of households with two cars or more (the "
        "census's P21_RP_VOIT2P / P21_RP, any vintage); none, or an empty cell: the car good's "
        "initial_multi_owner_share of the zone's kind times its share of households with a car.",
        json_schema_extra=_unit("—"),
    )
    min_households_per_zone: int = Field(
        default=200,
        ge=0,
        le=100_000,
        title="Minimum sampled households per zone",
        description="Households the sample draws in each zone at least, so that a small commune's "
        "figures are not those of a handful of households; capped at the zone's real households, and "
        "at half a fair share (households / (2 x zones)) when the sample is too small for it. Each "
        "sampled household then stands for its zone's real households over its sampled ones.",
        json_schema_extra=_unit("households"),
    )
    car_good: Name = Field(
        default="car",
        title="Car good",
        description="The good whose ownership at the start follows the share of households without a car.",
        json_schema_extra=_unit("—"),
    )
    dense_households_per_km2: float = Field(
        default=750,
        gt=0,
        le=1e6,
        title="Density of a dense zone",
        description="Households per km2 from which a zone is a dense centre (Eurostat's urban "
        "centres, 1 500 inhabitants per km2, at 2 persons per household).",
        json_schema_extra=_unit("households/km2"),
    )
    rural_households_per_km2: float = Field(
        default=150,
        gt=0,
        le=1e6,
        title="Density of a rural zone",
        description="Households per km2 below which a zone is rural (Eurostat's urban clusters, "
        "300 inhabitants per km2, at 2 persons per household).",
        json_schema_extra=_unit("households/km2"),
    )
    zone_defaults: ZoneKindDefaults = Field(
        default=ZoneKindDefaults(),
        title="Values by type of zone",
        description="Values a zone takes from its type when the table has no column for them.",
        json_schema_extra=_unit("—"),
    )
    groups: dict[Name, list[ZoneRef]] = Field(
        default_factory=dict,
        title="Groups of zones",
        description="Named groups of zones (keys or names) that policies can target.",
        json_schema_extra=_unit("—"),
    )

    @model_validator(mode="after")
    def _thresholds(self):
        if self.rural_households_per_km2 > self.dense_households_per_km2:
            raise ValueError(
                f"rural_households_per_km2 ({self.rural_households_per_km2:g}) is above "
                f"dense_households_per_km2 ({self.dense_households_per_km2:g})"
            )
        return self

    def resolved(self) -> RealTerritory:
        """The zones read from the files (cached; see `model.geodata`)."""
        try:
            return read_territory(self, Zone)
        except TerritoryDataError as error:
            raise ScenarioError(str(error)) from None

    @property
    def zones(self) -> dict[str, Zone]:
        return self.resolved().zones


def _territory_kind(value: Any) -> str:
    kind = value.get("kind", "grid") if isinstance(value, dict) else getattr(value, "kind", "grid")
    return kind if kind in ("grid", "data") else "data"


# --------------------------------------------------------------------------- goods


class Good(Strict):
    label: str = Field(
        max_length=40,
        title="Name of the good",
        description="Name of the good shown to people.",
        json_schema_extra=_unit("—"),
    )
    purchase_eur: float = Field(
        ge=0,
        le=1e6,
        title="Purchase price",
        description="Price of buying the good new.",
        json_schema_extra=_unit("EUR"),
    )
    lifetime_months: int = Field(
        ge=1,
        le=600,
        title="Lifetime",
        description="How long an owned good lasts before it must be replaced.",
        json_schema_extra=_unit("months"),
    )
    fixed_eur_per_month: float = Field(
        ge=0,
        le=1e4,
        title="Monthly cost of owning",
        description="Insurance, parking and upkeep of an owned good, paid every month.",
        json_schema_extra=_unit("EUR/month"),
    )
    rent_eur_per_use: float = Field(
        ge=0,
        le=1e4,
        title="Rental price",
        description="Price of one use rented from a commercial renter.",
        json_schema_extra=_unit("EUR/use"),
    )
    share_eur_per_use: float = Field(
        ge=0,
        le=1e4,
        title="Price of borrowing from a neighbour",
        description="Price of one use borrowed from another household (peer-to-peer).",
        json_schema_extra=_unit("EUR/use"),
    )
    forgo_eur_per_use: float = Field(
        ge=0,
        le=1e4,
        title="Cost of doing without",
        description="What a use that goes unmet costs the household (time, a longer trip, a job not done).",
        json_schema_extra=_unit("EUR/use"),
    )
    spare_uses_per_month: float = Field(
        ge=0,
        le=1000,
        title="Uses a lender can offer",
        description="Uses a lent good offers to others each month.",
        json_schema_extra=_unit("uses/month"),
    )
    capacity_uses_per_month: float = Field(
        gt=0,
        le=1000,
        title="Uses served by a shared unit",
        description="Uses one pooled or rented unit serves each month.",
        json_schema_extra=_unit("uses/month"),
    )
    bad_experience_prob: float = Field(
        ge=0,
        le=1,
        title="Chance of a bad experience",
        description="Probability that a month of sharing the good goes badly (damage, no-show, dispute).",
        json_schema_extra=_unit("probability/month"),
    )
    perceived_risk: float = Field(
        ge=0,
        le=5,
        title="Perceived risk of sharing",
        description="How risky sharing the good feels to households.",
        json_schema_extra=_unit("utility"),
    )
    embodied_kg_co2e: float = Field(
        ge=0,
        le=1e5,
        title="Emissions of making one",
        description="Greenhouse gases emitted to manufacture one unit of the good.",
        json_schema_extra=_unit("kg CO2e"),
    )
    need_share: ShareByZoneKind = Field(
        title="Households needing the good",
        description="Share of households that need the good, by type of zone.",
        json_schema_extra=_unit("share"),
    )
    uses_per_month: UsesByZoneKind = Field(
        title="Uses per month",
        description="How often a household that needs the good uses it, by type of zone.",
        json_schema_extra=_unit("uses/month"),
    )
    uses_shape: float = Field(
        default=4,
        ge=0.1,
        le=1000,
        title="Similarity of households' uses",
        description="How close each household's uses are to its zone's average: high values mean "
        "everyone uses the good about as often (shape of a gamma distribution).",
        json_schema_extra=_unit("—"),
    )
    initial_own_share: ShareByZoneKind = Field(
        title="Owners at the start",
        description="Share of households needing the good who own one at the start, by type of zone.",
        json_schema_extra=_unit("share"),
    )
    initial_aware_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        title="Aware of sharing at the start",
        description="Share of households needing the good who know at the start that they could share it.",
        json_schema_extra=_unit("share"),
    )
    initial_lend_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        title="Lenders at the start",
        description="Share of aware owners who lend their good at the start.",
        json_schema_extra=_unit("share"),
    )
    max_units: Literal[1, 2] = Field(
        default=1,
        title="Units a household can hold",
        description="1: a household owns one at most (a drill); 2: it may hold more than one "
        "(cars: 0, 1, 2 or more), and keeping, buying or giving up the extra units is a decision "
        "of its own.",
        json_schema_extra=_unit("count"),
    )
    multi_units_mean: float = Field(
        default=2.0,
        ge=2,
        le=10,
        title="Units of a household holding several",
        description="Mean number of units held by a household holding more than one (a good with "
        "max_units = 2); costs, emissions and counts of the extra units follow it.",
        json_schema_extra=_unit("count"),
    )
    extra_units_uses_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        title="Uses served by the extra units",
        description="Share of a household's uses that its extra units serve: the uses it must meet "
        "another way (its other unit, renting, sharing, going without) when it gives them up.",
        json_schema_extra=_unit("share"),
    )
    initial_multi_owner_share: ShareByZoneKind = Field(
        default=ShareByZoneKind(dense=0, suburb=0, rural=0),
        title="Owners holding several at the start",
        description="Share of the owners who hold more than one unit at the start, by type of zone "
        "(a good with max_units = 2); on a territory from data, a zone's share of households with "
        "two or more cars replaces it for the car.",
        json_schema_extra=_unit("share"),
    )


# --------------------------------------------------------------------------- behaviour


class Behaviour(Strict):
    logit_scale: float = Field(
        default=1.0,
        ge=0,
        le=100,
        title="Consistency of choices",
        description="How consistently households pick the best option for them: 0 is choosing at "
        "random, high values pick the best almost always (multiplies every utility).",
        json_schema_extra=_unit("factor"),
    )
    price_weight: float = Field(
        default=8.0,
        ge=0,
        le=200,
        title="Weight of money",
        description="How much the monthly cost of an option weighs, relative to income: poorer "
        "households feel the same cost more.",
        json_schema_extra=_unit("utility"),
    )
    convenience_own: float = Field(
        default=1.2,
        ge=-10,
        le=10,
        title="Convenience of owning",
        description="How convenient owning the good feels (always at hand).",
        json_schema_extra=_unit("utility"),
    )
    convenience_rent: float = Field(
        default=0.3,
        ge=-10,
        le=10,
        title="Convenience of renting",
        description="How convenient renting from a commercial renter feels.",
        json_schema_extra=_unit("utility"),
    )
    convenience_share: float = Field(
        default=0.6,
        ge=-10,
        le=10,
        title="Convenience of sharing",
        description="How convenient borrowing feels when the good is always available; scaled by "
        "the availability a household expects.",
        json_schema_extra=_unit("utility"),
    )
    risk_weight: float = Field(
        default=2.0,
        ge=0,
        le=50,
        title="Weight of risk",
        description="How much the risk of sharing weighs in choices, for a household with no trust.",
        json_schema_extra=_unit("utility"),
    )
    social_weight: float = Field(
        default=1.5,
        ge=0,
        le=50,
        title="Influence of acquaintances",
        description="How much the share of a household's ties who share the good draws it to sharing.",
        json_schema_extra=_unit("utility"),
    )
    environment_weight: float = Field(
        default=0.02,
        ge=0,
        le=10,
        title="Weight of the environment",
        description="How much avoided manufacturing emissions count for a concerned household, "
        "per kg CO2e per month.",
        json_schema_extra=_unit("utility"),
    )
    habit_bonus: float = Field(
        default=0.8,
        ge=0,
        le=20,
        title="Force of habit",
        description="Extra appeal of the way a household already meets its need.",
        json_schema_extra=_unit("utility"),
    )
    lend_hassle: float = Field(
        default=0.8,
        ge=0,
        le=20,
        title="Hassle of lending",
        description="The bother of lending a good (arranging hand-overs, wear and tear).",
        json_schema_extra=_unit("utility"),
    )
    reconsider_months: float = Field(
        default=6,
        ge=1,
        le=240,
        title="Time between reconsiderations",
        description="Average time after which a household that does not own the good rethinks how "
        "it meets its need.",
        json_schema_extra=_unit("months"),
    )
    life_event_rate: float = Field(
        default=0.01,
        ge=0,
        le=1,
        title="Life events",
        description="Monthly probability that an owner reconsiders before the good wears out "
        "(a move, a birth, a new job).",
        json_schema_extra=_unit("probability/month"),
    )
    pool_reconsider_rate: float = Field(
        default=0.005,
        ge=0,
        le=1,
        title="Reconsidering a good when a pool opens",
        description="Monthly probability that an owner who knows of sharing, and to whom a community "
        "pool of the good is open, reconsiders owning it (car-sharing members shed a car soon after "
        "joining).",
        json_schema_extra=_unit("probability/month"),
    )
    pool_reconsider_months: int = Field(
        default=12,
        ge=0,
        le=1200,
        title="Months of reconsidering after joining",
        description="Months after an owner joins sharing (knows of it with a pool open) during which "
        "`pool_reconsider_rate` applies; members shed a car soon after joining, not years later.",
        json_schema_extra=_unit("months"),
    )
    awareness_p: float = Field(
        default=0.005,
        ge=0,
        le=1,
        title="Learning about sharing from the media",
        description="Monthly probability that a household learns it could share a good from the "
        "media or public information (Bass p).",
        json_schema_extra=_unit("probability/month"),
    )
    awareness_q: float = Field(
        default=0.15,
        ge=0,
        le=1,
        title="Learning about sharing by word of mouth",
        description="Monthly probability of learning about sharing when all of a household's ties "
        "share; less when fewer do (Bass q).",
        json_schema_extra=_unit("probability/month"),
    )
    trust_gain: float = Field(
        default=0.03,
        ge=0,
        le=1,
        title="Trust gained after a good experience",
        description="How much trust in sharing rises after a month of sharing that went well.",
        json_schema_extra=_unit("index (0-1)"),
    )
    trust_loss: float = Field(
        default=0.15,
        ge=0,
        le=1,
        title="Trust lost after a bad experience",
        description="How much trust in sharing falls after a month of sharing that went badly.",
        json_schema_extra=_unit("index (0-1)"),
    )
    trust_drift: float = Field(
        default=0.02,
        ge=0,
        le=1,
        title="Trust spreading between acquaintances",
        description="Share of the gap to its ties' average trust that a household's trust closes each month.",
        json_schema_extra=_unit("share"),
    )
    availability_learning_rate: float = Field(
        default=0.3,
        ge=0,
        le=1,
        title="Learning from experience",
        description="How fast households update the availability of sharing they expect after "
        "trying to borrow (share of the gap closed each month).",
        json_schema_extra=_unit("share"),
    )
    initial_availability: float = Field(
        default=0.7,
        ge=0,
        le=1,
        title="Expected availability at the start",
        description="Share of requests households expect to be served when they first consider sharing.",
        json_schema_extra=_unit("share"),
    )
    initial_utilization: float = Field(
        default=0.5,
        ge=0,
        le=1,
        title="Expected demand for a lent good at the start",
        description="Share of its spare uses an owner expects others to borrow when it first considers lending.",
        json_schema_extra=_unit("share"),
    )
    pool_risk_relief: float = Field(
        default=0.5,
        ge=0,
        le=1,
        title="Reassurance of a public pool",
        description="Share of perceived risk lifted when a community pool is open to the household "
        "(borrowing from an institution rather than a stranger).",
        json_schema_extra=_unit("share"),
    )
    always_share_when_aware: bool = Field(
        default=False,
        title="Everyone aware shares (validation)",
        description="Validation switch: aware households always share (the Bass limit).",
        json_schema_extra=_unit("—"),
    )


class Market(Strict):
    platform_fee_share: float = Field(
        default=0.15,
        ge=0,
        le=0.5,
        title="Platform commission",
        description="Share of each peer-to-peer payment kept by the sharing platform.",
        json_schema_extra=_unit("share"),
    )
    pool_walk_km: float = Field(
        default=0.4,
        gt=0,
        le=20,
        title="Walk to a pool",
        description="A community pool or a fleet of today is open to a household where one of its "
        "units stands within this distance of home (a five-minute walk, the catchment planners use "
        "for an urban stop; an assumption, no car-sharing measure). On a territory whose zones have "
        "an area, the units of a zone stand at random in it, so the share of its households within "
        "reach is 1 - exp(-pi d^2 x units per km2); on a grid, every household of a zone with "
        "units is within reach.",
        json_schema_extra=_unit("km"),
    )


# --------------------------------------------------------------------------- policies


class PolicyBase(Strict):
    description: Text = Field(
        default="",
        title="Description",
        description="What the policy is, in a few words, plainly or per language "
        '(`{en = "…", fr = "…"}`).',
        json_schema_extra=_unit("—"),
    )
    start_month: int = Field(
        default=0,
        ge=0,
        le=1200,
        title="First month",
        description="Month the policy starts (0 is the start of the simulation).",
        json_schema_extra=_unit("months"),
    )
    end_month: int | None = Field(
        default=None,
        ge=0,
        le=1200,
        title="Last month",
        description="Last month the policy acts; none means it never ends.",
        json_schema_extra=_unit("months"),
    )
    zones: list[ZoneRef] = Field(
        default_factory=list,
        title="Target zones",
        description="Zones where the policy acts (on a territory from data: by key, name or group); "
        "empty means every zone.",
        json_schema_extra=_unit("—"),
    )
    quintiles: list[Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=list,
        title="Target income groups",
        description="Income quintiles the policy reaches (1 = the poorest fifth); empty means everyone.",
        json_schema_extra=_unit("—"),
    )
    goods: list[Name] = Field(
        default_factory=list,
        title="Target goods",
        description="Goods the policy concerns; empty means every good.",
        json_schema_extra=_unit("—"),
    )
    investment_eur: float = Field(
        default=0,
        ge=0,
        le=1e10,
        title="Initial investment",
        description="Public money spent once, in the policy's first month.",
        json_schema_extra=_unit("EUR"),
    )
    running_eur_per_month: float = Field(
        default=0,
        ge=0,
        le=1e9,
        title="Running cost",
        description="Public money spent every month the policy is active.",
        json_schema_extra=_unit("EUR/month"),
    )

    @model_validator(mode="after")
    def _window(self):
        if self.end_month is not None and self.end_month < self.start_month:
            raise ValueError(
                f"end_month ({self.end_month}) is before start_month ({self.start_month})"
            )
        return self

    def active(self, month: int) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


def _kind():
    """The `kind` field of a policy class, which says which lever a policy table declares."""
    return Field(
        title="Kind of policy",
        description="Which lever this policy is (it sets the fields that follow).",
        json_schema_extra=_unit("—"),
    )


class SharingSubsidy(PolicyBase):
    """A voucher, local currency or time-bank credit paid per shared use."""

    model_config = ConfigDict(title="Sharing subsidy")
    kind: Literal["sharing_subsidy"] = _kind()
    eur_per_use: float = Field(
        ge=0,
        le=1000,
        title="Subsidy per shared use",
        description="Public money paid for each use borrowed from another household.",
        json_schema_extra=_unit("EUR/use"),
    )
    max_share_of_price: float = Field(
        default=1.0,
        ge=0,
        le=1,
        title="Cap on the subsidy",
        description="Largest share of the peer price the subsidy may cover.",
        json_schema_extra=_unit("share"),
    )


class OwnershipCost(PolicyBase):
    """Resident parking fee or fewer mandatory parking spaces: owning costs more."""

    model_config = ConfigDict(title="Cost of owning")
    kind: Literal["ownership_cost"] = _kind()
    eur_per_month: float = Field(
        ge=0,
        le=5000,
        title="Extra monthly cost of owning",
        description="Fee added to the monthly cost of owning the good (public revenue).",
        json_schema_extra=_unit("EUR/month"),
    )


class CommunityPool(PolicyBase):
    """Municipal tool library, car-sharing fleet or pooled equipment lent to residents."""

    model_config = ConfigDict(title="Community pool")
    kind: Literal["community_pool"] = _kind()
    units_per_1000_households: float = Field(
        ge=0,
        le=1000,
        title="Size of the pool",
        description="How many units of the good the pool offers for every 1 000 households of the target zones.",
        json_schema_extra=_unit("units per 1 000 households"),
    )
    price_eur_per_use: float = Field(
        default=0,
        ge=0,
        le=1e4,
        title="Price per use",
        description="What a resident pays the pool for one use (public revenue).",
        json_schema_extra=_unit("EUR/use"),
    )
    investment_eur_per_unit: float = Field(
        default=0,
        ge=0,
        le=1e6,
        title="Purchase cost per unit",
        description="Public money spent once for each unit of the pool.",
        json_schema_extra=_unit("EUR"),
    )
    running_eur_per_unit_month: float = Field(
        default=0,
        ge=0,
        le=1e5,
        title="Running cost per unit",
        description="Public money spent each month for each unit of the pool (upkeep, staff).",
        json_schema_extra=_unit("EUR/month"),
    )


class CarsharingParking(PolicyBase):
    """Dedicated spots for shared cars: cheaper, easier access to a shared car."""

    model_config = ConfigDict(title="Car-sharing parking spots")
    kind: Literal["carsharing_parking"] = _kind()
    goods: list[Name] = Field(
        default_factory=lambda: ["car"],
        title="Target goods",
        description="Goods the policy concerns: shared cars.",
        json_schema_extra=_unit("—"),
    )
    access_discount_eur_per_use: float = Field(
        ge=0,
        le=500,
        title="Saving on reaching a shared car",
        description="How much cheaper it is to reach a shared car, per use, thanks to the spots.",
        json_schema_extra=_unit("EUR/use"),
    )
    convenience_bonus: float = Field(
        default=0.3,
        ge=0,
        le=5,
        title="Extra convenience of sharing",
        description="How much more convenient sharing feels with a reserved spot nearby.",
        json_schema_extra=_unit("utility"),
    )
    spots_per_1000_households: float = Field(
        default=2,
        ge=0,
        le=1000,
        title="Reserved spots",
        description="Reserved parking spots for every 1 000 households of the target zones.",
        json_schema_extra=_unit("spots per 1 000 households"),
    )
    eur_per_spot_month: float = Field(
        default=50,
        ge=0,
        le=1e4,
        title="Cost per spot",
        description="Public money spent each month for each reserved spot.",
        json_schema_extra=_unit("EUR/month"),
    )


class InsuranceFund(PolicyBase):
    """A public guarantee fund covering losses of peer sharing."""

    model_config = ConfigDict(title="Guarantee fund")
    kind: Literal["insurance_fund"] = _kind()
    cover_share: float = Field(
        ge=0,
        le=1,
        title="Share of losses covered",
        description="Share of the loss of a bad sharing experience that the fund pays back; "
        "perceived risk falls by as much.",
        json_schema_extra=_unit("share"),
    )
    claim_eur: float = Field(
        default=100,
        ge=0,
        le=1e5,
        title="Payout per claim",
        description="Average public money paid for each covered bad experience.",
        json_schema_extra=_unit("EUR"),
    )


class TrustLabel(PolicyBase):
    """A trust label or support to reputation systems: fewer bad experiences, less perceived risk."""

    model_config = ConfigDict(title="Trust label")
    kind: Literal["trust_label"] = _kind()
    bad_experience_reduction: float = Field(
        ge=0,
        le=1,
        title="Fewer bad experiences",
        description="Share by which the chance of a bad sharing experience falls.",
        json_schema_extra=_unit("share"),
    )
    perceived_risk_reduction: float = Field(
        default=0.3,
        ge=0,
        le=1,
        title="Less perceived risk",
        description="Share by which the risk households perceive in sharing falls.",
        json_schema_extra=_unit("share"),
    )


class AwarenessCampaign(PolicyBase):
    """Forum, events, mapping of local sharing actors: more households learn they could share."""

    model_config = ConfigDict(title="Awareness campaign")
    kind: Literal["awareness_campaign"] = _kind()
    extra_awareness_p: float = Field(
        ge=0,
        le=1,
        title="Extra chance of learning about sharing",
        description="Added monthly probability that a household learns it could share a good.",
        json_schema_extra=_unit("probability/month"),
    )


class ThirdPlaces(PolicyBase):
    """Repair cafés, shared gardens, coworking, fab labs: new ties and trust."""

    model_config = ConfigDict(title="Third places")
    kind: Literal["third_places"] = _kind()
    ties_per_1000_households_month: float = Field(
        ge=0,
        le=1000,
        title="New acquaintances",
        description="New ties between residents each month for every 1 000 households of the target zones.",
        json_schema_extra=_unit("ties per 1 000 households per month"),
    )
    trust_boost_per_month: float = Field(
        default=0.002,
        ge=0,
        le=0.2,
        title="Monthly rise in trust",
        description="Share of the distance to full trust that residents' trust closes each month.",
        json_schema_extra=_unit("share"),
    )


class DigitalInclusion(PolicyBase):
    """Training that brings households online, opening platform sharing."""

    model_config = ConfigDict(title="Digital inclusion")
    kind: Literal["digital_inclusion"] = _kind()
    trained_share_per_month: float = Field(
        ge=0,
        le=1,
        title="Households trained each month",
        description="Share of the offline households of the target zones trained each month.",
        json_schema_extra=_unit("share"),
    )
    eur_per_trainee: float = Field(
        default=150,
        ge=0,
        le=1e4,
        title="Cost per trainee",
        description="Public money spent to train one household.",
        json_schema_extra=_unit("EUR"),
    )


class PublicPlatform(PolicyBase):
    """A public or cooperative platform with no (or a low) fee."""

    model_config = ConfigDict(title="Public sharing platform")
    kind: Literal["public_platform"] = _kind()
    fee_share: float = Field(
        default=0,
        ge=0,
        le=0.5,
        title="Platform commission",
        description="Share of each peer-to-peer payment the public platform keeps.",
        json_schema_extra=_unit("share"),
    )


class RentalSupport(PolicyBase):
    """Support for commercial rental in under-served zones."""

    model_config = ConfigDict(title="Rental support")
    kind: Literal["rental_support"] = _kind()
    rent_discount_eur_per_use: float = Field(
        default=0,
        ge=0,
        le=1e4,
        title="Discount on the rental price",
        description="Public money paid to bring down the price of each commercial rental.",
        json_schema_extra=_unit("EUR/use"),
    )
    access_discount_eur_per_use: float = Field(
        default=0,
        ge=0,
        le=500,
        title="Saving on reaching a renter",
        description="How much cheaper it is to reach a commercial renter, per use.",
        json_schema_extra=_unit("EUR/use"),
    )


POLICY_KINDS = (
    SharingSubsidy,
    OwnershipCost,
    CommunityPool,
    CarsharingParking,
    InsuranceFund,
    TrustLabel,
    AwarenessCampaign,
    ThirdPlaces,
    DigitalInclusion,
    PublicPlatform,
    RentalSupport,
)
Policy = Annotated[Union[POLICY_KINDS], Field(discriminator="kind")]  # noqa: UP007
POLICY_BY_KIND = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in POLICY_KINDS}
TERRITORY_BY_KIND = {"grid": Territory, "data": TerritoryFromData}


# --------------------------------------------------------------------------- equilibrium constants

Constant = Annotated[float, Field(ge=-60, le=60)]


class GoodConstants(Strict):
    """Alternative-specific constants of one good, by zone: utility added to a mode so that the
    observed state of today is the model's own equilibrium (`model.equilibrium`)."""

    own: dict[ZoneRef, Constant] = Field(
        default_factory=dict,
        title="Constant of owning",
        description="Utility added to owning the good, by zone (key or name); solved, not set by hand.",
        json_schema_extra=_unit("utility"),
    )
    share: dict[ZoneRef, Constant] = Field(
        default_factory=dict,
        title="Constant of sharing",
        description="Utility added to sharing the good, by zone; solved where a fleet of today has "
        "subscribers.",
        json_schema_extra=_unit("utility"),
    )
    extra_units: dict[ZoneRef, Constant] = Field(
        default_factory=dict,
        title="Constant of the extra units",
        description="Utility added to keeping or buying more than one unit, by zone (max_units = 2).",
        json_schema_extra=_unit("utility"),
    )


# --------------------------------------------------------------------------- today's sharing

MAX_SERIES_POINTS = 600


def _checked_series(value: Any) -> float | list[list[float]]:
    """A number of units, or a dated series `[[month, units], ...]` with months in increasing
    order; the months are checked against the horizon by the scenario."""
    if isinstance(value, bool):
        raise ValueError("expected a number of units or a list of [month, units] pairs")
    if isinstance(value, int | float):
        if not 0 <= value <= 1e7:
            raise ValueError("expected units from 0 to 10 000 000")
        return float(value)
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_SERIES_POINTS:
        raise ValueError(
            f"expected a number of units or a list of 1 to {MAX_SERIES_POINTS} [month, units] pairs"
        )
    points = []
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in point)
            or point[0] != int(point[0])
            or not 0 <= point[0] <= 1200
            or not 0 <= point[1] <= 1e7
        ):
            raise ValueError(
                "expected [month, units] pairs, months whole from 0 to 1200, units from 0 to 10 000 000"
            )
        points.append([int(point[0]), float(point[1])])
    months = [m for m, _ in points]
    if any(b <= a for a, b in zip(months, months[1:], strict=False)):
        raise ValueError(
            f"months {months[:12]} out of order; allowed: [month, units] pairs in increasing months"
        )
    return points


# A size given once, or as a dated series `[[month, units], ...]` (linear between the months given,
# constant before the first and after the last).
UnitsOrSeries = Annotated[
    float | list[list[float]],
    PlainValidator(_checked_series),
    PlainSerializer(lambda units: units, return_type=Any),  # as validated: a number or the series
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2}},
            ]
        }
    ),
]


def units_in_month(units: float | list[list[float]], month: int) -> float:
    """The size of a fleet in a month: the number given, or the dated series read linearly between
    its months (constant before the first and after the last)."""
    if not isinstance(units, list):
        return float(units)
    months = [m for m, _ in units]
    return float(np.interp(month, months, [u for _, u in units]))


class OperatorFleet(Strict):
    """A fleet that exists today, run by an operator (car-sharing, a tool library): supply that is
    part of the territory's status quo, not a policy. It costs the public nothing, stays in a
    comparison's baseline, and its users' fees go to the operator."""

    good: Name = Field(
        title="Good",
        description="The good the fleet lends (e.g. car).",
        json_schema_extra=_unit("—"),
    )
    description: Text = Field(
        default="",
        title="Description",
        description="Who runs the fleet and where, in a few words.",
        json_schema_extra=_unit("—"),
    )
    units: UnitsOrSeries = Field(
        title="Units",
        description="Units of the fleet in the whole territory (or its target zones): a number, or "
        "a dated series of [month, units] pairs in increasing months within the horizon.",
        json_schema_extra=_unit("count"),
    )
    zones: list[ZoneRef] = Field(
        default_factory=list,
        title="Zones served",
        description="Zones where the fleet's units stand, shared out by households (by key, name "
        "or group on a territory from data); empty means every zone.",
        json_schema_extra=_unit("—"),
    )
    subscribers: float | None = Field(
        default=None,
        ge=0,
        le=1e8,
        title="Subscribers today",
        description="Households subscribed to the fleet at month 0 in the whole territory, shared "
        "out like the units; none: not known, and nobody is a subscriber at month 0.",
        json_schema_extra=_unit("households"),
    )
    months_open: int | None = Field(
        default=None,
        ge=0,
        le=1200,
        title="Months open before month 0",
        description="How long the fleet has been open at month 0, in months. Where the territory "
        "states no share of households aware of sharing the good, month 0's aware share is the one "
        "the model's own learning from the media reaches over those months, "
        "1 - (1 - awareness_p) ^ months (word of mouth left out: a lower bound); none: the good's "
        "`initial_aware_share`.",
        json_schema_extra=_unit("months"),
    )
    price_eur_per_use: float = Field(
        ge=0,
        le=1e4,
        title="Price per use",
        description="What a subscriber pays the operator for one use.",
        json_schema_extra=_unit("EUR/use"),
    )
    source: str = Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        title="Source",
        description="Where the figures come from (a page, a date); a figure without a source is left out.",
        json_schema_extra=_unit("—"),
    )


class GoodToday(Strict):
    """What is known today about sharing one good, beyond operator fleets; a figure not given keeps
    the good's own `initial_aware_share` and `initial_lend_share`."""

    aware_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        title="Households aware of sharing",
        description="Share of the households needing the good who know it can be shared, today.",
        json_schema_extra=_unit("share"),
    )
    lend_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        title="Owners lending",
        description="Share of the owners aware of sharing who lend the good to peers, today.",
        json_schema_extra=_unit("share"),
    )
    source: str = Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        title="Source",
        description="Where the figures come from.",
        json_schema_extra=_unit("—"),
    )


class Today(Strict):
    """The sharing that exists at month 0: the territory's status quo, which holds without policy."""

    fleets: dict[Name, OperatorFleet] = Field(
        default_factory=dict,
        title="Operator fleets",
        description="Fleets run today by operators (car-sharing, tool libraries), each under its own name.",
        json_schema_extra=_unit("—"),
    )
    goods: dict[Name, GoodToday] = Field(
        default_factory=dict,
        title="Sharing known today, by good",
        description="Awareness and peer lending known today, good by good.",
        json_schema_extra=_unit("—"),
    )
    missing: list[Annotated[str, Field(max_length=400)]] = Field(
        default_factory=list,
        max_length=50,
        title="Figures not found",
        description="What exists today but has no sourced figure, so is left out (said, not invented).",
        json_schema_extra=_unit("—"),
    )


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    name: str = Field(
        max_length=80,
        title="Name of the scenario",
        description="Short name of the scenario; the file's name when not given.",
        json_schema_extra=_unit("—"),
    )
    description: Text = Field(
        default="",
        title="Description",
        description='What the scenario is and why, plainly or per language (`{en = "…", fr = "…"}`).',
        json_schema_extra=_unit("—"),
    )
    households: int = Field(
        default=10_000,
        ge=10,
        le=5_000_000,
        title="Households simulated",
        description="Number of households simulated; results per household hold for the whole territory.",
        json_schema_extra=_unit("households"),
    )
    months: int = Field(
        default=120,
        ge=1,
        le=1200,
        title="Horizon",
        description="Number of months simulated.",
        json_schema_extra=_unit("months"),
    )
    seed: int = Field(
        default=42,
        ge=0,
        le=2**63 - 1,
        title="Random seed",
        description="Number that fixes the random draws: the same seed gives the same results.",
        json_schema_extra=_unit("—"),
    )
    territory: Annotated[
        Annotated[Territory, Tag("grid")] | Annotated[TerritoryFromData, Tag("data")],
        Discriminator(_territory_kind),
    ] = Field(
        title="Territory",
        description="The place simulated: its zones and their households.",
        json_schema_extra=_unit("—"),
    )
    network: Network = Field(
        default=Network(),
        title="Social network",
        description="Who knows whom: the ties along which households borrow and talk.",
        json_schema_extra=_unit("—"),
    )
    goods: dict[Name, Good] = Field(
        min_length=1,
        max_length=12,
        title="Goods",
        description="The goods households own, rent, share or do without, each under its own name.",
        json_schema_extra=_unit("—"),
    )
    behaviour: Behaviour = Field(
        default=Behaviour(),
        title="Behaviour",
        description="How households weigh money, convenience, risk, their acquaintances and the environment.",
        json_schema_extra=_unit("—"),
    )
    market: Market = Field(
        default=Market(),
        title="Sharing market",
        description="How peer-to-peer sharing is paid for.",
        json_schema_extra=_unit("—"),
    )
    policies: dict[Name, Policy] = Field(
        default_factory=dict,
        title="Policies",
        description="The public policies of the scenario, each under its own name.",
        json_schema_extra=_unit("—"),
    )
    constants: dict[Name, GoodConstants] = Field(
        default_factory=dict,
        title="Equilibrium constants",
        description="Constants by good and zone, solved so that without policy the territory holds "
        "its observed state (`partage territory import` writes them); none: zero.",
        json_schema_extra=_unit("—"),
    )
    today: Today = Field(
        default=Today(),
        title="Sharing today",
        description="The sharing that exists at month 0 (operator fleets, subscribers, awareness): "
        "the territory's status quo, not a policy; it costs the public nothing and stays in a "
        "comparison's baseline.",
        json_schema_extra=_unit("—"),
    )

    @model_validator(mode="after")
    def _meaningful(self):
        if not is_plain_name(self.name):
            raise ValueError(
                f"name = {shown(self.name)}: not a plain name; allowed: {PLAIN_NAME_RULE}"
            )
        for name, policy in self.policies.items():
            if policy.start_month > self.months:
                raise ValueError(
                    f"policies.{name}.start_month = {policy.start_month}: after the horizon "
                    f"(months = {self.months}), so the policy would never act; "
                    f"allowed: 0 to {self.months}, or a longer horizon"
                )
        for name, fleet in self.today.fleets.items():
            if fleet.good not in self.goods:
                raise ValueError(
                    f"today.fleets.{name}.good: unknown good {shown(fleet.good)}; "
                    f"allowed: {', '.join(self.goods)}"
                )
            if isinstance(fleet.units, list) and fleet.units[-1][0] > self.months:
                raise ValueError(
                    f"today.fleets.{name}.units: month {fleet.units[-1][0]} beyond the horizon; "
                    f"allowed: months from 0 to {self.months} (months = {self.months})"
                )
        for good in self.today.goods:
            if good not in self.goods:
                raise ValueError(
                    f"today.goods.{shown(good)}: unknown good; allowed: {', '.join(self.goods)}"
                )
        if not isinstance(self.territory, Territory):
            return self  # a territory from data takes its households from its figures
        total = sum(zone.household_share for zone in self.territory.zones.values())
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            shares = " + ".join(
                f"{zone.household_share:g}" for zone in self.territory.zones.values()
            )
            raise ValueError(
                f"territory.zones.*.household_share sum to {total:g} ({shares}); "
                f"allowed: shares summing to 1 (within {SHARE_SUM_TOLERANCE:g})"
            )
        return self

    @model_validator(mode="after")
    def _references(self):
        for name, policy in self.policies.items():
            for zone in policy.zones if isinstance(self.territory, Territory) else ():
                # zones of a territory from data are checked once its files are read (`validate_raw`)
                if zone not in self.territory.zones:
                    raise ValueError(
                        f"policies.{name}.zones: unknown zone {shown(zone)}; "
                        f"allowed: {', '.join(self.territory.zones)}"
                    )
            for good in policy.goods:
                if good not in self.goods:
                    raise ValueError(
                        f"policies.{name}.goods: unknown good {shown(good)}; allowed: {', '.join(self.goods)}"
                    )
        return self

    # -- dotted paths

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. `goods.car.purchase_eur`."""
        node: Any = self.model_dump()
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(f"{self.name}: {escaped(path)}: no such parameter")
            node = node[key]
        return node

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "overrides") -> Scenario:
        """A validated copy with values replaced at dotted paths."""
        raw = self.model_dump(exclude_none=True)
        return validate_raw(apply_overrides(raw, overrides), source, set(overrides))

    @property
    def good_names(self) -> list[str]:
        return list(self.goods)

    @property
    def zone_names(self) -> list[str]:
        """Zone identifiers: names of grid zones, keys of zones from data."""
        return list(self.territory.zones)

    def targeted_zones(self, refs: list[str]) -> np.ndarray:
        """(Z,) flags of the zones a policy's `zones` list designates (all when it is empty): grid
        zones by name; zones from data by key, name or group."""
        names = self.zone_names
        if not refs:
            return np.ones(len(names), dtype=bool)
        if isinstance(self.territory, Territory):
            return np.array([z in refs for z in names])
        return self.territory.resolved().flags(refs)


# --------------------------------------------------------------------------- loading


def is_plain_name(name: Any) -> bool:
    """Whether `name` can name a folder as it is: see `PLAIN_NAME_RULE`."""
    return isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None


def nesting_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep tables and arrays nest in `value` (a scalar is 0), counted without recursion and
    stopping once past `limit`."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_toml(text: str, source: str) -> dict:
    """Parse TOML text bounded in size and depth; any problem is a one-line `ScenarioError`."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write, is not TOML
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"{escaped(source)}: larger than {MAX_FILE_BYTES // 1000} kB; not read")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{escaped(source)}: not valid TOML: {escaped(error)}") from None
    except RecursionError:
        raw = None
    if raw is None or nesting_depth(raw) > MAX_DEPTH:
        raise ScenarioError(
            f"{escaped(source)}: tables or arrays nested more than {MAX_DEPTH} deep; not read"
        )
    return raw


def read_toml_file(path: str | Path, what: str = "scenario") -> dict:
    """A TOML file as a table: it must be a regular file, UTF-8, within the size and depth limits."""
    path = Path(path)
    try:
        regular = path.is_file()
    except (OSError, ValueError):  # a NUL in the path, a name too long
        regular = False
    if not regular:
        raise ScenarioError(f"{escaped(path)}: no such {what} file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{escaped(path)}: larger than {MAX_FILE_BYTES // 1000} kB; not read"
            )
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError:
        raise ScenarioError(f"{escaped(path)}: not a UTF-8 text file") from None
    except OSError as error:
        raise ScenarioError(
            f"{escaped(path)}: cannot read the {what} file ({error.strerror})"
        ) from None
    return read_toml(text, str(path))


# The fields that name a file on the machine that runs Partage: a page address (the web app's
# `set=`) may not set them, nor a table holding one, so an address can never make the server read a
# file it names.
FILE_FIELDS = ("extends", "territory.polygons", "territory.figures")


def names_a_file(path: str) -> bool:
    """Whether setting the dotted `path` would set a file path (`FILE_FIELDS`) or a table holding one."""
    return any(
        path == field or field.startswith(path + ".") or path.startswith(field + ".")
        for field in FILE_FIELDS
    )


def parse_address_settings(text: str) -> dict[str, Any]:
    """Settings given in a page address (JSON: an object of dotted paths and values), bounded in size
    and depth, without file paths; any problem is a one-line `ScenarioError` that quotes no path."""
    if len(text) > MAX_SET_CHARS:
        raise ScenarioError(f"settings in the address: longer than {MAX_SET_CHARS} characters")
    try:
        settings = json.loads(text)
    except RecursionError:
        settings = None
    except ValueError:
        raise ScenarioError("settings in the address: not valid JSON") from None
    if settings is None or nesting_depth(settings) > MAX_DEPTH:
        raise ScenarioError(f"settings in the address: nested more than {MAX_DEPTH} deep")
    if not isinstance(settings, dict):
        raise ScenarioError(
            "settings in the address: allowed: an object of dotted paths and values"
        )
    files = [str(path) for path in settings if names_a_file(str(path))]
    if files:
        raise ScenarioError(
            f"settings in the address: {shown(files[0])} names a file; files cannot be set from an address"
        )
    return {check_path(str(path), "address setting"): value for path, value in settings.items()}


def parse_value(text: str) -> Any:
    """A `--set` value: a TOML literal (number, boolean, string, array), else a bare string."""
    if len(text) > MAX_SET_CHARS:
        raise ScenarioError(f"--set value {shown(text)}: longer than {MAX_SET_CHARS} characters")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        value = None
    if value is None or nesting_depth(value) > MAX_DEPTH:
        raise ScenarioError(f"--set value {shown(text)}: arrays nested more than {MAX_DEPTH} deep")
    return value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split `path=value` as given to `--set`."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(
            f"--set {shown(text)}: expected path=value, e.g. goods.car.purchase_eur=20000"
        )
    return check_path(path.strip(), "--set"), parse_value(value.strip())


def check_path(path: str, where: str = "override") -> str:
    """A dotted path of sensible depth, returned as given."""
    if path.count(".") >= MAX_DEPTH:
        raise ScenarioError(f"{where} {shown(path)}: more than {MAX_DEPTH} dotted parts")
    return path


def apply_overrides(raw: dict, overrides: Mapping[str, Any]) -> dict:
    """A copy of `raw` with each dotted path set to its value (tables created as needed)."""
    raw = copy.deepcopy(raw)
    for path, value in overrides.items():
        keys = check_path(path).split(".")
        node = raw
        for depth, key in enumerate(keys[:-1]):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                where = ".".join(keys[: depth + 1])
                raise ScenarioError(
                    f"override {escaped(path)}: {escaped(where)} is a value, not a table"
                )
            node = child
        node[keys[-1]] = value
    return raw


def _merge(parent: dict, child: dict, top: bool = True) -> dict:
    merged = dict(parent)
    for key, value in child.items():
        if top and key == "constants":  # solved for the child's own territory: replaced whole
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, top=False)
        else:
            merged[key] = value
    return merged


def read_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """The raw table of a scenario file with its `extends` chain merged in."""
    path = Path(path)
    raw = read_toml_file(path)
    resolved = path.resolve()
    if resolved in _seen:
        cycle = ", ".join(escaped(p.name) for p in _seen)
        raise ScenarioError(f"{escaped(path)}: extends itself (cycle through {cycle})")
    if len(_seen) >= MAX_DEPTH:
        raise ScenarioError(f"{escaped(path)}: extends chain longer than {MAX_DEPTH} files")
    _resolve_territory_files(raw, path)
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str) or not parent_name.endswith(".toml"):
        raise ScenarioError(
            f"{escaped(path)}: extends = {shown(parent_name)}: allowed: the name of a .toml scenario file"
        )
    parent = read_raw(path.parent / parent_name, (*_seen, resolved))
    if nesting_depth(parent) + 1 > MAX_DEPTH:
        raise ScenarioError(f"{escaped(path)}: tables or arrays nested more than {MAX_DEPTH} deep")
    parent.pop("name", None)
    parent.pop("description", None)
    territory = raw.get("territory")
    declares = isinstance(territory, dict) and ("kind" in territory or "zones" in territory)
    if declares and _territory_kind(territory) != _territory_kind(parent.get("territory", {})):
        parent.pop("territory", None)  # a territory of another kind replaces the parent's whole
    return _merge(parent, raw)


def _resolve_territory_files(raw: dict, path: Path) -> None:
    """Make the data files a territory names relative to its scenario file absolute (in place)."""
    territory = raw.get("territory")
    if not isinstance(territory, dict):
        return
    for key in ("polygons", "figures"):
        value = territory.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            territory[key] = str((path.parent / value).resolve())


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    given_as: Mapping[str, str] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario file. `given_as` names, for an overridden
    path, how the user gave it (`{"households": "--households"}`), for the error message."""
    raw = read_raw(path)
    raw.setdefault("name", Path(path).stem)
    overrides = dict(overrides or {})
    given = {**dict.fromkeys(overrides), **(given_as or {})}
    return validate_raw(apply_overrides(raw, overrides), str(path), given)


def validate_raw(
    raw: dict,
    source: str = "scenario",
    overridden: Mapping[str, str | None] | set[str] | None = None,
) -> Scenario:
    """Validate a raw table, turning the first problem into a one-line `ScenarioError`. A territory
    from data has its files read and checked here, and the zones its policies target looked up."""
    if nesting_depth(raw) > MAX_DEPTH:
        raise ScenarioError(
            f"{escaped(source)}: tables or arrays nested more than {MAX_DEPTH} deep"
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        given = overridden if isinstance(overridden, Mapping) else dict.fromkeys(overridden or ())
        raise ScenarioError(_one_line(error, raw, source, given)) from None
    if isinstance(scenario.territory, TerritoryFromData):
        territory = scenario.territory.resolved()
        try:
            territory.check_groups(source)
            territory.check_goods(list(scenario.goods), source)
            for name, policy in scenario.policies.items():
                territory.check_references(policy.zones, f"{source}: policies.{name}.zones")
        except TerritoryDataError as error:
            raise ScenarioError(str(error)) from None
    if scenario.today.fleets:
        try:
            check_today(scenario, escaped(source))
        except TerritoryDataError as error:
            raise ScenarioError(str(error)) from None
    return scenario


def check_today(scenario: Scenario, source: str) -> None:
    """Refuse a fleet or a subscriber count larger than the households of the zones it serves, and
    zones it names that the territory lacks; one line naming the file, the field and what is allowed."""
    if isinstance(scenario.territory, Territory):
        shares = np.array([z.household_share for z in scenario.territory.zones.values()])
        real = scenario.households * shares / shares.sum()
    else:
        real = scenario.territory.resolved().households.astype(float)
    for name, fleet in scenario.today.fleets.items():
        where = f"{source}: today.fleets.{name}"
        if isinstance(scenario.territory, Territory):
            unknown = [z for z in fleet.zones if z not in scenario.territory.zones]
            if unknown:
                raise ScenarioError(
                    f"{where}.zones: unknown zone {shown(unknown[0])}; "
                    f"allowed: {', '.join(scenario.territory.zones)}"
                )
        else:
            scenario.territory.resolved().check_references(fleet.zones, f"{where}.zones")
        served = float((real * scenario.targeted_zones(fleet.zones)).sum())
        largest = max(u for _, u in fleet.units) if isinstance(fleet.units, list) else fleet.units
        if largest > served:
            raise ScenarioError(
                f"{where}.units: {largest:g} units for {served:,.0f} households in the zones served; "
                f"allowed: at most one unit per household"
            )
        if fleet.subscribers is not None and fleet.subscribers > served:
            raise ScenarioError(
                f"{where}.subscribers: {fleet.subscribers:g} for {served:,.0f} households in the "
                f"zones served; allowed: at most the households of those zones"
            )


# --------------------------------------------------------------------------- error messages


def _one_line(
    error: ValidationError, raw: dict, source: str, overridden: Mapping[str, str | None]
) -> str:
    """`overridden` maps each overridden path to the option that gave it (None: `--set PATH`)."""
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = [str(part) for part in first["loc"]]
    path, field, model = _walk(loc)
    dotted = escaped(".".join(path) or "(top level)")
    given = ".".join(path)
    origin = (
        f"{escaped(source)} ({escaped(overridden[given] or f'--set {given}')})"
        if given in overridden
        else escaped(source)
    )
    more = (
        f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        if len(problems) > 1
        else ""
    )
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if model else "?"
        return f"{origin}: {dotted}: unknown key; allowed keys here: {allowed}{more}"
    if kind == "missing":
        return f"{origin}: {dotted}: required value is missing{more}"
    if kind == "value_error" and not path:
        return f"{origin}: {first['msg'].removeprefix('Value error, ')}{more}"
    given = shown(_value_at(raw, path))
    allowed = _allowed(field) if field else ""
    message = first["msg"].removeprefix("Value error, ")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        message = "unknown policy kind" if kind == "union_tag_invalid" else "policy needs a kind"
        allowed = "one of " + ", ".join(POLICY_BY_KIND)
    return (
        f"{origin}: {dotted} = {given}: {message}"
        + (f"; allowed: {allowed}" if allowed else "")
        + more
    )


def _walk(loc: list[str]):
    """Follow a pydantic error location through the schema: (display path, FieldInfo, model)."""
    model: Any = Scenario
    annotation: Any = None
    field = None
    path: list[str] = []
    for part in loc:
        if annotation is not None:
            origin = typing.get_origin(annotation)
            args = typing.get_args(annotation)
            if origin is Annotated:
                annotation = args[0]
                origin, args = typing.get_origin(annotation), typing.get_args(annotation)
            if origin is dict:
                path.append(part)
                annotation = args[1]
                continue
            if origin is list:
                path.append(part)
                annotation = args[0]
                continue
            if origin in (Union, types.UnionType):
                if part in TERRITORY_BY_KIND:
                    annotation = TERRITORY_BY_KIND[part]
                    continue
                if part in POLICY_BY_KIND:
                    annotation = POLICY_BY_KIND[part]
                    continue
                non_none = [a for a in args if a is not type(None)]
                annotation = non_none[0] if len(non_none) == 1 else annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = annotation
                annotation = None
        path.append(part)
        if model is not None and part in model.model_fields:
            field = model.model_fields[part]
            annotation = field.annotation
            if field.metadata and typing.get_origin(annotation) is not Annotated:
                pass
        else:
            field = None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        model = annotation
    return path, field, model


def _allowed(field) -> str:
    annotation = field.annotation
    if typing.get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(annotation))
    low = high = None
    for meta in field.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = f"{meta.ge:g}"
        elif isinstance(meta, annotated_types.Gt):
            low = f">{meta.gt:g}"
        elif isinstance(meta, annotated_types.Le):
            high = f"{meta.le:g}"
        elif isinstance(meta, annotated_types.Lt):
            high = f"<{meta.lt:g}"
    base = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}.get(
        annotation, ""
    )
    if low is None and high is None:
        return base
    return (
        f"{base} from {low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
    )


def _value_at(raw: Any, path: list[str]) -> Any:
    node = raw
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


# --------------------------------------------------------------------------- schema introspection


Translate = Callable[[str], str]
# Names standing for the keys of the schema's tables in the list of every parameter.
PLACEHOLDERS = {"zones": "<zone>", "goods": "<good>", "policies": "<policy>"}


def field_texts(
    field: FieldInfo, translate: Translate | None = None, table: FieldInfo | None = None
) -> dict[str, str]:
    """Label, description and unit of a field, in plain language (translated by `translate`).

    A value of a per-zone-type table (`goods.car.need_share.dense`) is labelled by its table
    and its zone type together, and described by its table, whose unit it takes when it has none.
    """
    tr = translate or (lambda text: text)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    texts = {
        "label": tr(field.title or ""),
        "description": tr(field.description or ""),
        "unit": tr(extra.get("unit", "")),
    }
    if table is not None:
        texts["label"] = f"{tr(table.title or '')}: {texts['label']}"
        texts["description"] = tr(table.description or "")
        if (
            extra.get("unit", "—") == "—"
        ):  # a plain per-zone-type table takes its unit from the field
            table_extra = (
                table.json_schema_extra if isinstance(table.json_schema_extra, dict) else {}
            )
            texts["unit"] = tr(table_extra.get("unit", "—"))
    return texts


def _limits(field: FieldInfo) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    annotation = field.annotation
    if typing.get_origin(annotation) is Literal:
        limits["type"] = "choice"
        limits["choices"] = list(typing.get_args(annotation))
    else:
        limits["type"] = {float: "float", int: "int", bool: "bool", str: "str"}.get(
            annotation, "other"
        )
    for meta in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if hasattr(meta, attr):
                limits[{"ge": "min", "gt": "min", "le": "max", "lt": "max"}[attr]] = getattr(
                    meta, attr
                )
    return limits


def parameter_info(scenario: Scenario, path: str, translate: Translate | None = None) -> dict:
    """Label, description, unit, type, bounds and value of the parameter at a dotted path.

    Used by sweeps (to check ranges), the web app (to build controls) and the reports. A
    policy's field (`policies.<name>.<field>`) is read from the class of that policy's kind.
    `translate` turns the schema's English texts into another language.
    """
    keys = path.split(".")
    if len(keys) >= 3 and keys[0] == "policies" and keys[1] in scenario.policies:
        keys.insert(2, scenario.policies[keys[1]].kind)
    _, field, model = _walk(keys)
    if field is None:
        raise ScenarioError(f"{scenario.name}: {escaped(path)}: no such parameter")
    table = None
    if (
        isinstance(model, type)
        and issubclass(model, PerZoneKind)
        and keys[-1] in model.model_fields
    ):
        table = _walk(keys[:-1])[1]
    info: dict[str, Any] = {"path": path, "value": scenario.get(path)}
    info |= field_texts(field, translate, table)
    info |= _limits(field)
    return info


def policy_texts(kind: str, translate: Translate | None = None) -> dict[str, str]:
    """Plain name and description of a kind of policy (`community_pool`: "Community pool", …)."""
    tr = translate or (lambda text: text)
    cls = POLICY_BY_KIND[kind]
    return {"label": tr(cls.model_config.get("title", kind)), "description": tr(cls.__doc__ or "")}


def schema_models() -> list[type[BaseModel]]:
    """Every model of the schema reachable from `Scenario`, tables and policy kinds included."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in found:
                return
            found.append(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
        for arg in typing.get_args(annotation):
            visit(arg)

    visit(Scenario)
    return found


def schema_texts() -> list[str]:
    """Every text of the schema shown to people (labels, descriptions, units, kinds of policy),
    each once: what the translation catalogues must cover."""
    texts: list[str] = []
    for model in schema_models():
        for field in model.model_fields.values():
            texts += field_texts(field).values()
    for kind in POLICY_BY_KIND:
        texts += policy_texts(kind).values()
    for unit, meaning in UNITS.items():
        texts += [unit, meaning]
    return list(dict.fromkeys(text for text in texts if text))


@dataclass(frozen=True)
class SchemaField:
    """One parameter of the schema as the documentation lists it; `path` uses placeholders
    (`goods.<good>.purchase_eur`), and `variant` names the kind of table a field belongs to
    where a table comes in several kinds (policies: `community_pool`, …)."""

    path: str
    label: str
    description: str
    unit: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    variant: str = ""
    required: bool = False


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds directly: itself, or the members of a union."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _models_of(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [model for arg in typing.get_args(annotation) for model in _models_of(arg)]
    return (
        [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []
    )


def _variant(model: type[BaseModel]) -> str:
    """The value of a model's `kind` literal (`community_pool`), or "" when it has none."""
    kind = model.model_fields.get("kind")
    if kind is None or typing.get_origin(kind.annotation) is not Literal:
        return ""
    return str(typing.get_args(kind.annotation)[0])


def schema_fields(translate: Translate | None = None) -> list[SchemaField]:
    """Every field of the scenario schema, in the order of the schema; tables first, then
    what they hold. A table that comes in several kinds lists each kind's fields; for
    policies, the fields common to every kind come once, before each kind's own."""
    rows: list[SchemaField] = []

    def add(field: FieldInfo, path: str, variant: str = "", table: FieldInfo | None = None) -> None:
        limits = _limits(field)
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            default = ""  # a table with defaults of its own, listed in its rows
        rows.append(
            SchemaField(
                path=path,
                **field_texts(field, translate, table),
                default=default,
                minimum=limits.get("min"),
                maximum=limits.get("max"),
                choices=tuple(limits.get("choices", ())),
                variant=variant,
                required=field.is_required(),
            )
        )

    def visit(model: type[BaseModel], prefix: str, variant: str = "", skip: tuple = ()) -> None:
        for name, field in model.model_fields.items():
            if name in skip:
                continue
            path = prefix + name
            add(field, path, variant)
            annotation = field.annotation
            if typing.get_origin(annotation) is dict:
                annotation = typing.get_args(annotation)[1]
                path = f"{path}.{PLACEHOLDERS.get(name, '<name>')}"
            models = _models_of(annotation)
            if name == "territory" and model is Scenario:
                # the grid's fields, then those only a territory from data has
                visit(Territory, path + ".")
                visit(TerritoryFromData, path + ".", skip=tuple(Territory.model_fields))
            elif name == "policies" and model is Scenario:
                visit(PolicyBase, path + ".")
                for kind, cls in POLICY_BY_KIND.items():
                    visit(cls, path + ".", kind, skip=tuple(PolicyBase.model_fields))
            elif len(models) == 1 and issubclass(models[0], PerZoneKind):
                for child, child_field in models[0].model_fields.items():
                    add(child_field, f"{path}.{child}", variant, table=field)
            elif len(models) == 1:
                visit(models[0], path + ".", variant)
            else:
                for member in models:
                    visit(member, path + ".", _variant(member) or variant)

    visit(Scenario, "")
    return rows


def json_schema() -> dict:
    """The JSON Schema of scenario files, for editors."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {"type": "string", "description": "Parent scenario file."}
    return schema
