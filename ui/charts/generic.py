"""Charts of any table or matrix: a heatmap, lines per column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts.axes import styled
from ui.charts.palette import COLORS


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
