"""Scenario discovery (`partage discover STORE`): the ranges of parameters under which an outcome fails.

On a finished sweep, each run is a case: its point's parameter values, and
whether its outcome at the horizon fails (below or above a threshold). PRIM
(the Patient Rule Induction Method, Friedman & Fisher 1999) peels the parameter
space down to a box where failing cases are dense, and records the peeling
trajectory: for each box, its coverage (share of all failing cases that fall in
it) and density (share of the cases in it that fail).

The implementation is ema-workbench's (`ema_workbench.analysis.prim`), the
maintained PRIM of the Exploratory Modelling and Analysis workbench (2.5, 2024),
with quasi-p-values for each restriction; the `prim` package on PyPI was last
released in 2016. The box reported is the one with the highest coverage among
those whose density reaches `threshold` (the last box if none does), or the one
asked for with `box`.

Beside the box, two statistics from the same library say how far to trust it:
- resampled stability (`PrimBox.resample`): PRIM is run again on `resamples`
  random halves of the runs, and each parameter gets the share of those runs in
  which it is restricted by the box nearest the chosen one in coverage (and in
  density); a restriction that few halves reproduce is an accident of the sample;
- feature scores (`ema_workbench.analysis.feature_scoring`, extra trees): how much
  each swept parameter explains of the outcome itself (regression) and of the
  rule (classification), whatever PRIM restricts; they sum to 1.
Both are drawn with a fixed seed, so the same store gives the same tables.

Written under `STORE/discover-OUTCOME-below-VALUE/` (or `out`): `trajectory.csv`/`.md`
(every box of the peeling and pasting), `box.csv`/`.md` (the limits of the chosen
box, with each parameter's full range, quasi-p and stability), `stability.csv`/`.md`,
`feature_scores.csv`/`.md`, `peeling.png` (trajectory, limits, feature scores)
and `report.md`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.errors import UserError
from experiments.outputs import guarded, writable_folder
from experiments.report import markdown_table, write_table
from experiments.store import StoreReader
from model.messages import escaped

ANY_DENSITY = 1e-9
DISCOVERY_SEED = 20240601


@dataclass
class Discovery:
    directory: Path
    outcome: str
    rule: str
    cases: int
    failing: int
    trajectory: pd.DataFrame
    box: int
    limits: pd.DataFrame
    threshold: float = 0.8
    stability: pd.DataFrame = field(default_factory=pd.DataFrame)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    resamples: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def chosen(self) -> pd.Series:
        return self.trajectory.iloc[self.box]


def discover(
    store: str | Path,
    outcome: str,
    *,
    below: float | None = None,
    above: float | None = None,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    box: int | None = None,
    resamples: int = 20,
    out: str | Path | None = None,
) -> Discovery:
    """Run PRIM on a finished sweep's runs; see the module docstring."""
    if (below is None) == (above is None):
        raise UserError(
            "give exactly one of --below VALUE or --above VALUE: the rule an outcome fails by"
        )
    for name, value, low, high in (
        ("--threshold", threshold, 0, 1),
        ("--peel-alpha", peel_alpha, 0, 0.5),
        ("--mass-min", mass_min, 0, 1),
    ):
        if not low < value < high:
            raise UserError(f"{name} {value:g}: allowed: above {low:g} and below {high:g}")
    if not 2 <= resamples <= 1000:
        raise UserError(f"--resamples {resamples}: allowed: 2 to 1000")
    cases, values = read_cases(store, outcome)
    failing = values < below if below is not None else values > above
    rule = f"{outcome} below {below:g}" if below is not None else f"{outcome} above {above:g}"
    if failing.all() or not failing.any():
        raise UserError(
            f"{escaped(store)}: --{'below' if below is not None else 'above'}: {'every' if failing.all() else 'no'} run "
            f"has {rule} ({outcome} ranges from {values.min():g} to {values.max():g}); "
            "allowed: a value inside that range"
        )
    prim = _prim_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # ema-workbench counts a case of interest as y >= threshold, and replaces a box whose
        # density stays below the threshold by the whole space: a threshold just above 0 counts the
        # failing runs (y = 1) and keeps the trajectory, on which the box is chosen below.
        finder = prim.Prim(
            cases,
            failing.astype(int),
            threshold=ANY_DENSITY,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
        )
        found = finder.find_box()
    trajectory = found.peeling_trajectory[
        ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    ].copy()
    trajectory.columns = [
        "box",
        "coverage",
        "density",
        "mass",
        "restricted",
        "runs",
        "failing runs",
    ]
    if box is None:
        dense = trajectory[trajectory["density"] >= threshold]
        box = int(dense["coverage"].idxmax()) if len(dense) else len(trajectory) - 1
    elif not 0 <= box < len(trajectory):
        raise UserError(
            f"--box {box}: allowed: 0 to {len(trajectory) - 1} (the boxes of the peeling)"
        )
    limits = box_limits(found, box, cases)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stability = box_stability(found, box, resamples)
        scores = feature_scores(cases, values, failing)
    limits = limits.merge(stability, on="parameter", how="left")
    directory = writable_folder(out) if out else Path(store) / f"discover-{_slug(rule)}"
    result = Discovery(
        directory,
        outcome,
        rule,
        len(cases),
        int(failing.sum()),
        trajectory,
        box,
        limits,
        threshold,
        stability,
        scores,
        resamples,
    )
    result.written = write_outputs(result)
    return result


