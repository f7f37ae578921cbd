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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.messages import shown
from model.scenario import (
    POLICY_BY_KIND,
    Scenario,
    ScenarioError,
    apply_overrides,
    parameter_info,
    read_raw,
    read_toml,
    validate_raw,
)

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
    title: str = ""

    @property
    def label(self) -> str:
        """The schema's plain name, with the unit when the value has one."""
        name = self.title or self.path.split(".")[-1].replace("_", " ")
        return f"{name} ({self.unit})" if self.unit and self.unit != "—" else name

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


def new_policy_overrides(scenario: Scenario, kind: str) -> dict[str, Any]:
    """Overrides adding a policy of `kind`, its required values at their lowest allowed value."""
    if kind not in POLICY_BY_KIND:
        raise ScenarioError(f"policy kind {kind!r}: allowed: {', '.join(POLICY_BY_KIND)}")
    name, number = kind, 2
    while name in scenario.policies:
        name, number = f"{kind}_{number}", number + 1
    overrides: dict[str, Any] = {f"policies.{name}.kind": kind}
    for field, info in POLICY_BY_KIND[kind].model_fields.items():
        if field == "kind" or not info.is_required():
            continue
        low = next((getattr(m, a) for m in info.metadata for a in ("ge", "gt") if hasattr(m, a)), 0)
        overrides[f"policies.{name}.{field}"] = float(low) if info.annotation is float else low
    return overrides
