"""Figure and formula builders of the Inside page: arrays in, a `go.Figure` or a LaTeX string
out. No Streamlit and no math here: the numbers come from rnn_core.inside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts import COLORS, styled, heatmap

INIT_COLOR = "#868e96"  # the model at initialisation, grey beside the trained RNN's blue
SHOW = 4  # entries of a big matrix shown before the dots


# ----- formulas --------------------------------------------------------------------------------
def _num(v: float) -> str:
    return f"{v:.4f}"


def matrix(M, show: int = SHOW) -> str:
    """A vector (column) or matrix as a LaTeX bmatrix; big ones cut to show×show and dots."""
    M = np.atleast_1d(np.asarray(M, dtype=np.float64))
    if M.ndim == 1:
        M = M[:, None]
    rows, cols = M.shape
    r, c = min(rows, show), min(cols, show)
    lines = []
    for i in range(r):
        cells = [_num(M[i, j]) for j in range(c)] + (["\\cdots"] if cols > c else [])
        lines.append(" & ".join(cells))
    if rows > r:
        lines.append(" & ".join(["\\vdots"] * (c + (cols > c))))
    return "\\begin{bmatrix}" + " \\\\ ".join(lines) + "\\end{bmatrix}"


def act_name(activation: str) -> str:
    return "\\tanh" if activation == "tanh" else "\\operatorname{relu}"


def step_formulas(stages, show_weights: bool = True) -> list[str]:
    """The three stages of one step as LaTeX lines: pre-activation, activation, output.

    With show_weights the matrices are written out (cut to SHOW×SHOW when big)."""
    W = stages.weights
    f = act_name(stages.activation)
    lines = []
    if show_weights:  # each product on its own line, then their sum
        lines += [f"W_{{xh}}x_t = {matrix(W['W_xh'])}{matrix(stages.x)} = "
                  f"{matrix(stages.input_part)}",
                  f"W_{{hh}}h_{{t-1}} = {matrix(W['W_hh'])}{matrix(stages.h_prev)} = "
                  f"{matrix(stages.recurrent_part)}"]
    lines += [f"a_t = W_{{xh}}x_t + W_{{hh}}h_{{t-1}} + b_h = {matrix(stages.input_part)} + "
              f"{matrix(stages.recurrent_part)} + {matrix(stages.b_h)} = {matrix(stages.a)}",
              f"h_t = {f}(a_t) = {f}\\left({matrix(stages.a)}\\right) = {matrix(stages.h)}"]
    if stages.y is not None:
        w_hy = matrix(W["W_hy"]) if show_weights else "W_{hy}"
        b_y = matrix(W["b_y"]) if show_weights else "b_y"
        lines.append(f"y_t = W_{{hy}}h_t + b_y = {w_hy}{matrix(stages.h)} + {b_y} = "
                     f"{matrix(stages.y)}")
    return lines


def stacked_formula(h_prev, x, stacked, b_h) -> str:
    """Seed 003's row-vector form: [h_{t-1}, x_t] times the stacked weights, plus b1."""
    row = " & ".join(_num(v) for v in [*np.ravel(h_prev), *np.ravel(x)])
    S = np.asarray(stacked, dtype=np.float64)
    body = " \\\\ ".join(" & ".join(_num(v) for v in r) for r in S)
    bias = " & ".join(_num(v) for v in np.ravel(b_h))
    return (f"a_t = [\\,h_{{t-1}},\\ x_t\\,]\\,W + b_1 = \\begin{{bmatrix}}{row}\\end{{bmatrix}}"
            f"\\begin{{bmatrix}}{body}\\end{{bmatrix}} + \\begin{{bmatrix}}{bias}\\end{{bmatrix}}")


# ----- figures ---------------------------------------------------------------------------------
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
