"""The one axis and layout style of every chart: title, size, legend, shaded parts."""

from __future__ import annotations

import plotly.graph_objects as go

from ui.charts.palette import PART_FILL, PART_NAME

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
