"""Charts of the Sweep page: a summary table of settings in, a `go.Figure` out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.axes import styled
from ui.charts.palette import COLORS


def heatmaps(summary_table: pd.DataFrame, persistence: float) -> go.Figure:
    """Best validation RMSE of the RNN and the MLP over window × hidden units, side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("RNN", "MLP"), horizontal_spacing=0.12)
    values = [summary_table.pivot_table(index="window", columns="n_hidden",
                                        values=f"val_{m}_rmse_mean", aggfunc="min")
              for m in ("rnn", "mlp")]
    # Colour = log2(RMSE / persistence's RMSE): white is "as good as persistence", blue better,
    # red worse; one symmetric range for both panels so their colours compare.
    ratios = [np.log2(v.to_numpy() / persistence) for v in values]
    reach = max(1.0, float(np.nanmax([np.nanmax(np.abs(r)) for r in ratios])))
    ticks = np.arange(-np.floor(reach), np.floor(reach) + 1)
    for col, (grid, ratio) in enumerate(zip(values, ratios), start=1):
        fig.add_trace(go.Heatmap(
            z=ratio, x=[str(c) for c in grid.columns], y=[str(i) for i in grid.index],
            zmin=-reach, zmax=reach, colorscale="RdBu_r",
            text=np.vectorize(lambda v: f"{v:.3g}")(grid.to_numpy()), texttemplate="%{text}",
            hovertemplate="window %{y}, %{x} hidden units: RMSE %{text}<extra></extra>",
            colorbar=dict(title="× persistence", tickvals=ticks,
                          ticktext=[f"{2.0 ** t:g}×" for t in ticks]) if col == 2 else None,
            showscale=col == 2), 1, col)
        fig.update_xaxes(title_text="hidden units", type="category", row=1, col=col)
        fig.update_yaxes(title_text="window", type="category", row=1, col=col)
    return styled(fig, f"Validation RMSE, mean over seeds (white = persistence's "
                        f"{persistence:.3g}; blue beats it, red does not)")


def spread_chart(summary_table: pd.DataFrame, persistence: float) -> go.Figure:
    """Each setting's validation RMSE with its spread over seeds, persistence as a line."""
    labels = [f"w{r.window} h{r.n_hidden} lr{r.lr:g} {r.activation} {r.optimizer}"
              for r in summary_table.itertuples()]
    fig = go.Figure()
    for model in ("rnn", "mlp"):
        name = model.upper()
        fig.add_bar(x=labels, y=summary_table[f"val_{model}_rmse_mean"], name=name,
                    marker_color=COLORS[name],
                    error_y=dict(type="data", array=summary_table[f"val_{model}_rmse_std"]))
    fig.add_hline(y=persistence, line_dash="dot", line_color=COLORS["Persistence"],
                  annotation_text="persistence")
    fig.update_yaxes(type="log")
    return styled(fig, "Validation RMSE per setting (bars: mean, whiskers: std over seeds)",
                   "", "RMSE")
