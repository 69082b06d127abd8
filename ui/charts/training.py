"""Charts of training: the loss per epoch, the gradient norm through time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.axes import integer_axis, log_axis, styled
from ui.charts.palette import COLORS, STYLES


def loss_chart(histories: dict[str, object], log_y: bool = True, epochs: int | None = None,
               train_labels: dict[str, str] | None = None) -> go.Figure:
    """Training (solid, wide) and validation (dotted, narrower) loss of each model per epoch.

    histories: name -> History with lists train_loss, val_loss; train_labels: name -> what
    that model's training loss averages (e.g. "training loss (every step of the window)"),
    for the legend. Validation always scores the next value of held-out windows, for every
    model. epochs: the last epoch the x axis shows (the run's target), so it does not grow.
    """
    train_labels = train_labels or {}
    fig = go.Figure()
    shown = []
    longest = 0
    for name, h in histories.items():
        if h is None or not len(h):
            continue
        x = np.arange(1, len(h) + 1)
        longest = max(longest, len(h))
        label = _(train_labels.get(name, "training loss"))  # English msgids (tasks' N_)
        fig.add_scatter(x=x, y=h.train_loss, name=f"{_(name)} {label}", mode="lines",
                        line=dict(color=COLORS[name], width=2.5))
        shown.append(h.train_loss)
        val = np.asarray(h.val_loss, dtype=float)
        if np.isfinite(val).any():
            fig.add_scatter(x=x, y=val,
                            name=_("{model} validation loss (next value)").format(model=_(name)),
                            mode="lines", line=dict(color=COLORS[name], width=1.5, dash="dot"))
            shown.append(val)
    last = max(epochs or 0, longest, 1)
    fig.update_xaxes(range=[0.5, last + 0.5], **integer_axis(1, last))
    if log_y:
        fig.update_yaxes(**log_axis(*shown))
    return styled(fig, _("Loss (mean squared error, scaled units)"), _("epoch"), _("loss"))


def gradient_norm_chart(curves: dict[str, np.ndarray], title: str) -> go.Figure:
    """||dL/dh_t|| against steps back from the loss, on a log axis; curves: name -> (T,).

    The first curve is drawn as the trained RNN, any other as the model at initialisation."""
    fig = go.Figure()
    longest = 1
    for i, (name, norms) in enumerate(curves.items()):
        back = np.arange(len(norms))
        longest = max(longest, len(norms))
        fig.add_scatter(x=back, y=np.asarray(norms)[::-1], name=name, mode="lines+markers",
                        **STYLES["trained" if i == 0 else "initial"])
    fig.update_xaxes(**integer_axis(0, longest - 1))
    fig.update_yaxes(**log_axis(*curves.values()))
    return styled(fig, title, _("steps back from the last output"), "‖∂L/∂hₜ‖")
