"""A territory from data: zone polygons and a table of public figures, read, checked and completed.

Rules:
- Polygons are read with geopandas (pyogrio: GeoJSON, GeoPackage, Shapefile) in
  the CRS the file declares, and reprojected to lon/lat (EPSG:4326) for maps and
  to a local Lambert azimuthal equal-area projection centred on the territory
  (metres) for areas, placement and distances.
- The figures table (CSV) has one row per zone, joined to the polygons by the
  key column; zones keep the order of the table's rows.
- Household incomes: a median per consumption unit is multiplied by the
  consumption units of a household (`consumption_units_per_household`, else
  1 + 0.5 x (persons per household - 1) from a `population` column, else 1.5).
- A zone's kind is its `kind` column, else its density in households per km2
  (the `area_km2` column, else the polygon's area): dense from
  `dense_households_per_km2`, rural below `rural_households_per_km2`, suburb
  between. Every other missing value comes from `zone_defaults` for that kind.
- The car good: a zone's needing share is raised to at least its share of
  households with a car (a household owning a car needs one), and the share
  of needing households owning one at month 0 is set so that the share of all
  its households owning one is 1 - the car-free share. Where the table has a
  share of households with two cars or more (`multi_car_share_column`), it
  sets the share of car owners holding several; it cannot exceed 1 - the
  car-free share. Elsewhere the car good's `initial_multi_owner_share` of the
  zone's kind applies, and the zone is listed among the values filled in.
- The schema (`model.scenario`) calls this module and hands it the zone model to
  build; this module imports nothing of the model.
- Any problem raises `TerritoryDataError` (a `ScenarioError` once the schema has
  passed it on) with one line naming the file, the feature
  or row, the field and what is allowed. Files are read once per content
  (cached by path, size and modification time).
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


class TerritoryDataError(ValueError):
    """Territory files that cannot be used; the message is one line, ready to print."""


LONLAT = "EPSG:4326"
COUPLE_CONSUMPTION_UNITS = 1.5  # OECD-modified scale: 1 for the first adult, 0.5 for the second
GOOD_COLUMN = re.compile(r"^([a-z][a-z0-9_]*)\.(need_share|uses_per_month|initial_own_share)$")
ZONE_FIELDS = (
    "income_sigma",
    "trust_mean",
    "trust_concentration",
    "concern_mean",
    "digital_access_share",
    "rental_access_eur",
    "share_access_eur",
)
MULTI_CAR_DEFAULT = (
    "no two-or-more-cars figure: the car good's initial_multi_owner_share of the zone's kind "
    "times the zone's share of households with a car"
)
SHARE_FIELDS = ("trust_mean", "concern_mean", "digital_access_share")


@dataclass
class RealTerritory:
    """The zones of a territory from data, in the order of the figures table."""

    keys: list[str]
    names: list[str]
    zones: dict  # key -> the zone's parameters (`model.scenario.Zone`), as for a grid zone
    polygons: object  # geopandas GeoSeries in lon/lat, one per zone
    projected: object  # the same in metres (local equal-area projection)
    metric_crs: str  # PROJ string of that projection
    households: np.ndarray  # (Z,) real households (the figures' counts)
    area_km2: np.ndarray  # (Z,)
    car_free_share: np.ndarray  # (Z,)
    multi_car_share: np.ndarray  # (Z,) share of households with two cars or more; NaN = default
    income_eur: np.ndarray  # (Z,) median monthly income per household
    good_columns: dict[tuple[str, str], np.ndarray]  # (good, field) -> (Z,) values, NaN = default
    filled: pd.DataFrame  # key, name, field, value, reason: what was filled in and why
    groups: dict[str, list[str]]  # group -> zone keys
    car_good: str
    figures_path: str
    polygons_path: str
    raw_groups: dict[str, list[str]] = field(default_factory=dict)  # group -> references as written
    _index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        index = {}
        for i, (key, name) in enumerate(zip(self.keys, self.names, strict=True)):
            index.setdefault(key, i)
            index.setdefault(name, i)
            index.setdefault(name.casefold(), i)
        self._index = index

    @property
    def density_households_per_km2(self) -> np.ndarray:
        return self.households / self.area_km2

    def lookup(self, ref: str) -> list[int] | None:
        """Zone indices a reference designates (a key, a name, or a group), or None if unknown."""
        if ref in self._index:
            return [self._index[ref]]
        if ref.casefold() in self._index:
            return [self._index[ref.casefold()]]
        if ref in self.groups:
            return [self._index[key] for key in self.groups[ref]]
        return None

    def flags(self, refs: list[str]) -> np.ndarray:
        """(Z,) flags of the zones designated by a list of references."""
        flags = np.zeros(len(self.keys), dtype=bool)
        for ref in refs:
            flags[self.lookup(ref) or []] = True
        return flags

    def check_references(self, refs: list[str], where: str) -> None:
        for ref in refs:
            if self.lookup(ref) is None:
                groups = f"; groups: {', '.join(self.groups)}" if self.groups else ""
                raise TerritoryDataError(
                    f"{where}: unknown zone or group {ref!r}; allowed: a key of {self.figures_path} "
                    f"({_listing(self.keys)}), a name ({_listing(self.names)}){groups}"
                )

    def check_groups(self, source: str) -> None:
        for group, members in self.raw_groups.items():
            for ref in members:
                if ref not in self._index and ref.casefold() not in self._index:
                    raise TerritoryDataError(
                        f"{source}: territory.groups.{group}: unknown zone {ref!r}; allowed: a key "
                        f"({_listing(self.keys)}) or a name ({_listing(self.names)})"
                    )

    def check_goods(self, goods: list[str], source: str) -> None:
        for good, attr in self.good_columns:
            if good not in goods:
                raise TerritoryDataError(
                    f"{self.figures_path}: column {good}.{attr}: unknown good {good!r}; "
                    f"allowed: {', '.join(goods)} (in {source})"
                )

    def apply_to_goods(
        self,
        good_names: list[str],
        need_share,
        uses_per_month,
        initial_own_share,
        initial_multi_owner_share=None,
    ) -> None:
        """Replace the goods' by-kind (Z, G) values with the zones' own figures (in place), and
        set the car good's month-0 ownership to the observed share of households with a car, and
        the share of its owners holding two or more to the zone's figure where it has one."""
        tables = {
            "need_share": need_share,
            "uses_per_month": uses_per_month,
            "initial_own_share": initial_own_share,
        }
        for (good, attr), values in self.good_columns.items():
            if good in good_names:
                column = tables[attr][:, good_names.index(good)]
                given = ~np.isnan(values)
                column[given] = values[given]
        if self.car_good in good_names:
            g = good_names.index(self.car_good)
            with_car = 1.0 - self.car_free_share
            need_share[:, g] = np.maximum(need_share[:, g], with_car)
            initial_own_share[:, g] = np.divide(
                with_car, need_share[:, g], out=np.zeros_like(with_car), where=need_share[:, g] > 0
            )
            if initial_multi_owner_share is not None:
                known = ~np.isnan(self.multi_car_share)
                initial_multi_owner_share[known, g] = np.divide(
                    self.multi_car_share[known],
                    with_car[known],
                    out=np.zeros(int(known.sum())),
                    where=with_car[known] > 0,
                )

    def table(self) -> pd.DataFrame:
        """One row per zone: key, name, kind, households, area, density, income, car-free share."""
        return pd.DataFrame(
            {
                "key": self.keys,
                "name": self.names,
                "kind": [z.kind for z in self.zones.values()],
                "households": self.households.astype(np.int64),
                "area_km2": self.area_km2,
                "density_households_per_km2": self.density_households_per_km2,
                "income_eur_per_month_per_household": self.income_eur,
                "car_free_share": self.car_free_share,
                "digital_access_share": [z.digital_access_share for z in self.zones.values()],
                "trust_mean": [z.trust_mean for z in self.zones.values()],
            }
        )


