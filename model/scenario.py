"""Scenario files: the typed, bounded declaration of every parameter of Partage.

A scenario is a TOML file validated against the schema below. Every value is
declared once here, with its type, unit and allowed range; the CLI (`--set`),
the sweeps and the web app's controls all read this declaration.

Rules of the loader:
- `extends = "other.toml"` (relative to the file) loads the parent first; the
  child states only what changes. Tables merge key by key; arrays and scalars
  replace.
- Any value is addressable by a dotted path (`goods.car.purchase_eur`,
  `network.kind`, `territory.zones.centre.income_median_eur`) and can be
  overridden (`--set path=value` on the CLI, `overrides={path: value}` in Python).
- A malformed file, unknown key, wrong type or out-of-range value raises
  `ScenarioError` with one line naming the file, the dotted path, the value
  given and what is allowed. Nothing in a scenario is ever executed.
"""

from __future__ import annotations

import copy
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ZONE_KINDS = ("dense", "suburb", "rural")
ZoneKind = Literal["dense", "suburb", "rural"]
NetworkKind = Literal["small-world", "random", "well-mixed"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line, ready to print."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)


def _unit(unit: str) -> dict:
    return {"unit": unit}


class PerZoneKind(Strict):
    """One value for each zone type."""

    dense: float = Field(ge=0)
    suburb: float = Field(ge=0)
    rural: float = Field(ge=0)

    def of(self, kind: str) -> float:
        return float(getattr(self, kind))


class ShareByZoneKind(PerZoneKind):
    """A share (0..1) for each zone type."""

    dense: float = Field(ge=0, le=1)
    suburb: float = Field(ge=0, le=1)
    rural: float = Field(ge=0, le=1)


class UsesByZoneKind(PerZoneKind):
    """Expected uses per month for each zone type."""

    dense: float = Field(ge=0, le=100, json_schema_extra=_unit("uses/month"))
    suburb: float = Field(ge=0, le=100, json_schema_extra=_unit("uses/month"))
    rural: float = Field(ge=0, le=100, json_schema_extra=_unit("uses/month"))


# --------------------------------------------------------------------------- territory


class Zone(Strict):
    """A zone of the territory; zones are laid out as concentric rings, innermost first."""

    kind: ZoneKind = Field(description="Zone type: dense centre, suburb or rural.")
    household_share: float = Field(
        gt=0, le=1, description="Relative weight of the zone in households (normalised)."
    )
    area_share: float = Field(gt=0, le=1, description="Relative weight of the zone in area (normalised).")
    income_median_eur: float = Field(
        ge=300, le=20000, description="Median monthly disposable income per household.",
        json_schema_extra=_unit("EUR/month"),
    )
    income_sigma: float = Field(ge=0.05, le=1.5, description="Sigma of the log-normal income.")
    trust_mean: float = Field(gt=0, lt=1, description="Mean initial trust in sharing (Beta).")
    trust_concentration: float = Field(
        ge=1, le=500, description="Alpha + beta of the initial trust Beta distribution."
    )
    concern_mean: float = Field(gt=0, lt=1, description="Mean environmental concern (Beta).")
    concern_concentration: float = Field(
        default=4, ge=1, le=500, description="Alpha + beta of the environmental concern Beta distribution."
    )
    digital_access_share: float = Field(ge=0, le=1, description="Share of households using online platforms.")
    rental_access_eur: float = Field(
        ge=0, le=500, description="Cost of reaching a commercial renter, per use (travel, time).",
        json_schema_extra=_unit("EUR/use"),
    )
    share_access_eur: float = Field(
        ge=0, le=500, description="Cost of reaching a peer or a community pool, per use.",
        json_schema_extra=_unit("EUR/use"),
    )


class Territory(Strict):
    name: str = Field(default="territory", max_length=80, description="Name of the territory, for display.")
    households_per_cell: float = Field(
        default=8, ge=1, le=200, description="Mean households per grid cell; sets the grid size."
    )
    zones: dict[Name, Zone] = Field(min_length=1, max_length=12)


class Network(Strict):
    kind: NetworkKind = Field(
        default="small-world",
        description="small-world: spatial neighbours plus long ties; random: ties drawn at random; "
        "well-mixed: everyone sees the territory's averages (mean field).",
    )
    mean_degree: float = Field(default=8, ge=0, le=60, description="Mean number of ties per household.")
    long_tie_share: float = Field(
        default=0.1, ge=0, le=1, description="Share of a household's ties that are long-range (small-world)."
    )
    same_zone_share: float = Field(
        default=0.8, ge=0, le=1, description="Share of long ties kept within the household's zone (homophily)."
    )
    tie_from_sharing_prob: float = Field(
        default=0.05, ge=0, le=1,
        description="Probability that a month of platform or pool sharing creates a new tie.",
    )


# --------------------------------------------------------------------------- goods


class Good(Strict):
    label: str = Field(max_length=40, description="Name shown to people.")
    purchase_eur: float = Field(ge=0, le=1e6, description="Purchase price of the good.", json_schema_extra=_unit("EUR"))
    lifetime_months: int = Field(ge=1, le=600, description="Months an owned good lasts; it wears out with hazard 1 / lifetime.", json_schema_extra=_unit("months"))
    fixed_eur_per_month: float = Field(
        ge=0, le=1e4, description="Insurance, parking, upkeep of an owned good.",
        json_schema_extra=_unit("EUR/month"),
    )
    rent_eur_per_use: float = Field(ge=0, le=1e4, description="Commercial rental price per use.", json_schema_extra=_unit("EUR/use"))
    share_eur_per_use: float = Field(ge=0, le=1e4, description="Peer price per use.", json_schema_extra=_unit("EUR/use"))
    forgo_eur_per_use: float = Field(
        ge=0, le=1e4, description="Value of a use that goes unmet.", json_schema_extra=_unit("EUR/use")
    )
    spare_uses_per_month: float = Field(
        ge=0, le=1000, description="Uses a lent good offers to others per month.",
        json_schema_extra=_unit("uses/month"),
    )
    capacity_uses_per_month: float = Field(
        gt=0, le=1000, description="Uses one pooled or rented unit serves per month.",
        json_schema_extra=_unit("uses/month"),
    )
    bad_experience_prob: float = Field(
        ge=0, le=1, description="Probability that a month of sharing the good goes badly."
    )
    perceived_risk: float = Field(ge=0, le=5, description="How risky sharing it feels (utility units).")
    embodied_kg_co2e: float = Field(ge=0, le=1e5, json_schema_extra=_unit("kg CO2e"))
    need_share: ShareByZoneKind = Field(description="Share of households that need the good.")
    uses_per_month: UsesByZoneKind
    uses_shape: float = Field(
        default=4, ge=0.1, le=1000,
        description="Shape of the gamma spread of a household's uses around its zone's mean (larger: less spread).",
    )
    initial_own_share: ShareByZoneKind = Field(description="Share of needing households owning at month 0.")
    initial_aware_share: float = Field(default=0.05, ge=0, le=1, description="Share of needing households aware at month 0 that the good can be shared.")
    initial_lend_share: float = Field(default=0.05, ge=0, le=1, description="Share of aware owners lending at month 0.")


# --------------------------------------------------------------------------- behaviour


class Behaviour(Strict):
    logit_scale: float = Field(default=1.0, ge=0, le=100, description="Multiplies all utilities.")
    price_weight: float = Field(default=8.0, ge=0, le=200, description="Weight of monthly cost relative to income.")
    convenience_own: float = Field(default=1.2, ge=-10, le=10, description="Convenience of owning (utility units).")
    convenience_rent: float = Field(default=0.3, ge=-10, le=10, description="Convenience of renting (utility units).")
    convenience_share: float = Field(default=0.6, ge=-10, le=10, description="Scaled by expected availability.")
    risk_weight: float = Field(default=2.0, ge=0, le=50, description="Weight of perceived risk, times distrust (1 - trust), in sharing and lending.")
    social_weight: float = Field(default=1.5, ge=0, le=50, description="Weight of the share of ties sharing the good.")
    environment_weight: float = Field(
        default=0.02, ge=0, le=10, description="Weight of avoided embodied emissions, per kg CO2e per month."
    )
    habit_bonus: float = Field(default=0.8, ge=0, le=20, description="Utility bonus of the current mode, and of the current lending choice (status quo).")
    lend_hassle: float = Field(default=0.8, ge=0, le=20, description="Disutility of lending a good.")
    reconsider_months: float = Field(
        default=6, ge=1, le=240, description="Non-owners reconsider a good every this many months on average.",
        json_schema_extra=_unit("months"),
    )
    life_event_rate: float = Field(
        default=0.01, ge=0, le=1, description="Monthly probability that an owner reconsiders before end of life."
    )
    pool_reconsider_rate: float = Field(
        default=0.005, ge=0, le=1,
        description="Monthly probability that an aware owner, to whom a community pool of the good is open, "
        "reconsiders owning it (car-sharing members shed a car soon after joining).",
    )
    awareness_p: float = Field(default=0.005, ge=0, le=1, description="Monthly awareness from media (Bass p).")
    awareness_q: float = Field(default=0.15, ge=0, le=1, description="Word of mouth (Bass q).")
    trust_gain: float = Field(default=0.03, ge=0, le=1, description="Trust gained after a good experience.")
    trust_loss: float = Field(default=0.15, ge=0, le=1, description="Trust lost after a bad experience.")
    trust_drift: float = Field(default=0.02, ge=0, le=1, description="Monthly drift of trust toward ties' trust.")
    availability_learning_rate: float = Field(default=0.3, ge=0, le=1, description="Share of the gap to what was met that expectations close each month.")
    initial_availability: float = Field(
        default=0.7, ge=0, le=1, description="Share of shared uses a household expects to be served before sharing."
    )
    initial_utilization: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of its spare capacity an owner expects to see used before lending.",
    )
    pool_risk_relief: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of perceived risk lifted when a community pool is open to the household "
        "(borrowing from an institution rather than a stranger).",
    )
    always_share_when_aware: bool = Field(
        default=False, description="Validation switch: aware households always share (the Bass limit)."
    )