def _prim_module():
    """ema-workbench's PRIM, imported quietly (it warns about optional parallel back ends)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def read_cases(store: str | Path, outcome: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Parameters of each finished run's point (one column each) and its outcome at the horizon."""
    with StoreReader(store) as reader:
        if reader.kind != "sweep":
            raise UserError(
                f"{escaped(reader.path)}: holds a {escaped(reader.kind)}; scenario discovery needs a sweep store"
            )
        values = reader.horizon_values([outcome])
        points = reader.points()
    params = pd.DataFrame(
        [json.loads(p) if isinstance(p, str) else dict(p or {}) for p in points["params"]],
        index=points["point_id"].to_numpy(),
    )
    varied = [c for c in params.columns if params[c].nunique() > 1]
    if not varied:
        raise UserError(f"{escaped(store)}: no parameter varies between the sweep's points")
    cases = params.loc[values["point_id"].to_numpy(), varied].reset_index(drop=True)
    for column in cases.columns:
        if pd.api.types.is_bool_dtype(cases[column]):
            cases[column] = cases[column].astype(int)
        elif pd.api.types.is_numeric_dtype(cases[column]):
            cases[column] = cases[column].astype(float)
        else:
            cases[column] = cases[column].astype(str).astype("category")
    return cases, values[outcome].to_numpy(dtype=float)


def box_limits(found, box: int, cases: pd.DataFrame) -> pd.DataFrame:
    """Each parameter the box restricts: its limits, the range of the sweep, and PRIM's quasi-p-value."""
    limits = found.box_lims[box]
    quasi_p = found.qp[box] if box < len(found.qp) else {}
    rows = []
    for name in quasi_p:
        column = cases[name]
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        numeric = pd.api.types.is_numeric_dtype(column)
        rows.append(
            {
                "parameter": name,
                "box min": float(low) if numeric else ", ".join(sorted(map(str, low))),
                "box max": float(high) if numeric else "",
                "sweep min": float(column.min())
                if numeric
                else ", ".join(sorted(map(str, column.unique()))),
                "sweep max": float(column.max()) if numeric else "",
                "quasi p": _quasi_p(quasi_p[name]),
            }
        )
    return pd.DataFrame(
        rows, columns=["parameter", "box min", "box max", "sweep min", "sweep max", "quasi p"]
    )


def box_stability(found, box: int, resamples: int) -> pd.DataFrame:
    """ema-workbench's resampling of a box: for each parameter, the percentage of PRIM runs on
    random halves of the cases whose box nearest in coverage (in density) restricts it."""
    # PrimBox.resample draws its halves from numpy's legacy global generator: seed it, then put
    # back the state it had.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(DISCOVERY_SEED)  # noqa: NPY002
    try:
        table = found.resample(box, iterations=resamples)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    table = table.rename(
        columns={
            "reproduce coverage": "restricted in resamples, by coverage (%)",
            "reproduce density": "restricted in resamples, by density (%)",
        }
    )
    return table.rename_axis("parameter").reset_index()


def feature_scores(cases: pd.DataFrame, values: np.ndarray, failing: np.ndarray) -> pd.DataFrame:
    """Extra-trees feature scores (ema-workbench) of every swept parameter on the outcome
    (regression) and on the rule (classification), seeded; each column sums to 1."""
    from ema_workbench.analysis.feature_scoring import RuleInductionType, get_ex_feature_scores

    columns = {}
    for label, y, mode in (
        ("score on the outcome", values, RuleInductionType.REGRESSION),
        ("score on the rule", failing.astype(int), RuleInductionType.CLASSIFICATION),
    ):
        scores = get_ex_feature_scores(cases, y, mode=mode, random_state=DISCOVERY_SEED)[0]
        columns[label] = scores.iloc[:, 0]
    table = pd.DataFrame(columns).rename_axis("parameter").reset_index()
    return table.sort_values("score on the outcome", ascending=False, ignore_index=True)


def _quasi_p(sides) -> float:
    """The larger quasi-p-value of a restriction's two sides (-1 marks an unrestricted side)."""
    values = [float(v) for v in sides if v is not None and v >= 0]
    return max(values) if values else math.nan


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80]


