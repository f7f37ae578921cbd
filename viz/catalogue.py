"""What the app offers to change: scenario files, edited or uploaded scenarios, and the levers.

Rules:
- Scenarios are the TOML files of `scenarios/`; an edited or uploaded text is
  parsed as TOML (never executed), its `extends` may only name a file of
  `scenarios/`, and it is validated by the scenario schema. Problems come back
  as the schema's one-line `ScenarioError`.
- Controls are generated from the schema: a lever is a dotted path, and its
  type, bounds, choices, unit and description come from `parameter_info`.
  The app keeps no defaults of its own; it only chooses which paths to show.
- The app caps the number of households at `MAX_HOUSEHOLDS` to stay responsive.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.messages import shown
from model.scenario import (
    POLICY_BY_KIND,
    Scenario,
    ScenarioError,
    Territory,
    apply_overrides,
    parameter_info,
    read_raw,
    read_toml,
    validate_raw,
)
from viz.i18n import WITHOUT_POLICIES  # the suffix of a baseline made by `baseline_for`

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"
BASELINE = "baseline"
MAX_HOUSEHOLDS = 20_000
MAX_UPLOAD_BYTES = 200_000

# Key parameters shown for every scenario (paths only: values and bounds come from the schema).
KEY_PATHS = (
    "behaviour.awareness_p",
    "behaviour.awareness_q",
    "behaviour.price_weight",
    "behaviour.risk_weight",
    "behaviour.social_weight",
    "network.kind",
    "network.mean_degree",
    "market.platform_fee_share",
)
# Per good, the prices that make owning or sharing worthwhile.
GOOD_FIELDS = ("purchase_eur", "share_eur_per_use")
# Policy fields that are not levers (text, targets, the kind itself).
NOT_LEVERS = {"kind", "description", "zones", "quintiles", "goods", "end_month"}


def scenario_names(directory: Path = SCENARIO_DIR) -> list[str]:
    """Scenario files available, baseline first."""
    names = sorted(p.stem for p in directory.glob("*.toml"))
    if BASELINE in names:
        names.remove(BASELINE)
        names.insert(0, BASELINE)
    return names


def baseline_for(scenario: Scenario) -> Scenario:
    """What `scenario` is measured against: on the abstract grid, the baseline file; on a
    territory from data, the same scenario without its policies (same zones, goods, behaviour,
    households and seed), since the grid's baseline is another place."""
    if is_on_grid(scenario):
        return load_named(BASELINE)
    name = f"{scenario.name[:62]}{WITHOUT_POLICIES}"
    return scenario.with_overrides({"policies": {}, "name": name}, source=scenario.name)


def is_on_grid(scenario: Scenario) -> bool:
    return isinstance(scenario.territory, Territory)


def scenario_path(name: str, directory: Path = SCENARIO_DIR) -> Path:
    if "/" in name or "\\" in name or name.startswith("."):
        raise ScenarioError(f"{name}: not a scenario name")
    return directory / f"{name}.toml"


def scenario_text(name: str, directory: Path = SCENARIO_DIR) -> str:
    return scenario_path(name, directory).read_text(encoding="utf-8")