def _listing(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


_CACHE: dict[tuple, RealTerritory] = {}


def read_territory(territory, zone_model) -> RealTerritory:
    """The zones of a `TerritoryFromData`, read from its files, each built as a `zone_model` (once per
    content of the files and settings)."""
    stamps = []
    for path in (territory.polygons, territory.figures):
        try:
            stat = Path(path).stat()
            stamps.append((path, stat.st_size, stat.st_mtime_ns))
        except OSError:
            stamps.append((path, None, None))
    key = (territory.model_dump_json(), tuple(stamps))
    if key not in _CACHE:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = _read(territory, zone_model)
    return _CACHE[key]


def read_polygons(path: str, key_column: str):
    """Polygons of a geodata file in lon/lat, indexed by key (as text), checked feature by feature."""
    import geopandas as gpd
    import pyogrio
    import shapely

    if not Path(path).is_file():
        raise TerritoryDataError(f"{path}: no such polygons file")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        ValueError,
        OSError,
    ) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TerritoryDataError(
            f"{path}: not a geodata file ({reason}); allowed: GeoJSON, GeoPackage or Shapefile with polygons"
        ) from None
    if frame.empty:
        raise TerritoryDataError(f"{path}: no feature; allowed: a file with one polygon per zone")
    if key_column not in frame.columns:
        fields = [c for c in frame.columns if c != "geometry"]
        raise TerritoryDataError(
            f"{path}: key column {key_column!r} missing from the features' fields; allowed: {', '.join(fields) or 'none'}"
        )
    _check_geojson_crs(path)
    if frame.crs is None:
        raise TerritoryDataError(
            f"{path}: CRS: none declared or unreadable; allowed: a file declaring its CRS (a .prj beside "
            "a Shapefile, a GeoPackage's SRS; a GeoJSON without one is lon/lat)"
        )
    keys = _as_keys(frame[key_column])
    geometry = frame.geometry
    for i in range(len(frame)):
        where = f"{path}: feature {i + 1} ({key_column} {keys[i]})"
        geom = geometry.iloc[i]
        if keys[i] == "":
            raise TerritoryDataError(
                f"{path}: feature {i + 1}: {key_column}: empty; allowed: a key for every feature"
            )
        if geom is None or geom.is_empty:
            raise TerritoryDataError(
                f"{where}: geometry: empty; allowed: a Polygon or MultiPolygon"
            )
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise TerritoryDataError(
                f"{where}: geometry: a {geom.geom_type}; allowed: a Polygon or MultiPolygon"
            )
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            raise TerritoryDataError(
                f"{where}: geometry: invalid ({reason}); allowed: a valid polygon"
            )
    duplicated = pd.Series(keys).duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise TerritoryDataError(
            f"{path}: feature {i + 1}: {key_column} {keys[i]!r}: duplicate key; allowed: one feature per key"
        )
    try:
        lonlat = geometry.to_crs(LONLAT)
    except Exception as error:  # noqa: BLE001 - pyproj raises several kinds; all mean the same here
        raise TerritoryDataError(
            f"{path}: CRS {frame.crs}: cannot be transformed to lon/lat ({str(error).splitlines()[0]}); "
            "allowed: a CRS PROJ knows"
        ) from None
    west, south, east, north = lonlat.total_bounds
    if not (
        np.isfinite(lonlat.total_bounds).all()
        and -180 <= west <= east <= 180
        and -90 <= south <= north <= 90
    ):
        raise TerritoryDataError(
            f"{path}: CRS {frame.crs}: coordinates do not map to lon/lat; allowed: the CRS of the coordinates"
        )
    _check_area_of_use(path, frame.crs, lonlat.total_bounds)
    lonlat.index = pd.Index(keys, name="key")
    return lonlat