class Market(Strict):
    platform_fee_share: float = Field(default=0.15, ge=0, le=0.5, description="Platform's cut of a peer payment.")


# --------------------------------------------------------------------------- policies


class PolicyBase(Strict):
    description: str = Field(default="", max_length=2000)
    start_month: int = Field(default=0, ge=0, le=1200, description="First active month (0 = from the start).")
    end_month: int | None = Field(default=None, ge=0, le=1200, description="Last active month; none = no end.")
    zones: list[Name] = Field(default_factory=list, description="Target zones; empty = all.")
    quintiles: list[Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=list, description="Target income quintiles (1 = poorest); empty = all."
    )
    goods: list[Name] = Field(default_factory=list, description="Target goods; empty = all.")
    investment_eur: float = Field(default=0, ge=0, le=1e10, description="One-off public investment, paid in the first simulated month the policy is active.", json_schema_extra=_unit("EUR"))
    running_eur_per_month: float = Field(default=0, ge=0, le=1e9, description="Public running cost per active month.", json_schema_extra=_unit("EUR/month"))

    @model_validator(mode="after")
    def _window(self):
        if self.end_month is not None and self.end_month < self.start_month:
            raise ValueError(f"end_month ({self.end_month}) is before start_month ({self.start_month})")
        return self

    def active(self, month: int) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


