"""docs/ODD.md stays true to the code: every parameter of the schema with its default, every module."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from model.scenario import (
    POLICY_KINDS,
    Behaviour,
    Good,
    Market,
    Network,
    PerZoneKind,
    Scenario,
    Territory,
    TerritoryFromData,
    Zone,
    ZoneKindDefaults,
)

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "ODD.md"


def written_default(field) -> str:
    """A schema default as the ODD's tables write it."""
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]" if value else "[] (all)"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, PerZoneKind):
        return " / ".join(f"{value.of(kind):g}" for kind in ("dense", "suburb", "rural"))
    return f"{value:g}"


def schema_parameters() -> list[tuple[str, str]]:
    """(dotted path as the ODD writes it, default as written) for every leaf of the scenario schema."""
    found = []

    def leaves(model: type[BaseModel], prefix: str, skip: tuple[str, ...] = ()) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if name in skip or typing.get_origin(annotation) is dict or name == "territory":
                continue  # a policy's kind names its table; zones, goods, policies, territories are tables
            if isinstance(annotation, type) and issubclass(annotation, PerZoneKind):
                found.append((f"{prefix}{name}.<dense/suburb/rural>", written_default(field)))
            elif not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                found.append((f"{prefix}{name}", written_default(field)))

    leaves(Scenario, "")
    leaves(Territory, "territory.")
    leaves(TerritoryFromData, "territory.")
    leaves(ZoneKindDefaults, "territory.zone_defaults.")
    leaves(Zone, "territory.zones.<zone>.")
    leaves(Network, "network.")
    leaves(Good, "goods.<good>.")
    leaves(Behaviour, "behaviour.")
    leaves(Market, "market.")
    for kind in POLICY_KINDS:
        leaves(kind, "policies.<name>.", skip=("kind",))
    return found


def table_rows() -> dict[str, set[str]]:
    """Dotted path -> the defaults written on its rows of the ODD's tables."""
    rows: dict[str, set[str]] = {}
    for line in ODD.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([^`]+)` \|([^|]*)\|([^|]*)\|", line)
        if match:
            rows.setdefault(match.group(1), set()).add(match.group(3).strip())
    return rows


def test_every_parameter_is_in_the_odd_with_its_schema_default():
    rows = table_rows()
    for path, default in schema_parameters():
        assert path in rows, f"docs/ODD.md has no row for {path}"
        assert any(d.startswith(default) for d in rows[path]), (
            f"{path}: ODD gives {rows[path]}, schema {default}"
        )


def test_every_module_of_the_model_is_named_in_the_odd():
    text = ODD.read_text(encoding="utf-8")
    for module in sorted((ROOT / "model").glob("*.py")):
        if module.stem not in ("__init__", "simulate"):
            assert f"model/{module.name}" in text or f"`{module.stem}`" in text, module.name