AREA_MARGIN_DEG = 2.0  # how far outside its CRS's area of use a territory may reach


MAX_ZONE_HOUSEHOLDS = 100_000_000  # more than any city holds: a larger count is a mistake


def _check_area_of_use(path: str, crs, bounds) -> None:
    """Coordinates far outside the area the declared CRS is made for were written in another CRS
    (typically lon/lat declared as a projection in metres): refused, not imported silently."""
    area = crs.area_of_use
    if area is None:
        return
    west, south, east, north = bounds
    if (
        west < area.west - AREA_MARGIN_DEG
        or east > area.east + AREA_MARGIN_DEG
        or south < area.south - AREA_MARGIN_DEG
        or north > area.north + AREA_MARGIN_DEG
    ):
        raise TerritoryDataError(
            f"{path}: CRS {crs.to_string()}: the coordinates fall outside its area of use ({area.name}); "
            "are they in another CRS (e.g. longitude and latitude)? allowed: the CRS the coordinates are in"
        )


def _check_geojson_crs(path: str) -> None:
    """GDAL reads a GeoJSON whose `crs` it does not know as lon/lat without a word: check it here."""
    if Path(path).suffix.lower() not in (".geojson", ".json"):
        return
    import json

    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        declared = json.loads(Path(path).read_text(encoding="utf-8-sig")).get("crs")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return  # not JSON: the reader has said so already
    if declared is None:
        return
    name = declared.get("properties", {}).get("name") if isinstance(declared, dict) else None
    try:
        CRS.from_user_input(name)
    except (CRSError, TypeError):
        raise TerritoryDataError(
            f"{path}: crs {name!r}: cannot be read; allowed: a CRS PROJ knows (e.g. "
            "urn:ogc:def:crs:EPSG::2154), or no crs member for lon/lat"
        ) from None