class SharingSubsidy(PolicyBase):
    """A voucher, local currency or time-bank credit paid per shared use."""

    kind: Literal["sharing_subsidy"]
    eur_per_use: float = Field(ge=0, le=1000, description="Subsidy per shared use, paid by the public.", json_schema_extra=_unit("EUR/use"))
    max_share_of_price: float = Field(default=1.0, ge=0, le=1, description="Cap as a share of the peer price.")


class OwnershipCost(PolicyBase):
    """Resident parking fee or fewer mandatory parking spaces: owning costs more."""

    kind: Literal["ownership_cost"]
    eur_per_month: float = Field(ge=0, le=5000, description="Monthly fee added to owning the good (public revenue).", json_schema_extra=_unit("EUR/month"))


class CommunityPool(PolicyBase):
    """Municipal tool library, car-sharing fleet or pooled equipment lent to residents."""

    kind: Literal["community_pool"]
    units_per_1000_households: float = Field(ge=0, le=1000, description="Units of the good in the pool per 1 000 households of each target zone.")
    price_eur_per_use: float = Field(default=0, ge=0, le=1e4, description="Price a borrower pays the commune per pooled use (public revenue).", json_schema_extra=_unit("EUR/use"))
    investment_eur_per_unit: float = Field(default=0, ge=0, le=1e6, description="Public investment per pool unit, paid in the first active month.", json_schema_extra=_unit("EUR"))
    running_eur_per_unit_month: float = Field(default=0, ge=0, le=1e5, description="Public running cost per pool unit and active month.", json_schema_extra=_unit("EUR/month"))


class CarsharingParking(PolicyBase):
    """Dedicated spots for shared cars: cheaper, easier access to a shared car."""

    kind: Literal["carsharing_parking"]
    goods: list[Name] = Field(default_factory=lambda: ["car"], description="Target goods: shared cars.")
    access_discount_eur_per_use: float = Field(ge=0, le=500, description="Access cost per shared use saved by a reserved spot.", json_schema_extra=_unit("EUR/use"))
    convenience_bonus: float = Field(default=0.3, ge=0, le=5, description="Added convenience of sharing (utility units).")
    spots_per_1000_households: float = Field(default=2, ge=0, le=1000, description="Reserved spots per 1 000 households of each target zone (their cost).")
    eur_per_spot_month: float = Field(default=50, ge=0, le=1e4, description="Public cost per spot and active month.", json_schema_extra=_unit("EUR/month"))


