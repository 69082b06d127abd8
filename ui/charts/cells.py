"""Figures of the Inside page's per-cell views: arrays in, a `go.Figure` out (rnn_core.cell_views
computes). Each cell keeps one colour and one marker on every chart (Elman RNN blue circles,
GRU purple squares, LSTM orange diamonds, palette.COLORS), so colour is never the only cue.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.cells import CELL_LABELS
from rnn_core.i18n import N_, _
from ui.charts.axes import HEIGHT, integer_axis, log_axis, styled
from ui.charts.palette import COLORS, INIT_COLOR, THRESHOLD

CELL_STYLES = {  # cell key -> line and marker: colour from the one palette, plus a marker shape
    "rnn": dict(line=dict(color=COLORS["RNN"], width=2.5),
                marker=dict(color=COLORS["RNN"], symbol="circle", size=6)),
    "gru": dict(line=dict(color=COLORS["GRU"], width=2.5, dash="dash"),
                marker=dict(color=COLORS["GRU"], symbol="square", size=6)),
    "lstm": dict(line=dict(color=COLORS["LSTM"], width=2.5, dash="dot"),
                 marker=dict(color=COLORS["LSTM"], symbol="diamond", size=7)),
}
GRADS_TITLE = N_("‖∂L/∂hₜ‖ of each cell on the same windows")
MEMORY_TITLE = N_("Memory of each input: |∂ŷ/∂xₜ₋ₖ| of each cell")
EIGEN_TITLE = N_("Eigenvalues of the Elman cell's W_hh")


def _positive(values) -> list:
    """A log axis cannot show 0: leave a gap there."""
    return [float(v) if v > 0 else None for v in np.asarray(values, dtype=np.float64)]


def per_cell_chart(curves: dict[str, np.ndarray], title: str, x_title: str,
                   y_title: str) -> go.Figure:
    """cell -> (K,) values at k = 0..K-1 (steps back), one line per cell, log y."""
    fig = go.Figure()
    longest = 1
    for cell, values in curves.items():
        k = np.arange(len(values))
        longest = max(longest, len(values))
        fig.add_scatter(x=k, y=_positive(values), name=_(CELL_LABELS[cell]),
                        mode="lines+markers", **CELL_STYLES[cell])
    fig.update_xaxes(**integer_axis(0, longest - 1))
    fig.update_yaxes(**log_axis(*curves.values()))
    return styled(fig, title, x_title, y_title)


def grads_chart(curves: dict[str, np.ndarray]) -> go.Figure:
    """cell -> (T,) ||dL/dh_t|| for t = 0..T-1, drawn against steps back from the loss."""
    return per_cell_chart({c: np.asarray(v)[::-1] for c, v in curves.items()}, _(GRADS_TITLE),
                          _("steps back from the loss"), "‖∂L/∂hₜ‖")


def memory_chart(curves: dict[str, np.ndarray]) -> go.Figure:
    """cell -> (T,) mean |dŷ/dx_{t-k}| for k = 0..T-1 (already indexed by k)."""
    return per_cell_chart(curves, _(MEMORY_TITLE), _("k: steps back from the forecast"),
                          "|∂ŷ/∂xₜ₋ₖ|")


def _colorbar_y(fig: go.Figure, row: int) -> tuple[float, float]:
    """Centre and length of the row's y domain (axis yaxis{row}), for that heatmap's colour bar."""
    name = "yaxis" if row == 1 else f"yaxis{row}"
    lo, hi = fig.layout[name].domain
    return (lo + hi) / 2, hi - lo


def gates_chart(inputs: np.ndarray, maps: dict[str, np.ndarray], names: dict[str, str],
                ranges: dict, title: str) -> go.Figure:
    """The window's input (T,) on top, then one heatmap per gate or state (name -> (T, H)),
    time steps across and units down. σ gates are drawn 0 .. 1, tanh values -1 .. 1 (`ranges`,
    None: symmetric around 0 to the largest |value|), each with its own colour bar."""
    rows = 1 + len(maps)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.6] + [1.0] * len(maps),
                        subplot_titles=[_("input x_t")] + [names[n] for n in maps])
    T = len(inputs)
    t = np.arange(T)
    fig.add_scatter(x=t, y=np.asarray(inputs, dtype=np.float64), name=_("input x_t"),
                    mode="lines+markers", showlegend=False, row=1, col=1,
                    line=dict(color=COLORS["actual"], width=2), marker=dict(size=4))
    for row, (name, z) in enumerate(maps.items(), start=2):
        z = np.asarray(z, dtype=np.float64).T                       # (H, T): units down
        span = ranges.get(name)
        if span is None:
            top = max(float(np.max(np.abs(z), initial=0.0)), 1e-12)
            span = (-top, top)
        sequential = span[0] >= 0
        y, length = _colorbar_y(fig, row)
        fig.add_heatmap(z=z, x=t, row=row, col=1, zmin=span[0], zmax=span[1],
                        colorscale="Viridis" if sequential else "RdBu", reversescale=not sequential,
                        colorbar=dict(y=y, len=length * 0.95, thickness=12),
                        name=names[name],
                        hovertemplate="t=%{x}, unit %{y}: %{z:.3f}<extra></extra>")
        fig.update_yaxes(**integer_axis(0, z.shape[0] - 1), row=row, col=1)
    fig.update_xaxes(**integer_axis(0, max(T - 1, 1)), row=rows, col=1)
    fig.update_xaxes(title_text=_("time step t"), row=rows, col=1)
    return styled(fig, title, height=max(HEIGHT, 120 + 110 * len(maps)))


def eigen_chart(eigs: dict[str, object]) -> go.Figure:
    """name -> rnn_core.cell_views.Eigen, in the complex plane with the unit circle |λ| = 1.
    The first is drawn in the trained RNN's blue, filled; the others paler, open."""
    fig = go.Figure()
    a = np.linspace(0, 2 * np.pi, 361)
    fig.add_scatter(x=np.cos(a), y=np.sin(a), mode="lines", name=_("unit circle |λ| = 1"),
                    line=dict(color=THRESHOLD["color"], dash=THRESHOLD["dash"], width=1.5),
                    hoverinfo="skip")
    reach = 1.0
    for j, (name, e) in enumerate(eigs.items()):
        values = np.asarray(e.values)
        reach = max(reach, float(np.max(np.abs(values), initial=0.0)))
        color = COLORS["RNN"] if j == 0 else INIT_COLOR
        fig.add_scatter(x=values.real, y=values.imag, mode="markers",
                        name=_("{name}: largest |λ| = {radius:.3f}").format(name=name,
                                                                             radius=e.radius),
                        marker=dict(color=color, size=9 if j == 0 else 8,
                                    symbol="circle" if j == 0 else "circle-open",
                                    line=dict(color=color, width=1.5)),
                        hovertemplate="λ = %{x:.3f} + %{y:.3f}i<extra></extra>")
    r = 1.1 * reach
    fig.update_xaxes(range=[-r, r], zeroline=True, constrain="domain")  # a circle stays round
    fig.update_yaxes(range=[-r, r], zeroline=True, scaleanchor="x", scaleratio=1)
    return styled(fig, _(EIGEN_TITLE), _("real part"), _("imaginary part"), height=HEIGHT + 40)