def _as_keys(column: pd.Series) -> list[str]:
    """Keys as text; whole numbers stored as numbers lose no digits and gain no '.0'."""
    if pd.api.types.is_float_dtype(column) and column.dropna().mod(1).eq(0).all():
        column = column.astype("Int64")
    return ["" if pd.isna(v) else str(v).strip() for v in column]


def read_figures(path: str, key_column: str) -> pd.DataFrame:
    if not Path(path).is_file():
        raise TerritoryDataError(f"{path}: no such figures file")
    try:
        table = pd.read_csv(path, dtype={key_column: str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise TerritoryDataError(
            f"{path}: not a readable CSV table ({str(error).splitlines()[0]}); allowed: UTF-8 CSV with a header"
        ) from None
    if key_column not in table.columns:
        raise TerritoryDataError(
            f"{path}: key column {key_column!r} missing; allowed: {', '.join(map(str, table.columns))}"
        )
    table[key_column] = _as_keys(table[key_column])
    return table


def _number(
    table: pd.DataFrame,
    path: str,
    column: str,
    keys: list[str],
    *,
    low=None,
    high=None,
    required=True,
    what="a number",
) -> np.ndarray:
    """A numeric column, checked row by row; NaN where an optional value is missing."""
    if column not in table.columns:
        if required:
            raise TerritoryDataError(
                f"{path}: column {column!r} missing; allowed columns: {', '.join(map(str, table.columns))}"
            )
        return np.full(len(table), np.nan)
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    for i, value in enumerate(values):
        where = f"{path}: row {i + 2} ({keys[i]}): {column}"
        raw = table[column].iloc[i]
        if math.isnan(value):
            if required or not pd.isna(raw):
                shown = "empty" if pd.isna(raw) else repr(raw)
                raise TerritoryDataError(f"{where} = {shown}: not a number; allowed: {what}")
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            raise TerritoryDataError(f"{where} = {value:g}: out of range; allowed: {what}")
    return values


def _metric_crs(lonlat) -> str:
    """A Lambert azimuthal equal-area projection centred on the territory (metres)."""
    west, south, east, north = lonlat.total_bounds
    return f"+proj=laea +lat_0={(south + north) / 2:.6f} +lon_0={(west + east) / 2:.6f} +datum=WGS84 +units=m +no_defs"


def _read(t, zone_model) -> RealTerritory:
    zone_kinds = typing.get_args(zone_model.model_fields["kind"].annotation)
    lonlat = read_polygons(t.polygons, t.key_column)
    table = read_figures(t.figures, t.key_column)
    path = t.figures
    keys = list(table[t.key_column])
    for i, key in enumerate(keys):
        if key == "":
            raise TerritoryDataError(
                f"{path}: row {i + 2}: {t.key_column}: empty; allowed: a key for every row"
            )
    duplicated = table[t.key_column].duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise TerritoryDataError(
            f"{path}: row {i + 2}: {t.key_column} {keys[i]!r}: duplicate key; allowed: one row per zone"
        )
    missing = [k for k in keys if k not in lonlat.index]
    if missing:
        row = keys.index(missing[0]) + 2
        raise TerritoryDataError(
            f"{path}: row {row}: {t.key_column} {missing[0]!r}: no feature with this key in {t.polygons}"
            f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; allowed: keys of the polygons"
        )
    extra = [k for k in lonlat.index if k not in set(keys)]
    if extra:
        feature = list(lonlat.index).index(extra[0]) + 1
        raise TerritoryDataError(
            f"{t.polygons}: feature {feature}: {t.key_column} {extra[0]!r}: no row with this key in {path}"
            f"{f' (and {len(extra) - 1} more)' if len(extra) > 1 else ''}; allowed: keys of the figures"
        )
    if t.name_column not in table.columns:
        raise TerritoryDataError(
            f"{path}: name column {t.name_column!r} missing; allowed: {', '.join(map(str, table.columns))}"
        )
    names = ["" if pd.isna(v) else str(v).strip() for v in table[t.name_column]]
    for i, name in enumerate(names):
        if not name:
            raise TerritoryDataError(
                f"{path}: row {i + 2} ({keys[i]}): {t.name_column}: empty; allowed: a name for every zone"
            )

    households = _number(
        table, path, t.households_column, keys, low=0, what="a count of households, 1 or more"
    )
    for i, count in enumerate(households):
        if count == 0:
            raise TerritoryDataError(
                f"{path}: row {i + 2} ({keys[i]}): {t.households_column} = 0: a zone of zero households; allowed: 1 or more (leave the zone out of both files)"
            )
        if not (math.isfinite(count) and count == math.floor(count) <= MAX_ZONE_HOUSEHOLDS):
            raise TerritoryDataError(
                f"{path}: row {i + 2} ({keys[i]}): {t.households_column} = {count:g}: not a whole "
                f"count; allowed: a count of households from 1 to {MAX_ZONE_HOUSEHOLDS:,}"
            )
    car_free = _number(
        table, path, t.car_free_share_column, keys, low=0, high=1, what="a share from 0 to 1"
    )
    income = _number(
        table, path, t.income_column, keys, low=0, what="a positive income in EUR per month"
    )
    multi_car = np.full(len(keys), np.nan)
    if t.multi_car_share_column is not None:
        multi_car = _number(
            table,
            path,
            t.multi_car_share_column,
            keys,
            low=0,
            high=1,
            required=False,
            what="a share from 0 to 1",
        )
        for i, value in enumerate(multi_car):
            if value > 1 - car_free[i] + 1e-9:
                raise TerritoryDataError(
                    f"{path}: row {i + 2} ({keys[i]}): {t.multi_car_share_column} = {value:g}: "
                    f"above the share of households with a car (1 - {t.car_free_share_column} = "
                    f"{1 - car_free[i]:g}); allowed: 0 to {1 - car_free[i]:g}"
                )

    lonlat = lonlat.loc[keys]
    metric = _metric_crs(lonlat)
    projected = lonlat.to_crs(metric)
    polygon_area = projected.area.to_numpy() / 1e6
    area = _number(
        table, path, "area_km2", keys, low=0, required=False, what="a positive area in km2"
    )
    filled: list[tuple[str, str, str, object, str, str]] = []

    def note(i, field_name, value, reason, rule=None):
        filled.append((keys[i], names[i], field_name, value, reason, rule or reason))

    for i in range(len(keys)):
        if math.isnan(multi_car[i]):
            note(
                i,
                "multi_car_share",
                "default",
                MULTI_CAR_DEFAULT,
            )
    for i in range(len(keys)):
        if math.isnan(area[i]) or area[i] <= 0:
            area[i] = polygon_area[i]
            note(i, "area_km2", round(area[i], 2), "area of the polygon (equal-area projection)")
    density = households / area

    if t.income_per == "consumption_unit":
        population = _number(
            table, path, "population", keys, low=0, required=False, what="a count of persons"
        )
        units = np.empty(len(keys))
        for i in range(len(keys)):
            if t.consumption_units_per_household is not None:
                units[i] = t.consumption_units_per_household
                reason = "territory.consumption_units_per_household"
            elif not math.isnan(population[i]):
                units[i] = 1 + 0.5 * (max(population[i] / households[i], 1.0) - 1)
                reason = (
                    f"1 + 0.5 x ({population[i] / households[i]:.2f} persons per household - 1)"
                )
            else:
                units[i] = COUPLE_CONSUMPTION_UNITS
                reason = "1.5 consumption units (a couple): no population column"
            note(
                i,
                "consumption_units_per_household",
                round(units[i], 3),
                reason,
                "1 + 0.5 x (persons per household - 1), from the population column"
                if reason.startswith("1 + ")
                else reason,
            )
        income_household = income * units
    else:
        income_household = income.copy()

    kinds_given = table["kind"] if "kind" in table.columns else pd.Series([np.nan] * len(keys))
    zone_values = {
        name: _number(
            table,
            path,
            name,
            keys,
            low=0,
            high=1 if name in SHARE_FIELDS else None,
            required=False,
            what="a share from 0 to 1" if name in SHARE_FIELDS else "a number, 0 or more",
        )
        for name in ZONE_FIELDS
    }
    total_households, total_area = households.sum(), area.sum()
    zones = {}
    for i, key in enumerate(keys):
        given = kinds_given.iloc[i]
        if isinstance(given, str) and given.strip():
            kind = given.strip()
            if kind not in zone_kinds:
                raise TerritoryDataError(
                    f"{path}: row {i + 2} ({key}): kind = {kind!r}: unknown zone kind; allowed: one of {', '.join(zone_kinds)}"
                )
        else:
            if density[i] >= t.dense_households_per_km2:
                kind, rule = "dense", f">= {t.dense_households_per_km2:g}"
            elif density[i] < t.rural_households_per_km2:
                kind, rule = "rural", f"< {t.rural_households_per_km2:g}"
            else:
                kind, rule = (
                    "suburb",
                    f"from {t.rural_households_per_km2:g} to {t.dense_households_per_km2:g}",
                )
            note(
                i,
                "kind",
                kind,
                f"density {density[i]:,.0f} households/km2 {rule}",
                f"density: dense from {t.dense_households_per_km2:g} households/km2, rural below "
                f"{t.rural_households_per_km2:g}",
            )
        values = {}
        for name in ZONE_FIELDS:
            value = zone_values[name][i]
            if math.isnan(value):
                value = getattr(t.zone_defaults, name).of(kind)
                note(
                    i,
                    name,
                    value,
                    f"zone_defaults.{name}.{kind}",
                    f"zone_defaults.{name} of the zone's kind",
                )
            values[name] = float(value)
        raw = {
            "kind": kind,
            "household_share": float(households[i] / total_households),
            "area_share": float(area[i] / total_area),
            "income_median_eur": float(income_household[i]),
            **values,
        }
        try:
            zones[key] = zone_model.model_validate(raw)
        except Exception as error:  # pydantic's ValidationError: report the first field, one line
            first = error.errors(include_url=False)[0]
            field_name = str(first["loc"][0]) if first["loc"] else "?"
            column = t.income_column if field_name == "income_median_eur" else field_name
            bounds = zone_model.model_fields.get(field_name)
            allowed = _bounds(bounds) if bounds is not None else ""
            raise TerritoryDataError(
                f"{path}: row {i + 2} ({key}): {column}: {field_name} = {raw.get(field_name)!r} "
                f"{first['msg'].lower()}; allowed: {allowed}"
            ) from None

    good_columns = {}
    for column in table.columns:
        match = GOOD_COLUMN.match(str(column))
        if match:
            good, attr = match.groups()
            if good == t.car_good and attr == "initial_own_share":
                raise TerritoryDataError(
                    f"{path}: column {column}: set by the car-free share; allowed: leave it out"
                )
            high = 100 if attr == "uses_per_month" else 1
            good_columns[(good, attr)] = _number(
                table,
                path,
                str(column),
                keys,
                low=0,
                high=high,
                required=False,
                what=f"a number from 0 to {high}",
            )

    groups = {}
    index = {k: k for k in keys} | {n: k for n, k in zip(names, keys, strict=True)}
    index |= {n.casefold(): k for n, k in zip(names, keys, strict=True)}
    for group, members in t.groups.items():
        groups[group] = [index.get(ref, index.get(ref.casefold(), "")) for ref in members]

    real = RealTerritory(
        keys=keys,
        names=names,
        zones=zones,
        polygons=lonlat,
        projected=projected,
        metric_crs=metric,
        households=households,
        area_km2=area,
        car_free_share=car_free,
        multi_car_share=multi_car,
        income_eur=income_household,
        good_columns=good_columns,
        filled=pd.DataFrame(filled, columns=["key", "name", "field", "value", "reason", "rule"]),
        groups={g: [k for k in members if k] for g, members in groups.items()},
        car_good=t.car_good,
        figures_path=t.figures,
        polygons_path=t.polygons,
        raw_groups={g: list(m) for g, m in t.groups.items()},
    )
    return real


def _bounds(field_info) -> str:
    low = high = None
    for meta in field_info.metadata:
        for attr in ("ge", "gt"):
            if hasattr(meta, attr):
                low = getattr(meta, attr)
        for attr in ("le", "lt"):
            if hasattr(meta, attr):
                high = getattr(meta, attr)
    return f"from {low:g} to {high:g}" if low is not None and high is not None else "a number"