def write_outputs(result: Discovery) -> list[Path]:
    directory = result.directory
    directory.mkdir(parents=True, exist_ok=True)
    written = write_table(
        result.trajectory, directory, "trajectory", title=f"PRIM peeling trajectory: {result.rule}"
    )
    written += write_table(
        result.limits, directory, "box", title=f"Box {result.box}: {result.rule}"
    )
    written += write_table(
        result.stability,
        directory,
        "stability",
        title=f"Box {result.box} over {result.resamples} resampled halves: {result.rule}",
    )
    written += write_table(
        result.scores, directory, "feature_scores", title=f"Feature scores: {result.outcome}"
    )
    written.append(plot_peeling(result, directory / "peeling.png"))
    chosen = result.chosen
    report = [
        f"# Scenario discovery: where {result.rule}",
        "",
        f"{result.cases} runs, {result.failing} of them with {result.rule}. PRIM (ema-workbench) box "
        f"{result.box}: coverage {chosen['coverage']:.2f} (share of those runs inside the box), density "
        f"{chosen['density']:.2f} (share of the box's runs with {result.rule}), mass {chosen['mass']:.2f}.",
        "",
        ""
        if (result.trajectory["density"] >= result.threshold).any()
        else f"No box reaches the density {result.threshold:g}: the last, densest box is shown.",
        "",
        markdown_table(result.limits) if len(result.limits) else "The box restricts no parameter.",
        "",
        "`quasi p`: PRIM's quasi-p-value of each restriction (a binomial test of the box's density "
        "with and without it); below 0.05 the restriction is unlikely to be chance. `restricted in "
        f"resamples`: the percentage of {result.resamples} PRIM runs on random halves of the runs "
        "whose box nearest the chosen one (in coverage, in density) restricts the parameter.",
        "",
        "Feature scores (extra trees, ema-workbench): the share of the outcome (and of the rule) "
        "each swept parameter explains, whatever PRIM restricts.",
        "",
        markdown_table(result.scores),
        "",
        "Choose another box of the trajectory (`trajectory.md`) with `--box N`.",
        "",
        "![Peeling trajectory](peeling.png)",
        "",
    ]
    path = directory / "report.md"
    guarded(path).write_text("\n".join(report), encoding="utf-8")
    return [*written, path]


def plot_peeling(result: Discovery, path: Path) -> Path:
    """Left: coverage against density of every box of the peeling and pasting, numbered, coloured by
    restricted parameters (viridis), the chosen box circled. Middle: the chosen box's limits within
    each parameter's sweep range. Right: feature scores (Okabe-Ito blue and orange)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right, scores) = plt.subplots(
        1, 3, figsize=(17, 4.8), gridspec_kw={"width_ratios": [1.1, 1, 0.8]}
    )
    trajectory = result.trajectory
    step = max(1, len(trajectory) // 25)
    for row in trajectory.iloc[::step].itertuples(index=False):
        left.annotate(
            str(row.box),
            (row.coverage, row.density),
            textcoords="offset points",
            xytext=(3, 3),
            fontsize=7,
        )
    dots = left.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted"],
        cmap="viridis",
        s=22,
    )
    chosen = result.chosen
    left.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=160,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        label=f"box {result.box}",
    )
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_title("Peeling trajectory")
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    fig.colorbar(dots, ax=left, label="parameters restricted")
    numeric = result.limits[pd.to_numeric(result.limits["sweep max"], errors="coerce").notna()]
    for row, limit in enumerate(numeric.itertuples(index=False)):
        low, high = float(limit[3]), float(limit[4])
        span = (high - low) or 1.0
        start, end = (float(limit[1]) - low) / span, (float(limit[2]) - low) / span
        right.barh(row, 1.0, color="#DDDDDD")
        right.barh(row, end - start, left=start, color="#0072B2")
        right.text(start, row + 0.3, f"{float(limit[1]):.3g}", fontsize=8, ha="left")
        right.text(end, row + 0.3, f"{float(limit[2]):.3g}", fontsize=8, ha="right")
    right.set_yticks(range(len(numeric)), [name.split(".")[-1] for name in numeric["parameter"]])
    right.set_xlim(0, 1)
    right.set_xlabel("share of the sweep's range")
    right.set_title(
        f"Box {result.box}: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}"
    )
    table = result.scores.iloc[::-1]
    positions = np.arange(len(table))
    scores.barh(
        positions + 0.2, table["score on the outcome"], 0.4, color="#0072B2", label="on the outcome"
    )
    scores.barh(
        positions - 0.2, table["score on the rule"], 0.4, color="#E69F00", label="on the rule"
    )
    scores.set_yticks(positions, [name.split(".")[-1] for name in table["parameter"]])
    scores.set_xlabel("feature score (extra trees)")
    scores.set_title("What the outcome depends on")
    scores.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"Where {result.rule}")
    fig.tight_layout()
    fig.savefig(guarded(path), dpi=110)
    plt.close(fig)
    return path