class InsuranceFund(PolicyBase):
    """A public guarantee fund covering losses of peer sharing."""

    kind: Literal["insurance_fund"]
    cover_share: float = Field(ge=0, le=1, description="Share of a bad experience's loss covered.")
    claim_eur: float = Field(
        default=100, ge=0, le=1e5, description="Mean payout per covered bad experience.",
        json_schema_extra=_unit("EUR"),
    )


class TrustLabel(PolicyBase):
    """A trust label or support to reputation systems: fewer bad experiences, less perceived risk."""

    kind: Literal["trust_label"]
    bad_experience_reduction: float = Field(ge=0, le=1, description="Share by which the label lowers the rate of bad experiences.")
    perceived_risk_reduction: float = Field(default=0.3, ge=0, le=1, description="Share by which the label lowers perceived risk.")


class AwarenessCampaign(PolicyBase):
    """Forum, events, mapping of local sharing actors: raises Bass p."""

    kind: Literal["awareness_campaign"]
    extra_awareness_p: float = Field(ge=0, le=1, description="Added monthly awareness probability.")


class ThirdPlaces(PolicyBase):
    """Repair cafés, shared gardens, coworking, fab labs: new ties and trust."""

    kind: Literal["third_places"]
    ties_per_1000_households_month: float = Field(ge=0, le=1000, description="New ties per 1 000 households of each target zone and month.")
    trust_boost_per_month: float = Field(default=0.002, ge=0, le=0.2, description="Share of the gap to full trust closed each month for residents reached.")


class DigitalInclusion(PolicyBase):
    """Training that brings households online, opening platform sharing."""

    kind: Literal["digital_inclusion"]
    trained_share_per_month: float = Field(ge=0, le=1, description="Share of offline households trained each month.")
    eur_per_trainee: float = Field(default=150, ge=0, le=1e4, description="Public cost of training one household.", json_schema_extra=_unit("EUR"))


class PublicPlatform(PolicyBase):
    """A public or cooperative platform with no (or a low) fee."""

    kind: Literal["public_platform"]
    fee_share: float = Field(default=0, ge=0, le=0.5, description="Fee of the public platform, a share of each platform payment.")


class RentalSupport(PolicyBase):
    """Support for commercial rental in under-served zones."""

    kind: Literal["rental_support"]
    rent_discount_eur_per_use: float = Field(
        default=0, ge=0, le=1e4, description="Support per rented use, paid by the public.",
        json_schema_extra=_unit("EUR/use"),
    )
    access_discount_eur_per_use: float = Field(
        default=0, ge=0, le=500, description="Access cost per rented use paid by the public (e.g. a closer agency).",
        json_schema_extra=_unit("EUR/use"),
    )


POLICY_KINDS = (
    SharingSubsidy, OwnershipCost, CommunityPool, CarsharingParking, InsuranceFund, TrustLabel,
    AwarenessCampaign, ThirdPlaces, DigitalInclusion, PublicPlatform, RentalSupport,
)
Policy = Annotated[Union[POLICY_KINDS], Field(discriminator="kind")]  # noqa: UP007
POLICY_BY_KIND = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in POLICY_KINDS}


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=4000)
    households: int = Field(
        default=10_000, ge=10, le=5_000_000,
        description="Households simulated: a sample of the territory's; counts are per household simulated.",
    )
    months: int = Field(
        default=120, ge=1, le=1200, description="Horizon: months simulated after the initial state.",
        json_schema_extra=_unit("months"),
    )
    seed: int = Field(
        default=42, ge=0, le=2**63 - 1,
        description="Seed of the model's random generator: the same scenario and seed give the same run.",
    )
    territory: Territory
    network: Network = Network()
    goods: dict[Name, Good] = Field(min_length=1, max_length=12)
    behaviour: Behaviour = Behaviour()
    market: Market = Market()
    policies: dict[Name, Policy] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self):
        for name, policy in self.policies.items():
            for zone in policy.zones:
                if zone not in self.territory.zones:
                    raise ValueError(
                        f"policies.{name}.zones: unknown zone {zone!r}; "
                        f"allowed: {', '.join(self.territory.zones)}"
                    )
            for good in policy.goods:
                if good not in self.goods:
                    raise ValueError(
                        f"policies.{name}.goods: unknown good {good!r}; allowed: {', '.join(self.goods)}"
                    )
        return self

    # -- dotted paths

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. `goods.car.purchase_eur`."""
        node: Any = self.model_dump()
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(f"{self.name}: {path}: no such parameter")
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
        return list(self.territory.zones)


# --------------------------------------------------------------------------- loading


def parse_value(text: str) -> Any:
    """A `--set` value: a TOML literal (number, boolean, string, array), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split `path=value` as given to `--set`."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"--set {text!r}: expected path=value, e.g. goods.car.purchase_eur=20000")
    return path.strip(), parse_value(value.strip())


