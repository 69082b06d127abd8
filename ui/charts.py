"""Figure builders: plain arrays and tables in, a `go.Figure` out. No Streamlit here.

One colour per model everywhere in the app, so a student learns it once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

COLORS = {"actual": "#495057", "RNN": "#3b5bdb", "MLP": "#e8590c", "Persistence": "#2f9e44",
          "true": "#868e96"}
PART_FILL = {"val": "rgba(250, 176, 5, 0.12)", "test": "rgba(240, 62, 62, 0.10)"}
PART_NAME = {"train": "training", "val": "validation", "test": "test"}
HEIGHT = 380


def styled(fig: go.Figure, title: str, x_title: str = "", y_title: str = "",
            height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=50, r=20, t=50, b=40),
                      xaxis_title=x_title, yaxis_title=y_title, uirevision=title,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    return fig


def shade_parts(fig: go.Figure, bounds: dict[str, tuple]) -> None:
    """Shade the validation and test parts; `bounds` maps part -> (x0, x1)."""
    for part, (x0, x1) in bounds.items():
        if part in PART_FILL:
            fig.add_vrect(x0=x0, x1=x1, fillcolor=PART_FILL[part], line_width=0, layer="below",
                          annotation_text=PART_NAME[part], annotation_position="top left")


def series_chart(values: pd.Series, bounds: dict[str, tuple], title: str, units: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=values.index, y=values.to_numpy(), mode="lines",
                               name=values.name or "series", line=dict(color=COLORS["actual"])))
    shade_parts(fig, bounds)
    return styled(fig, title, y_title=units)


def loss_chart(histories: dict[str, object], log_y: bool = True, epochs: int | None = None,
               train_labels: dict[str, str] | None = None) -> go.Figure:
    """Training (solid) and validation (dotted) loss of each model per epoch.

    histories: name -> History with lists train_loss, val_loss; train_labels: name -> what
    that model's training loss averages (e.g. "every step of the window"), for the legend.
    Validation always scores the next value of held-out windows, for every model.
    """
    train_labels = train_labels or {}
    fig = go.Figure()
    for name, h in histories.items():
        if h is None or not len(h):
            continue
        x = np.arange(1, len(h) + 1)
        fig.add_scatter(x=x, y=h.train_loss, name=f"{name} {train_labels.get(name, 'training')}",
                        mode="lines",
                        line=dict(color=COLORS[name]))
        val = np.asarray(h.val_loss, dtype=float)
        if np.isfinite(val).any():
            fig.add_scatter(x=x, y=val, name=f"{name} validation (next value)", mode="lines",
                            line=dict(color=COLORS[name], dash="dot"))
    fig.update_yaxes(type="log" if log_y else "linear")
    if epochs:
        fig.update_xaxes(range=[0.5, epochs + 0.5])
    return styled(fig, "Loss (mean squared error, scaled units)", "epoch", "loss")


def predictions_chart(pred: pd.DataFrame, bounds: dict[str, tuple], units: str) -> go.Figure:
    """The series with each model's one-step predictions (every input real: teacher forcing)."""
    fig = go.Figure()
    fig.add_scatter(x=pred.index, y=pred["actual"], name="actual", mode="lines",
                    line=dict(color=COLORS["actual"], width=2))
    for name in ("RNN", "MLP", "Persistence"):
        if name in pred:
            fig.add_scatter(x=pred.index, y=pred[name], name=f"{name} one-step", mode="lines",
                            line=dict(color=COLORS[name], width=1.5,
                                      dash="dot" if name == "Persistence" else None))
    shade_parts(fig, bounds)
    return styled(fig, "One-step predictions (each window made of real data)", y_title=units)


def forecast_chart(history: pd.Series, extrapolation: pd.DataFrame,
                   free_run: pd.DataFrame | None, units: str,
                   bands: dict[str, np.ndarray] | None = None) -> go.Figure:
    """Free-running forecasts: from the start of the test part over it (when the task has one),
    and past the end."""
    free_run = free_run if free_run is not None else pd.DataFrame(columns=["RNN", "MLP"])
    fig = go.Figure()
    fig.add_scatter(x=history.index, y=history.to_numpy(), name="actual", mode="lines",
                    line=dict(color=COLORS["actual"], width=2))
    if "true" in extrapolation:
        fig.add_scatter(x=extrapolation.index, y=extrapolation["true"], name="true curve",
                        mode="lines", line=dict(color=COLORS["true"], dash="dash"))
    for name in ("RNN", "MLP"):
        if len(free_run):
            fig.add_scatter(x=free_run.index, y=free_run[name],
                            name=f"{name} free-running over test", mode="lines",
                            line=dict(color=COLORS[name], dash="dot"))
        fig.add_scatter(x=extrapolation.index, y=extrapolation[name],
                        name=f"{name} extrapolation", mode="lines",
                        line=dict(color=COLORS[name], width=2.5))
    if bands:
        _add_bands(fig, extrapolation.index, bands)
    if len(free_run):
        shade_parts(fig, {"test": (free_run.index[0], history.index[-1])})
    return styled(fig, "Forecasts fed with their own predictions", y_title=units)


def _add_bands(fig: go.Figure, x, bands: dict[str, np.ndarray]) -> None:
    """Shade min..max across seeds; bands: name -> (n_seeds, len(x))."""
    for name, runs in bands.items():
        lo, hi = np.min(runs, axis=0), np.max(runs, axis=0)
        color = COLORS.get(name, "#888")
        fig.add_scatter(x=x, y=hi, mode="lines", line=dict(width=0), showlegend=False,
                        hoverinfo="skip")
        fig.add_scatter(x=x, y=lo, mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor=_rgba(color, 0.18), name=f"{name} spread over seeds")


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def horizon_chart(errors: pd.DataFrame, units: str) -> go.Figure:
    """RMSE of k-steps-ahead free-running forecasts against k, one line per model."""
    fig = go.Figure()
    for name in errors.columns:
        fig.add_scatter(x=errors.index, y=errors[name], name=name, mode="lines+markers",
                        line=dict(color=COLORS.get(name)))
    fig.update_xaxes(tickvals=list(errors.index))
    distance = errors.index.name or "steps ahead"
    return styled(fig, f"Error against distance ({distance})", distance,
                  f"RMSE ({units})" if units else "RMSE")


def gradient_norm_chart(curves: dict[str, np.ndarray], title: str) -> go.Figure:
    """||dL/dh_t|| against steps back from the loss, on a log axis; curves: name -> (T,)."""
    fig = go.Figure()
    for name, norms in curves.items():
        back = np.arange(len(norms))
        fig.add_scatter(x=back, y=np.asarray(norms)[::-1], name=name, mode="lines+markers")
    fig.update_yaxes(type="log", exponentformat="power")
    return styled(fig, title, "steps back from the last output", "‖∂L/∂hₜ‖")


def heatmap(z: np.ndarray, title: str, x_title: str, y_title: str, zmid: float | None = 0.0,
            colorscale: str = "RdBu", height: int = 320) -> go.Figure:
    """z: (rows, cols) drawn with rows on the y axis."""
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmid=zmid, reversescale=True))
    return styled(fig, title, x_title, y_title, height=height)


def lines_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                log_y: bool = False) -> go.Figure:
    fig = go.Figure()
    for name in frame.columns:
        fig.add_scatter(x=frame.index, y=frame[name], name=str(name), mode="lines",
                        line=dict(color=COLORS.get(str(name))))
    if log_y:
        fig.update_yaxes(type="log")
    return styled(fig, title, x_title, y_title)
