"""Charts of the Sweep page: a summary table of settings in, a `go.Figure` out.

Both charts show validation RMSE (the part the sweep ranks on), each against persistence's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.i18n import N_, _
from ui.charts.axes import log_axis, styled
from ui.charts.palette import COLORS

REACH = 2  # the colour scale runs from persistence's RMSE ×¼ to ×4; further is as saturated
SETTINGS = (("window", N_("window {}")), ("n_hidden", N_("{} hidden")), ("lr", "lr {:g}"),
            ("activation", "{}"), ("optimizer", "{}"))  # labels shown with _(label)


def _times(power: int) -> str:
    """2 ** power as a short factor: ×0.25, ×0.5, ×1, ×2, ×4."""
    return f"×{2.0 ** power:g}"


def heatmaps(summary_table: pd.DataFrame, persistence: float) -> go.Figure:
    """Best validation RMSE of the RNN and the MLP over window × hidden units, side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("RNN", "MLP"), horizontal_spacing=0.12)
    values = [summary_table.pivot_table(index="window", columns="n_hidden",
                                        values=f"val_{m}_rmse_mean", aggfunc="min")
              for m in ("rnn", "mlp")]
    # Colour = log2(RMSE / persistence's RMSE): white is "as good as persistence", blue better,
    # red worse; one symmetric range for both panels so their colours compare, at most ×¼ … ×4
    # (a diverged MLP at ×64 would otherwise wash every other cell out to white).
    ratios = [np.log2(v.to_numpy() / persistence) for v in values]
    farthest = float(np.nanmax([np.nanmax(np.abs(r)) if np.isfinite(r).any() else 0.0
                                for r in ratios]))
    reach = REACH if farthest > 1 else 1
    ticks = list(range(-reach, reach + 1))
    labels = [_times(t) for t in ticks]
    if farthest > reach:  # the ends stand for everything beyond them
        labels[0], labels[-1] = "≤" + labels[0], "≥" + labels[-1]
    for col, (grid, ratio) in enumerate(zip(values, ratios), start=1):
        fig.add_trace(go.Heatmap(
            z=ratio, x=[str(c) for c in grid.columns], y=[str(i) for i in grid.index],
            zmin=-reach, zmax=reach, colorscale="RdBu_r",
            text=np.vectorize(lambda v: f"{v:.3g}")(grid.to_numpy()), texttemplate="%{text}",
            hovertemplate=_("window %{y}, %{x} hidden units: RMSE %{text}") + "<extra></extra>",
            colorbar=dict(title=_("RMSE ÷<br>persistence"), tickvals=ticks,
                          ticktext=labels) if col == 2 else None,
            showscale=col == 2), 1, col)
        fig.update_xaxes(title_text=_("hidden units"), type="category", row=1, col=col)
        fig.update_yaxes(title_text=_("window"), type="category", row=1, col=col)
    return styled(fig, _("Validation RMSE, mean over seeds, against persistence's "
                         "{persistence:.3g} (blue: better, red: worse)").format(
        persistence=persistence))


def setting_labels(summary_table: pd.DataFrame) -> list[str]:
    """One tick label per row, naming only the settings that vary: 'window 5<br>20 hidden'."""
    varying = [(col, fmt) for col, fmt in SETTINGS
               if col in summary_table and summary_table[col].nunique() > 1]
    varying = varying or [SETTINGS[0]]
    return ["<br>".join(_(fmt).format(getattr(r, col)) for col, fmt in varying)
            for r in summary_table.itertuples()]


def spread_chart(summary_table: pd.DataFrame, persistence: float) -> go.Figure:
    """Each setting's validation RMSE with its spread over seeds, persistence as a line.

    The log axis runs over whole decades that hold every bar and whisker top and the
    persistence line; persistence is named in the legend, not written over a bar."""
    labels = setting_labels(summary_table)
    fig = go.Figure()
    shown = [[persistence]]
    for model in ("rnn", "mlp"):
        name = model.upper()
        mean = summary_table[f"val_{model}_rmse_mean"].to_numpy(dtype=float)
        std = np.nan_to_num(summary_table[f"val_{model}_rmse_std"].to_numpy(dtype=float))
        fig.add_bar(x=labels, y=mean,
                    name=_("{model} validation RMSE (mean over seeds)").format(model=name),
                    marker_color=COLORS[name],
                    error_y=dict(type="data", array=std, color=COLORS[name]))
        low = mean - std
        shown += [mean, mean + std, low[low > mean / 10]]  # a whisker to near 0: not the floor
    fig.add_hline(y=persistence, line_dash="dot", line_color=COLORS["Persistence"],
                  line_width=2)
    fig.add_scatter(x=[None], y=[None], mode="lines", name=_("Persistence validation RMSE"),
                    line=dict(color=COLORS["Persistence"], dash="dot", width=2))
    fig.update_yaxes(**log_axis(*shown))
    fig.update_layout(barmode="group")
    return styled(fig, _("Validation RMSE per setting (bars: mean, whiskers: std over seeds)"),
                  "", _("validation RMSE"))
