"""Figures of the Inside page: arrays in, a `go.Figure` out. No Streamlit and no math here:
the numbers come from rnn_core.inside.

The RNN after training is drawn in its colour everywhere; the same RNN at initialisation, and
fed real inputs (teacher forcing), in the paler blue with dashes and open markers; a truncated
or clipped curve keeps the colour of the curve it comes from (it is that model's gradient,
cut or scaled) and differs from it by width, dash and marker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import integer_axis, log_axis, styled
from ui.charts.generic import heatmap
from ui.charts.palette import COLORS, STYLES, THRESHOLD, rgba


def states_heatmap(states: np.ndarray, title: str) -> go.Figure:
    """states (T, H) -> units on the y axis, time steps on the x axis, -1 blue .. +1 red."""
    fig = heatmap(np.asarray(states).T, title, _("time step t"), _("hidden unit"), zmid=0.0)
    if np.max(np.abs(states), initial=0.0) <= 1.0:  # tanh states: fix the colours to (-1, 1)
        fig.data[0].update(zmin=-1.0, zmax=1.0)
    return fig


def outputs_chart(outputs: dict[str, np.ndarray], targets: np.ndarray | None,
                  inputs: np.ndarray) -> go.Figure:
    """The output y_t at every step (name -> (T,)), with the window's inputs and targets."""
    fig = go.Figure()
    t = np.arange(len(inputs))
    fig.add_scatter(x=t, y=inputs, name=_("input x_t"), mode="lines",
                    line=dict(color=COLORS["actual"], width=1.5, dash="dot"))
    if targets is not None:
        fig.add_scatter(x=t[-len(targets):], y=targets, name=_("target"), mode="markers",
                        marker=dict(color=COLORS["actual"], symbol="x", size=9))
    for name, y in outputs.items():
        style = STYLES["initial" if "initial" in name else "trained"]
        shown = "y_t " + _(name[4:]) if name.startswith("y_t ") else _(name)  # y_t {model}
        fig.add_scatter(x=t, y=y, name=shown, mode="lines+markers", **style)
    fig.update_xaxes(**integer_axis(0, max(len(inputs) - 1, 1)))
    return styled(fig, _("Output y_t at every step (scaled units)"), _("time step t"),
                  _("value"))


def _positive(norms: np.ndarray) -> list:
    """Zeros (steps a truncation cuts off) cannot sit on a log axis: leave a gap."""
    return [float(v) if v > 0 else None for v in np.asarray(norms)]


def truncated_style(style: dict) -> dict:
    """The curve a truncation leaves: a wide pale band under the full curve it follows."""
    color = style["line"]["color"]
    return dict(line=dict(color=rgba(color, 0.45), width=9), mode="lines")


def clipped_style(style: dict) -> dict:
    """The same curve after clipping (shifted down by one factor): dash-dot, triangles."""
    color = style["line"]["color"]
    return dict(line=dict(color=color, width=1.5, dash="dashdot"),
                marker=dict(color=color, symbol="triangle-down", size=7))


def grad_flow_chart(curves: dict[str, np.ndarray], styles: dict[str, dict] | None = None,
                    title: str | None = None) -> go.Figure:
    """Each curve (T,), t = 0..T-1, drawn against steps back from the loss (T-1-t), log y.

    styles: name -> dict(line=..., marker=..., [mode=...]) (STYLES, truncated_style,
    clipped_style); a curve without one is drawn as the trained RNN."""
    fig = go.Figure()
    longest = 1
    for name, norms in curves.items():
        style = {"mode": "lines+markers", **(styles or {}).get(name, STYLES["trained"])}
        back = np.arange(len(norms))
        longest = max(longest, len(norms))
        fig.add_scatter(x=back, y=_positive(np.asarray(norms)[::-1]), name=_(name), **style)
    fig.update_xaxes(**integer_axis(0, longest - 1))
    fig.update_yaxes(**log_axis(*curves.values()))
    title = _("Gradient reaching each step, ‖∂L/∂hₜ‖") if title is None else title
    return styled(fig, title, _("steps back from the loss"), "‖∂L/∂hₜ‖")


def epoch_grad_chart(grad_norm: list[float], clip: float) -> go.Figure:
    """Mean gradient norm (before clipping) per epoch, and the clipping threshold."""
    x = np.arange(1, len(grad_norm) + 1)
    fig = go.Figure(go.Scatter(x=x, y=grad_norm, name=_("RNN gradient norm"), mode="lines",
                               line=dict(color=COLORS["RNN"], width=2.5)))
    if clip > 0:
        fig.add_hline(y=clip, line_dash=THRESHOLD["dash"], line_color=THRESHOLD["color"],
                      annotation_text=_("clipping threshold {clip:g}").format(clip=clip))
    fig.update_xaxes(range=[0.5, len(x) + 0.5], **integer_axis(1, max(len(x), 1)))
    fig.update_yaxes(**log_axis(grad_norm, [clip] if clip > 0 else []))
    return styled(fig, _("Gradient norm per epoch (last training run)"), _("epoch"),
                  _("mean ‖gradient‖ before clipping"))


def free_run_chart(steps: pd.DataFrame, units: str) -> go.Figure:
    """actual, teacher forcing and free running against the series index."""
    fig = go.Figure()
    fig.add_scatter(x=steps.index, y=steps["actual"], name=_("actual"), mode="lines+markers",
                    line=dict(color=COLORS["actual"], width=2),
                    marker=dict(color=COLORS["actual"], size=4))
    for name in ("teacher forcing", "free running"):
        fig.add_scatter(x=steps.index, y=steps[name], name=_(name), mode="lines+markers",
                        **STYLES[name])
    return styled(fig, _("Same model, two ways of feeding it"), y_title=units)


def horizon_error_chart(steps: pd.DataFrame, by_horizon: pd.DataFrame, units: str) -> go.Figure:
    """Error against steps ahead: this start point (markers) and the part's RMSE (lines).

    Free running and teacher forcing differ in colour and in marker (diamond, open circle) or
    dash (solid, dotted); this start and every start differ as markers against lines."""
    fig = go.Figure()
    k = np.arange(1, len(steps) + 1)
    free, teacher = STYLES["free running"], STYLES["teacher forcing"]
    fig.add_scatter(x=k, y=steps["free error"], name=_("free running, this start"),
                    mode="markers", marker={**free["marker"], "size": 8})
    fig.add_scatter(x=k, y=steps["teacher error"], name=_("teacher forcing, this start"),
                    mode="markers", marker={**teacher["marker"], "size": 8})
    fig.add_scatter(x=by_horizon.index, y=by_horizon["free running"], mode="lines",
                    name=_("free running, RMSE over every start"), line=free["line"])
    fig.add_scatter(x=by_horizon.index, y=by_horizon["teacher forcing"], mode="lines",
                    name=_("teacher forcing, RMSE over every start"), line=teacher["line"])
    last = max(len(steps), int(by_horizon.index.max()) if len(by_horizon) else 1)
    fig.update_xaxes(**integer_axis(1, last))
    return styled(fig, _("Error against steps ahead"), _("steps ahead"),
                  _("error ({units})").format(units=units) if units else _("error"))
