"""Charts of training: the loss per epoch, the gradient norm through time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.charts.axes import styled
from ui.charts.palette import COLORS


def loss_chart(histories: dict[str, object], log_y: bool = True, epochs: int | None = None,
               train_labels: dict[str, str] | None = None) -> go.Figure:
    """Training (solid) and validation (dotted) loss of each model per epoch.

    histories: name -> History with lists train_loss, val_loss; train_labels: name -> what
    that model's training loss averages (e.g. "every step of the window"), for the legend.
    Validation always scores the next value of held-out windows, for every model.
    """
    train_labels = train_labels or {}
    fig = go.Figure()
    for name, h in histories.items():
        if h is None or not len(h):
            continue
        x = np.arange(1, len(h) + 1)
        fig.add_scatter(x=x, y=h.train_loss, name=f"{name} {train_labels.get(name, 'training')}",
                        mode="lines",
                        line=dict(color=COLORS[name]))
        val = np.asarray(h.val_loss, dtype=float)
        if np.isfinite(val).any():
            fig.add_scatter(x=x, y=val, name=f"{name} validation (next value)", mode="lines",
                            line=dict(color=COLORS[name], dash="dot"))
    fig.update_yaxes(type="log" if log_y else "linear")
    if epochs:
        fig.update_xaxes(range=[0.5, epochs + 0.5])
    return styled(fig, "Loss (mean squared error, scaled units)", "epoch", "loss")


def gradient_norm_chart(curves: dict[str, np.ndarray], title: str) -> go.Figure:
    """||dL/dh_t|| against steps back from the loss, on a log axis; curves: name -> (T,)."""
    fig = go.Figure()
    for name, norms in curves.items():
        back = np.arange(len(norms))
        fig.add_scatter(x=back, y=np.asarray(norms)[::-1], name=name, mode="lines+markers")
    fig.update_yaxes(type="log", exponentformat="power")
    return styled(fig, title, "steps back from the last output", "‖∂L/∂hₜ‖")