def _flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def scenario_from_text(
    text: str | bytes, source: str = "edited scenario", directory: Path = SCENARIO_DIR
) -> Scenario:
    """Validate a scenario given as TOML text; `extends` names a file of the scenario folder."""
    if isinstance(text, bytes):
        if len(text) > MAX_UPLOAD_BYTES:
            raise ScenarioError(
                f"{source}: file too large ({len(text)} bytes, at most {MAX_UPLOAD_BYTES})"
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(f"{source}: not a UTF-8 text file") from None
    raw = read_toml(text, source)
    parent_name = raw.pop("extends", None)
    if parent_name is not None:
        if not isinstance(parent_name, str):
            raise ScenarioError(
                f"{source}: extends = {shown(parent_name)}: expected a file name as a string"
            )
        parent_file = directory / parent_name
        if Path(parent_name).name != parent_name or not parent_file.is_file():
            allowed = ", ".join(f"{n}.toml" for n in scenario_names(directory))
            raise ScenarioError(f"{source}: extends = {shown(parent_name)}: allowed: {allowed}")
        parent = read_raw(parent_file)
        parent.pop("name", None)
        parent.pop("description", None)
        raw = apply_overrides(parent, _flatten(raw))
    raw.setdefault("name", "edited")
    return validate_raw(raw, source)


def extended_name(text: str | bytes, directory: Path = SCENARIO_DIR) -> str:
    """The library file a scenario text extends (its stem), the baseline when it names none."""
    try:
        raw = read_toml(text.decode("utf-8") if isinstance(text, bytes) else text, "scenario")
    except (ScenarioError, UnicodeDecodeError):
        return BASELINE
    parent = raw.get("extends")
    stem = Path(parent).stem if isinstance(parent, str) else BASELINE
    return stem if stem in scenario_names(directory) else BASELINE


def differences(scenario: Scenario, parent: Scenario) -> dict[str, Any]:
    """The dotted paths where `scenario` differs from `parent`, with its values (overrides that
    turn `parent` into `scenario`, for the settings a link carries)."""
    mine = _flatten(scenario.model_dump(mode="json", exclude_none=True))
    theirs = _flatten(parent.model_dump(mode="json", exclude_none=True))
    return {path: value for path, value in mine.items() if theirs.get(path, None) != value}


def load_named(name: str, directory: Path = SCENARIO_DIR) -> Scenario:
    from model.scenario import load_scenario

    return load_scenario(scenario_path(name, directory))


# --------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class Lever:
    """One control: a dotted path with what the schema says about it."""

    path: str
    type: str  # float, int, bool, choice
    value: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    unit: str = ""
    description: str = ""
    group: str = ""
    title: str = ""  # the schema's label

    @property
    def label(self) -> str:
        """The schema's plain name (the field's words when the schema has none); the unit is
        shown with the value."""
        return self.title or self.path.split(".")[-1].replace("_", " ")

    def slider_step(self) -> float:
        """A round step (1, 2 or 5 times a power of ten) of about a hundredth of the slider,
        the largest such step near that size that puts the file's value on the slider's grid."""
        low, high = self.slider_range()
        if high <= low:
            return 1.0
        raw = (high - low) / 100
        magnitude = 10 ** math.floor(math.log10(raw))
        steps = [m * magnitude * scale for scale in (10, 1, 0.1) for m in (5, 2, 1)]
        steps = [step for step in steps if raw / 10 <= step <= raw * 2.5]
        for step in steps:
            ticks = (float(self.value) - low) / step
            if abs(ticks - round(ticks)) < 1e-9:
                return step
        return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * 0.999)

    def slider_range(self) -> tuple[float, float]:
        """Slider ends: the schema's bounds, the upper one brought near the current value when huge."""
        low = 0.0 if self.minimum is None else float(self.minimum)
        value = abs(float(self.value))
        high = float(self.maximum) if self.maximum is not None else max(1.0, 10 * value)
        if self.path.split(".")[-1] in ("start_month", "households", "months"):
            return low, high
        if value > 0 and high > 20 * value:
            high = max(low + 1e-9, 5 * value)
        elif value == 0 and high > 1000:
            high = 1000.0
        return low, high


def _lever(scenario: Scenario, path: str, group: str) -> Lever | None:
    info = parameter_info(scenario, path)
    if info["type"] not in ("float", "int", "bool", "choice"):
        return None
    maximum = info.get("max")
    if path == "households":
        maximum = min(maximum or MAX_HOUSEHOLDS, MAX_HOUSEHOLDS)
    elif path.split(".")[-1] == "start_month":
        maximum = min(maximum if maximum is not None else scenario.months, scenario.months)
    return Lever(
        path=path,
        type=info["type"],
        value=info["value"],
        minimum=info.get("min"),
        maximum=maximum,
        choices=tuple(info.get("choices", ())),
        unit=info.get("unit", ""),
        description=info.get("description", ""),
        group=group,
        title=info.get("label", ""),
    )


