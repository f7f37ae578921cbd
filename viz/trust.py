"""How far to trust a figure, on screen: what the scenario was calibrated on, how it drifts with no
policy, and the limits the council report states.

Rules:
- Calibration: a calibrated scenario file (written by `partage calibrate`) names its targets in
  its header, one `# - <target>: ... months A-B: <observed> ± <sd>.` line each; a scenario
  that extends one inherits them. Any other scenario says its behaviour is set from surveys and
  published studies, not fitted.
- Drift: the share of households without a car at month 0 and at the month shown, in the run
  with no policy (the reference run alongside, or the run itself when it has no policy): what
  the model does on its own, which a policy's effect is measured against.
- Limits and calibration targets: the council report's own (`viz.report.assumptions`,
  `viz.report.calibration_targets`), so the page and the report say the same.
"""

from __future__ import annotations

import solara

from .controls import Section, escaped
from .language import current as current_language
from .language import percent, tr


def no_policy_drift(run) -> tuple[float, float, int] | None:
    """Share of households without a car at month 0 and now, in the run with no policy."""
    model = run.reference if run.reference is not None else run.model
    series = model.series
    if model.scenario.policies or not series or "car.without.share" not in series[0]:
        return None
    return (
        float(series[0]["car.without.share"]),
        float(series[-1]["car.without.share"]),
        int(series[-1]["month"]),
    )


@solara.component
def TrustPanel(run, scenario_name: str, month: int):
    """The panel beside the figures: calibration, drift with no policy, limits."""
    from .report import assumptions, calibration_targets, target_text

    lang = current_language()
    targets = solara.use_memo(lambda: calibration_targets(scenario_name), [scenario_name])
    with (
        Section(summary=tr("How far to trust these figures"), expand=False),
        solara.Div(attributes={"data-testid": "trust-panel"}, classes=["partage-trust"]),
    ):
        if targets:
            solara.Text(
                tr("Behaviour calibrated on these observed figures:"),
                style={"font-weight": "bold"},
            )
            items = "".join(f"<li>{escaped(target_text(t, lang))}</li>" for t in targets)
            solara.HTML(tag="ul", unsafe_innerHTML=items)
            solara.Text(
                tr(
                    "No setting fits every target at once: the calibrated values are a best "
                    "point, not a settled estimate (docs/calibration.md)."
                )
            )
        else:
            solara.Text(
                tr(
                    "Not calibrated on this territory: behaviour weights come from surveys and "
                    "published studies (docs/calibration.md)."
                )
            )
        drift = no_policy_drift(run)
        if drift is not None:
            start, now, at = drift
            solara.HTML(
                tag="p",
                unsafe_innerHTML=escaped(
                    tr(
                        "With no policy, the share of households without a car goes from {start} "
                        "at month 0 to {now} at month {month}: the model's own drift, which every "
                        "effect is measured against."
                    ).format(start=percent(start), now=percent(now), month=at)
                ),
                classes=["partage-drift"],
            )
        solara.Text(tr("Limits:"), style={"font-weight": "bold"})
        solara.HTML(
            tag="ul",
            unsafe_innerHTML="".join(f"<li>{escaped(text)}</li>" for text in assumptions(lang)),
        )
