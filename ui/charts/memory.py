"""The long-memory sweep's chart: each model's test error against the echo lag L.

y is each model's test MSE ÷ the no-memory forecast's (the training mean): 1 is "remembers
nothing useful", the dashed floor 1 − 0.95² ≈ 0.10 the best any forecast can do. One point per
(lag, model) at the mean over seeds, its whiskers the lowest and highest seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import integer_axis, styled
from ui.charts.palette import COLORS, THRESHOLD, OKABE_ITO

# Legend name of a model -> its colour (the Elman cell has the RNN's blue everywhere).
_COLOR = {"Elman RNN": COLORS["RNN"], "GRU": COLORS["GRU"], "LSTM": COLORS["LSTM"],
          "MLP": COLORS["MLP"], "Persistence": COLORS["Persistence"]}


def memory_chart(summary: pd.DataFrame) -> go.Figure:
    """summary: `rnn_core.long_memory.memory_summary` (lag, model, mean, min, max, n_seeds),
    with the rows of "best" (the forecast that knows the equation, on the same test points)
    drawn as the dashed floor. Persistence, far above 1, is left out of the chart (its line is
    in the text): its scale would flatten every other line."""
    fig = go.Figure()
    lines = summary[~summary["model"].isin(("Persistence", "best"))]
    for model, rows in lines.groupby("model", sort=False):
        rows = rows.sort_values("lag")
        mean = rows["mean"].to_numpy(dtype=float)
        fig.add_scatter(
            x=rows["lag"], y=mean, mode="lines+markers", name=_(model),
            line=dict(color=_COLOR.get(model, OKABE_ITO["grey"]),
                      width=2.5 if model != "MLP" else 1.5, dash=None if model != "MLP" else "dot"),
            error_y=dict(type="data", symmetric=False, array=rows["max"].to_numpy() - mean,
                         arrayminus=mean - rows["min"].to_numpy(), thickness=1.2, width=4),
            hovertemplate=_("L = %{x}: %{y:.3f} (mean over seeds)") + "<extra></extra>")
    fig.add_hline(y=1.0, line=THRESHOLD, annotation_text=_("no memory (the training mean)"),
                  annotation_position="top left")
    best = summary[summary["model"] == "best"].sort_values("lag")
    if len(best):
        fig.add_scatter(x=best["lag"], y=best["mean"], mode="lines",
                        name=_("best possible: 0.95·y(t−L), on these test points"),
                        line=dict(color=OKABE_ITO["grey"], dash="dash", width=1.5),
                        hovertemplate=_("L = %{x}: %{y:.3f}") + "<extra></extra>")
    top = float(np.nanmax(lines["max"]))
    fig.update_yaxes(range=[0, max(1.25, min(top * 1.05, 3.0))])
    lags = sorted(summary["lag"].unique())
    fig.update_xaxes(**integer_axis(lags[0], lags[-1], lags))
    return styled(fig, _("Test error ÷ the no-memory forecast's, against the echo lag L"),
                  x_title=_("echo lag L (steps the model must remember)"),
                  y_title=_("test MSE ÷ no-memory MSE"))
