"""An RNN's input/output shape drawn unrolled in time, with Plotly shapes and arrows.

The same cell (one box per step, the arrow between boxes is h carried forward) is drawn for
every shape; `shape` is any object with the fields of ui.inside_shapes.Shape.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import TRANSPARENT
from ui.charts.palette import COLORS, INIT_COLOR, OKABE_ITO, rgba

# Inputs are data (grey), the hidden state is the RNN (its blue), outputs its paler blue.
# Pale see-through fills, so the labels in the theme's font colour read on light and dark.
EDGE = {"x": COLORS["actual"], "h": COLORS["RNN"], "y": INIT_COLOR}
BOX = {row: rgba(color, 0.22) for row, color in EDGE.items()}
ROW = {"x": 0.0, "h": 1.0, "y": 2.0}


def _box(fig: go.Figure, t: int, row: str, label: str) -> None:
    y = ROW[row]
    fig.add_shape(type="rect", x0=t - 0.3, x1=t + 0.3, y0=y - 0.25, y1=y + 0.25,
                  fillcolor=BOX[row], line=dict(color=EDGE[row], width=1.5))
    fig.add_annotation(x=t, y=y, text=label, showarrow=False, font=dict(size=14))


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float, color: str,
           dash: bool = False) -> None:
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                       text="", showarrow=True, arrowhead=3, arrowwidth=1.6 if not dash else 1.2,
                       arrowcolor=color, opacity=0.6 if dash else 1.0)


def shape_diagram(shape, current: bool = False) -> go.Figure:
    """The shape unrolled: inputs (bottom), hidden states (middle), outputs (top)."""
    fig = go.Figure()
    for t in range(shape.steps):
        _box(fig, t, "h", f"h<sub>{t + 1}</sub>")
        if t > 0:  # the state carried forward: the recurrence
            _arrow(fig, t - 1 + 0.3, 1.0, t - 0.3, 1.0, EDGE["h"])
        if t in shape.inputs:
            _box(fig, t, "x", f"x<sub>{t + 1}</sub>")
            _arrow(fig, t, 0.25, t, 0.75, EDGE["x"])
        if t in shape.outputs:
            _box(fig, t, "y", f"y<sub>{t + 1}</sub>")
            _arrow(fig, t, 1.25, t, 1.75, EDGE["y"])
        if shape.feedback and t in shape.outputs and t + 1 < shape.steps:
            _arrow(fig, t + 0.3, 2.0, t + 1 - 0.15, 1.25, EDGE["y"], dash=True)
    if shape.key == "encoder_decoder":
        fig.add_vline(x=2.5, line_dash="dot", line_color=OKABE_ITO["grey"])
        fig.add_annotation(x=1, y=2.4, text=_("encoder"), showarrow=False)
        fig.add_annotation(x=4, y=2.4, text=_("decoder"), showarrow=False)
    title = _(shape.title) + (_("  ← the task you chose") if current else "")
    fig.update_xaxes(visible=False, range=[-0.6, max(shape.steps, 4) - 0.4])
    fig.update_yaxes(visible=False, range=[-0.45, 2.6])
    fig.update_layout(title=title, height=230, margin=dict(l=10, r=10, t=40, b=10),
                      paper_bgcolor=TRANSPARENT, plot_bgcolor=TRANSPARENT,
                      showlegend=False)
    return fig