def apply_overrides(raw: dict, overrides: Mapping[str, Any]) -> dict:
    """A copy of `raw` with each dotted path set to its value (tables created as needed)."""
    raw = copy.deepcopy(raw)
    for path, value in overrides.items():
        keys = path.split(".")
        node = raw
        for depth, key in enumerate(keys[:-1]):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                where = ".".join(keys[: depth + 1])
                raise ScenarioError(f"override {path}: {where} is a value, not a table")
            node = child
        node[keys[-1]] = value
    return raw


def _merge(parent: dict, child: dict) -> dict:
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """The raw table of a scenario file with its `extends` chain merged in."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    resolved = path.resolve()
    if resolved in _seen:
        raise ScenarioError(f"{path}: extends itself (cycle through {', '.join(p.name for p in _seen)})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str):
        raise ScenarioError(f"{path}: extends = {parent_name!r}: expected a file name as a string")
    parent = read_raw(path.parent / parent_name, (*_seen, resolved))
    parent.pop("name", None)
    parent.pop("description", None)
    return _merge(parent, raw)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge, override and validate a scenario file."""
    raw = read_raw(path)
    raw.setdefault("name", Path(path).stem)
    overrides = dict(overrides or {})
    return validate_raw(apply_overrides(raw, overrides), str(path), set(overrides))


def validate_raw(raw: dict, source: str = "scenario", overridden: set[str] | None = None) -> Scenario:
    """Validate a raw table, turning the first problem into a one-line `ScenarioError`."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(_one_line(error, raw, source, overridden or set())) from None


# --------------------------------------------------------------------------- error messages


def _one_line(error: ValidationError, raw: dict, source: str, overridden: set[str]) -> str:
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = [str(part) for part in first["loc"]]
    path, field, model = _walk(loc)
    dotted = ".".join(path) or "(top level)"
    origin = f"{source} (--set {dotted})" if dotted in overridden else source
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if model else "?"
        return f"{origin}: {dotted}: unknown key; allowed keys here: {allowed}{more}"
    if kind == "missing":
        return f"{origin}: {dotted}: required value is missing{more}"
    if kind == "value_error" and not path:
        return f"{origin}: {first['msg'].removeprefix('Value error, ')}{more}"
    given = _value_at(raw, path)
    allowed = _allowed(field) if field else ""
    message = first["msg"].removeprefix("Value error, ")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        message = "unknown policy kind" if kind == "union_tag_invalid" else "policy needs a kind"
        allowed = "one of " + ", ".join(POLICY_BY_KIND)
    return f"{origin}: {dotted} = {given!r}: {message}" + (f"; allowed: {allowed}" if allowed else "") + more


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
    base = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}.get(annotation, "")
    if low is None and high is None:
        return base
    return f"{base} from {low if low is not None else '-inf'} to {high if high is not None else 'inf'}"


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


def parameter_info(scenario: Scenario, path: str) -> dict:
    """Type, bounds, unit and description of the parameter at a dotted path.

    Used by sweeps (to check ranges) and by the web app (to build controls). A policy's
    field (`policies.<name>.<field>`) is read from the class of that policy's kind.
    """
    keys = path.split(".")
    if len(keys) >= 3 and keys[0] == "policies" and keys[1] in scenario.policies:
        keys.insert(2, scenario.policies[keys[1]].kind)
    _, field, _ = _walk(keys)
    if field is None:
        raise ScenarioError(f"{scenario.name}: {path}: no such parameter")
    info: dict[str, Any] = {"path": path, "value": scenario.get(path), "description": field.description or ""}
    annotation = field.annotation
    if typing.get_origin(annotation) is Literal:
        info["type"] = "choice"
        info["choices"] = list(typing.get_args(annotation))
    else:
        info["type"] = {float: "float", int: "int", bool: "bool", str: "str"}.get(annotation, "other")
    for meta in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if hasattr(meta, attr):
                info[{"ge": "min", "gt": "min", "le": "max", "lt": "max"}[attr]] = getattr(meta, attr)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    info["unit"] = extra.get("unit", "")
    return info


def json_schema() -> dict:
    """The JSON Schema of scenario files, for editors."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {"type": "string", "description": "Parent scenario file."}
    return schema
