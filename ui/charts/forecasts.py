"""Charts of the series and the forecasts (Data and Compare pages): arrays and tables in, a
`go.Figure` out. No Streamlit here.

Every legend entry says which model and which part of the data it shows: "RNN one-step
(validation, test)", "RNN free-running over test", "RNN extrapolation past the data".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import integer_axis, shade_parts, styled, value_range
from ui.charts.palette import COLORS, PART_NAME, rgba

ONE_STEP_DASH = {"Persistence": "dot"}  # persistence is not a model: dotted; the models solid
BASELINES = ("MLP", "Persistence")  # drawn beside the recurrent model(s) of a run or a race
NOT_MODELS = ("actual", "true", "part")  # the other columns of a predictions table


def models_in(frame: pd.DataFrame | None, first: str = "recurrent") -> list[str]:
    """The model columns of a table: the recurrent ones (a run's RNN, GRU or LSTM, or every
    cell of a race) and then the baselines, or (first="baselines") the baselines first, so the
    recurrent ones are drawn on top."""
    if frame is None:
        return []
    names = [c for c in frame.columns if c not in NOT_MODELS]
    recurrent = [c for c in names if c not in BASELINES]
    baselines = [c for c in BASELINES if c in names]
    return recurrent + baselines if first == "recurrent" else baselines[::-1] + recurrent


def series_chart(values: pd.Series, bounds: dict[str, tuple], title: str, units: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=values.index, y=values.to_numpy(), mode="lines",
                               name=values.name or _("series"),
                               line=dict(color=COLORS["actual"])))
    shade_parts(fig, bounds)
    return styled(fig, title, y_title=units)


def _parts(pred: pd.DataFrame) -> str:
    """'validation, test': the parts the predictions cover, in the order of the series."""
    if "part" not in pred:
        return ""
    names = [_(PART_NAME[p]) if p in PART_NAME else str(p) for p in dict.fromkeys(pred["part"])]
    return _(" ({parts})").format(parts=_(", ").join(names))


def predictions_chart(pred: pd.DataFrame, bounds: dict[str, tuple], units: str) -> go.Figure:
    """The series with each model's one-step predictions (every input real: teacher forcing)."""
    fig = go.Figure()
    fig.add_scatter(x=pred.index, y=pred["actual"], name=_("actual"), mode="lines",
                    line=dict(color=COLORS["actual"], width=2))
    parts = _parts(pred)
    for name in models_in(pred):
        fig.add_scatter(x=pred.index, y=pred[name],
                        name=_("{model} one-step{parts}").format(model=_(name), parts=parts),
                        mode="lines", line=dict(color=COLORS[name], width=1.5,
                                                dash=ONE_STEP_DASH.get(name)))
    shade_parts(fig, bounds)
    return styled(fig, _("One-step predictions (each window made of real data)"), y_title=units)


def forecast_chart(history: pd.Series, extrapolation: pd.DataFrame,
                   free_run: pd.DataFrame | None, units: str,
                   bands: dict[str, np.ndarray] | None = None,
                   one_step: pd.DataFrame | None = None) -> go.Figure:
    """Free-running forecasts: from the start of the test part over it (when the task has one),
    and past the end, for every model column of `extrapolation` (a race's cells and the MLP).
    bands: model -> (n_seeds, horizon) extrapolations over seeds, shaded min..max. one_step:
    a predictions table (rows of the points to draw) whose one-step predictions are overlaid,
    thin, so one chart shows both ways of forecasting (the cell race)."""
    free_run = free_run if free_run is not None else pd.DataFrame()
    fig = go.Figure()
    fig.add_scatter(x=history.index, y=history.to_numpy(), name=_("actual"), mode="lines",
                    line=dict(color=COLORS["actual"], width=2))
    if "true" in extrapolation:
        fig.add_scatter(x=extrapolation.index, y=extrapolation["true"], name=_("true curve"),
                        mode="lines", line=dict(color=COLORS["true"], dash="dash"))
    parts = _parts(one_step) if one_step is not None else ""
    for name in models_in(one_step):  # teacher forcing: every input real
        fig.add_scatter(x=one_step.index, y=one_step[name],
                        name=_("{model} one-step{parts}").format(model=_(name), parts=parts),
                        mode="lines", line=dict(color=COLORS[name], width=1,
                                                dash=ONE_STEP_DASH.get(name)))
    for name in models_in(extrapolation):  # every model: a run's two, or a race's cells too
        if name in free_run:
            fig.add_scatter(x=free_run.index, y=free_run[name],
                            name=_("{model} free-running over test").format(model=_(name)),
                            mode="lines",
                            line=dict(color=COLORS[name], dash="dot"))
        fig.add_scatter(x=extrapolation.index, y=extrapolation[name],
                        name=_("{model} extrapolation past the data").format(model=_(name)),
                        mode="lines",
                        line=dict(color=COLORS[name], width=2.5))
    if bands:
        _add_bands(fig, extrapolation.index, bands)
    if len(free_run):
        shade_parts(fig, {"test": (free_run.index[0], history.index[-1])})
    fig.update_yaxes(range=forecast_range(history, extrapolation))
    if one_step is not None and len(one_step):  # the points scored, the forecast after them
        first, last = one_step.index[0], extrapolation.index[-1]
        fig.update_xaxes(range=[first - (last - first) * 0.05, last])
    title = (_("Forecasts fed with their own predictions") if one_step is None else
             _("One step ahead (thin) and fed with their own predictions"))
    return styled(fig, title, y_title=units)


FORECAST_MARGIN = 0.5  # forecasts may wander half the data's range beyond it and stay drawn


def forecast_range(history: pd.Series, extrapolation: pd.DataFrame) -> list[float]:
    """The forecast chart's y range: the data (and the true curve) with a margin."""
    truth = extrapolation["true"].to_numpy() if "true" in extrapolation else []
    return value_range(history.to_numpy(), truth, margin=FORECAST_MARGIN)


def _add_bands(fig: go.Figure, x, bands: dict[str, np.ndarray]) -> None:
    """Shade min..max across seeds; bands: name -> (n_seeds, len(x))."""
    for name, runs in bands.items():
        lo, hi = np.min(runs, axis=0), np.max(runs, axis=0)
        color = COLORS[name]
        fig.add_scatter(x=x, y=hi, mode="lines", line=dict(width=0, color=color),
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=lo, mode="lines", line=dict(width=0, color=color), fill="tonexty",
                        fillcolor=rgba(color, 0.18),
                        name=_("{model} spread over seeds").format(model=_(name)))


def horizon_chart(errors: pd.DataFrame, units: str, cap: float | None = None) -> go.Figure:
    """RMSE of k-steps-ahead free-running forecasts against k, one line per model.

    cap: the largest error drawn (e.g. twice the data's range); larger ones leave the chart
    instead of stretching its axis."""
    fig = go.Figure()
    for name in errors.columns:
        fig.add_scatter(x=errors.index, y=errors[name], name=_(name), mode="lines+markers",
                        line=dict(color=COLORS[name], dash=ONE_STEP_DASH.get(name)),
                        marker=dict(color=COLORS[name]))
    k = list(errors.index)
    fig.update_xaxes(**integer_axis(min(k, default=1), max(k, default=1), k))
    if cap is not None:
        top = float(np.nanmax(errors.to_numpy())) if errors.size else cap
        fig.update_yaxes(range=[0.0, min(top * 1.1, cap)])
    distance = _(errors.index.name or "steps ahead")
    return styled(fig, _("Error against distance ({distance})").format(distance=distance),
                  distance, f"RMSE ({units})" if units else "RMSE")
