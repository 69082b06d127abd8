"""Charts of any table or matrix: a heatmap, lines per column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts.axes import integer_axis, log_axis, styled
from rnn_core.i18n import _
from ui.charts.palette import COLORS


def heatmap(z: np.ndarray, title: str, x_title: str, y_title: str, zmid: float | None = 0.0,
            colorscale: str = "RdBu", height: int = 320) -> go.Figure:
    """z: (rows, cols) drawn with rows on the y axis; both axes count cells (whole numbers)."""
    z = np.asarray(z)
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmid=zmid, reversescale=True))
    rows, cols = z.shape if z.ndim == 2 else (1, len(z))
    fig.update_xaxes(**integer_axis(0, cols - 1))
    fig.update_yaxes(**integer_axis(0, rows - 1))
    return styled(fig, title, x_title, y_title, height=height)


def lines_chart(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                log_y: bool = False) -> go.Figure:
    """One line per column against the index; a column named after a model gets its colour."""
    fig = go.Figure()
    for name in frame.columns:
        fig.add_scatter(x=frame.index, y=frame[name], name=_(str(name)), mode="lines",
                        line=dict(color=COLORS.get(str(name))))
    if log_y:
        fig.update_yaxes(**log_axis(*(frame[c].to_numpy() for c in frame.columns)))
    return styled(fig, title, x_title, y_title)