def policy_lever_paths(scenario: Scenario) -> list[str]:
    paths = []
    for name, policy in scenario.policies.items():
        for field in type(policy).model_fields:
            if field not in NOT_LEVERS:
                paths.append(f"policies.{name}.{field}")
    return paths


def levers(scenario: Scenario) -> list[Lever]:
    """The controls for a scenario: its policies' levers first, then the key parameters."""
    out: list[Lever] = []
    for path in policy_lever_paths(scenario):
        lever = _lever(scenario, path, f"policy {path.split('.')[1]}")
        if lever is not None:
            out.append(lever)
    for path in KEY_PATHS:
        out.append(_lever(scenario, path, path.split(".")[0]))
    for good in scenario.goods:
        for field in GOOD_FIELDS:
            out.append(_lever(scenario, f"goods.{good}.{field}", f"good {good}"))
    return [lever for lever in out if lever is not None]


def run_lever(scenario: Scenario, path: str) -> Lever:
    """The households, months and seed controls (households capped for the app)."""
    lever = _lever(scenario, path, "run")
    assert lever is not None
    return lever


def coerce(lever: Lever, value: Any) -> Any:
    """A control's value in the type the schema expects (sliders give floats)."""
    if lever.type == "int":
        return int(round(float(value)))
    if lever.type == "float":
        return float(value)
    if lever.type == "bool":
        return bool(value)
    return value


def policy_kinds() -> list[str]:
    return list(POLICY_BY_KIND)


def library_policy(kind: str, directory: Path = SCENARIO_DIR) -> dict[str, Any]:
    """The settings of a policy of `kind` in the library, taken from the scenario with the fewest
    policies that has one (the lever's own scenario), without its description and targets."""
    raws = [read_raw(scenario_path(name, directory)) for name in scenario_names(directory)]
    raws.sort(key=lambda raw: len(raw.get("policies") or {}))
    for raw in raws:
        for policy in (raw.get("policies") or {}).values():
            if isinstance(policy, dict) and policy.get("kind") == kind:
                return {
                    k: v
                    for k, v in policy.items()
                    if k not in ("description", "zones", "quintiles")
                }
    return {}


def new_policy_overrides(scenario: Scenario, kind: str) -> dict[str, Any]:
    """Overrides adding a policy of `kind` at the values the library's scenario gives it
    (required values the library does not give start at their lowest allowed value)."""
    if kind not in POLICY_BY_KIND:
        raise ScenarioError(f"policy kind {kind!r}: allowed: {', '.join(POLICY_BY_KIND)}")
    name, number = kind, 2
    while name in scenario.policies:
        name, number = f"{kind}_{number}", number + 1
    library = library_policy(kind)
    overrides: dict[str, Any] = {f"policies.{name}.kind": kind}
    for field, info in POLICY_BY_KIND[kind].model_fields.items():
        if field == "kind":
            continue
        if field in library:
            overrides[f"policies.{name}.{field}"] = library[field]
        elif info.is_required():
            low = next(
                (getattr(m, a) for m in info.metadata for a in ("ge", "gt") if hasattr(m, a)), 0
            )
            overrides[f"policies.{name}.{field}"] = float(low) if info.annotation is float else low
    return overrides


def safe_file_stem(name: str) -> str:
    """A name made safe as a file name: lowercase letters, digits and underscores only."""
    stem = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:40]
    return stem or "scenario"


def scenario_toml(scenario: Scenario, settings: dict[str, Any] | None = None) -> str:
    """The scenario as a complete TOML file that `partage run` reads back to the same scenario."""
    import tomli_w

    raw = scenario.model_dump(mode="json", exclude_none=True)
    raw.update(settings or {})
    return tomli_w.dumps(raw)
