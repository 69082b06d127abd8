"""The training screen's live chart: the models' predictions, redrawn while they learn (a run's
RNN, GRU or LSTM and its baselines, or every cell of a race: one line per model column).

Axis ranges are fixed from the data (not from the predictions), so the picture does not jump
between redraws and a model that goes wild is drawn off the edge instead of squashing the data
into a flat line; `uirevision` keeps a student's zoom across redraws.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import shade_parts, styled, value_range
from ui.charts.forecasts import BASELINES, ONE_STEP_DASH, models_in
from ui.charts.palette import COLORS

CONTEXT = 0.25  # share of the shown span drawn as real history before the first prediction
MARGIN = 0.3  # room above and below the data, as a share of its range


def live_ranges(history: pd.Series, view) -> tuple[list, list]:
    """([x0, x1], [y0, y1]): from a little before the first prediction to the end of the
    extrapolation; the y range of the real (and true) values shown, with a margin."""
    first, last = view.predictions.index[0], view.extrapolation.index[-1]
    span = last - first
    x0 = max(history.index[0], first - span * CONTEXT)
    shown = [history[(history.index >= x0)].to_numpy()]
    if "true" in view.extrapolation:
        shown.append(view.extrapolation["true"].to_numpy())
    return [x0, last], value_range(*shown, margin=MARGIN)


def live_forecast_chart(history: pd.Series, view, bounds: dict[str, tuple], units: str,
                        epoch: int, height: int = 330) -> go.Figure:
    """history: the whole series (data units); view: a rnn_core.evaluate.LiveView; bounds: the
    parts to shade. One-step predictions are solid, forecasts fed with their own outputs dotted."""
    x_range, y_range = live_ranges(history, view)
    fig = go.Figure()
    shown = history[history.index >= x_range[0]]
    fig.add_scatter(x=shown.index, y=shown.to_numpy(), name=_("actual"), mode="lines",
                    line=dict(color=COLORS["actual"], width=2))
    ext = view.extrapolation
    if "true" in ext:
        fig.add_scatter(x=ext.index, y=ext["true"], name=_("true curve"), mode="lines",
                        line=dict(color=COLORS["true"], dash="dash"))
    pred = view.predictions
    for name in models_in(pred, first="baselines"):  # the recurrent model(s) last: on top
        width = 1.5 if name in BASELINES else 2.5
        fig.add_scatter(x=pred.index, y=pred[name], mode="lines",
                        name=_("{model} one-step").format(model=_(name)),
                        line=dict(color=COLORS[name], width=width, dash=ONE_STEP_DASH.get(name)))
        if name in ext:
            fig.add_scatter(x=ext.index, y=ext[name], mode="lines",
                            name=_("{model} forecast").format(model=_(name)),
                            line=dict(color=COLORS[name], width=width, dash="dot"))
    shade_parts(fig, {p: b for p, b in bounds.items() if b[1] >= x_range[0]})
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    fig = styled(fig, _("Predictions after epoch {epoch}").format(epoch=epoch), y_title=units,
                 height=height)
    fig.update_layout(uirevision="live")
    return on_screen(fig, height)


def on_screen(fig: go.Figure, height: int) -> go.Figure:
    """The training screen's size for any of its charts: a fixed height, a compact legend
    (kept where the one axis style puts it, under the plot), no x-axis title (the ticks say
    epochs or dates)."""
    fig.update_layout(height=height, legend=dict(font=dict(size=11)))
    fig.update_xaxes(title_text=None)
    return fig
