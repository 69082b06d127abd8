"""Figures of the Inside page: arrays in, a `go.Figure` out. No Streamlit and no math here:
the numbers come from rnn_core.inside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts.axes import styled
from ui.charts.generic import heatmap
from ui.charts.palette import COLORS, INIT_COLOR


def states_heatmap(states: np.ndarray, title: str) -> go.Figure:
    """states (T, H) -> units on the y axis, time steps on the x axis, -1 blue .. +1 red."""
    fig = heatmap(np.asarray(states).T, title, "time step t", "hidden unit", zmid=0.0)
    if np.max(np.abs(states), initial=0.0) <= 1.0:  # tanh states: fix the colours to (-1, 1)
        fig.data[0].update(zmin=-1.0, zmax=1.0)
    return fig


def outputs_chart(outputs: dict[str, np.ndarray], targets: np.ndarray | None,
                  inputs: np.ndarray) -> go.Figure:
    """The output y_t at every step (name -> (T,)), with the window's inputs and targets."""
    fig = go.Figure()
    t = np.arange(len(inputs))
    fig.add_scatter(x=t, y=inputs, name="input x_t", mode="lines",
                    line=dict(color=COLORS["actual"], width=1.5, dash="dot"))
    if targets is not None:
        fig.add_scatter(x=t[-len(targets):], y=targets, name="target", mode="markers",
                        marker=dict(color=COLORS["actual"], symbol="x", size=9))
    for name, y in outputs.items():
        color = INIT_COLOR if "initial" in name else COLORS["RNN"]
        fig.add_scatter(x=t, y=y, name=name, mode="lines+markers", line=dict(color=color),
                        marker=dict(size=5))
    return styled(fig, "Output y_t at every step (scaled units)", "time step t", "value")


def _positive(norms: np.ndarray) -> list:
    """Zeros (steps a truncation cuts off) cannot sit on a log axis: leave a gap."""
    return [float(v) if v > 0 else None for v in np.asarray(norms)]


def grad_flow_chart(curves: dict[str, np.ndarray], styles: dict[str, dict] | None = None,
                    title: str = "Gradient reaching each step, ‖∂L/∂hₜ‖") -> go.Figure:
    """Each curve (T,), t = 0..T-1, drawn against steps back from the loss (T-1-t), log y."""
    fig = go.Figure()
    for name, norms in curves.items():
        back = np.arange(len(norms))
        fig.add_scatter(x=back, y=_positive(np.asarray(norms)[::-1]), name=name,
                        mode="lines+markers", marker=dict(size=4),
                        line=(styles or {}).get(name, {}))
    fig.update_yaxes(type="log", exponentformat="power")
    return styled(fig, title, "steps back from the loss", "‖∂L/∂hₜ‖")


def epoch_grad_chart(grad_norm: list[float], clip: float) -> go.Figure:
    """Mean gradient norm (before clipping) per epoch, and the clipping threshold."""
    x = np.arange(1, len(grad_norm) + 1)
    fig = go.Figure(go.Scatter(x=x, y=grad_norm, name="RNN gradient norm", mode="lines",
                               line=dict(color=COLORS["RNN"])))
    if clip > 0:
        fig.add_hline(y=clip, line_dash="dash", line_color="#e03131",
                      annotation_text=f"clipping threshold {clip:g}")
    fig.update_yaxes(type="log", exponentformat="power")
    return styled(fig, "Gradient norm per epoch (last training run)", "epoch",
                   "mean ‖gradient‖ before clipping")


def free_run_chart(steps: pd.DataFrame, units: str) -> go.Figure:
    """actual, teacher forcing and free running against the series index."""
    fig = go.Figure()
    styles = {"actual": dict(color=COLORS["actual"], width=2),
              "teacher forcing": dict(color=COLORS["RNN"], dash="dot"),
              "free running": dict(color=COLORS["RNN"], width=2.5)}
    for name, line in styles.items():
        fig.add_scatter(x=steps.index, y=steps[name], name=name, mode="lines+markers",
                        line=line, marker=dict(size=4))
    return styled(fig, "Same model, two ways of feeding it", y_title=units)


def horizon_error_chart(steps: pd.DataFrame, by_horizon: pd.DataFrame, units: str) -> go.Figure:
    """Error against steps ahead: this start point (markers) and the part's RMSE (lines)."""
    fig = go.Figure()
    k = np.arange(1, len(steps) + 1)
    fig.add_scatter(x=k, y=steps["free error"], name="free running, this start", mode="markers",
                    marker=dict(color=COLORS["RNN"], size=6))
    fig.add_scatter(x=k, y=steps["teacher error"], name="teacher forcing, this start",
                    mode="markers", marker=dict(color=COLORS["RNN"], symbol="circle-open"))
    fig.add_scatter(x=by_horizon.index, y=by_horizon["free running"], mode="lines",
                    name="free running, RMSE over every start", line=dict(color=COLORS["RNN"]))
    fig.add_scatter(x=by_horizon.index, y=by_horizon["teacher forcing"], mode="lines",
                    name="teacher forcing, RMSE over every start",
                    line=dict(color=COLORS["RNN"], dash="dot"))
    return styled(fig, "Error against steps ahead", "steps ahead",
                   f"error ({units})" if units else "error")
