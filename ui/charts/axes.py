"""The one axis and layout style of every chart: title, size, legend, shaded parts, and the two
kinds of axis a class must read from the back row.

- A log axis is labelled at decades only (1, 10, 10², 10⁻³ …), never at the minor 2…9 ticks
  Plotly labels by default, and its range is widened to whole decades so at least two labels
  show even when the data span less than one.
- An axis that counts (epochs, steps back, steps ahead, blocks) has whole-number ticks only.

No background or font colour is set here: the paper and plot are transparent and Streamlit's
Plotly theme chooses the fonts, so every chart reads in the light and the dark theme.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from rnn_core.i18n import _
from ui.charts.palette import PART_FILL, PART_NAME

HEIGHT = 380
MAX_TICKS = 8  # labels on an axis, at most: more are not readable on a projector
TRANSPARENT = "rgba(0, 0, 0, 0)"
NO_MINOR = dict(ticks="", showgrid=False)  # minor ticks: no marks, no grid, never a label


def styled(fig: go.Figure, title: str, x_title: str = "", y_title: str = "",
           height: int = HEIGHT) -> go.Figure:
    """Every chart's layout; the titles come in the current language (the callers translate)."""
    # The title reserves its room at the top, the legend at the bottom of the figure (both
    # automargin): a legend of two or three rows never runs over the title or an axis title.
    fig.update_layout(title=dict(text=title, automargin=True, yref="container", y=0.98,
                                 yanchor="top"),
                      height=height, margin=dict(l=50, r=20, t=50, b=40),
                      xaxis_title=x_title, yaxis_title=y_title, uirevision=title,
                      legend=dict(orientation="h", yref="container", yanchor="bottom", y=0,
                                  x=0),
                      paper_bgcolor=TRANSPARENT, plot_bgcolor=TRANSPARENT)
    return fig


def shade_parts(fig: go.Figure, bounds: dict[str, tuple]) -> None:
    """Shade the validation and test parts; `bounds` maps part -> (x0, x1)."""
    for part, (x0, x1) in bounds.items():
        if part in PART_FILL:
            fig.add_vrect(x0=x0, x1=x1, fillcolor=PART_FILL[part], line_width=0, layer="below",
                          annotation_text=_(PART_NAME[part]), annotation_position="top left")


def _finite_positive(values) -> np.ndarray:
    flat = []
    for v in values:  # a list of arrays of different lengths, or one array
        flat.extend(np.ravel(np.asarray(v, dtype=float)) if v is not None else [])
    a = np.asarray(flat, dtype=float)
    return a[np.isfinite(a) & (a > 0)]


def log_axis(*values) -> dict:
    """Settings of a log axis labelled at decades only, as powers of ten (10⁻⁴).

    values: the arrays the axis shows. The range runs from the decade below the smallest
    positive value to the decade above the largest (at least one decade), with one label per
    decade, or per 2, 3 … decades when there are more than MAX_TICKS of them. In Plotly a log
    axis counts in decades: dtick=1 is every decade ("D1"/"D2" would label the 2 … 9 between)."""
    axis = dict(type="log", tickmode="linear", tick0=0, dtick=1, exponentformat="power",
                showexponent="all", minor=NO_MINOR)
    v = _finite_positive(values)
    if not len(v):
        return axis
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    if hi <= lo:  # the data sit on one power of ten: show the decade above it too
        hi = lo + 1
    axis["dtick"] = max(1, math.ceil((hi - lo) / (MAX_TICKS - 1)))
    pad = 0.02 * (hi - lo)  # so a point on the first or last decade is not cut in half
    axis["range"] = [lo - pad, hi + pad]
    return axis


def nice_step(span: float, max_ticks: int = MAX_TICKS) -> int:
    """The smallest whole step of 1, 2 or 5 × 10ᵏ that puts at most max_ticks ticks on span."""
    need = max(span / max(max_ticks - 1, 1), 1.0)
    magnitude = 10 ** math.floor(math.log10(need))
    for m in (1, 2, 5, 10):
        if m * magnitude >= need:
            return int(m * magnitude)
    return int(10 * magnitude)


def integer_axis(lo: float, hi: float, values=None) -> dict:
    """Settings of an axis that counts (epochs, steps, blocks): whole-number ticks only.

    lo, hi: the first and last count shown. values: the counts that have points, when they
    are few and uneven (1, 2, 4, 8, 16): then exactly those are labelled."""
    if values is not None and 0 < len(values) <= MAX_TICKS:
        return dict(tickmode="array", tickvals=[int(v) for v in values], tickformat="d",
                    minor=NO_MINOR)
    return dict(tickmode="linear", tick0=0, dtick=nice_step(hi - lo), tickformat="d",
                minor=NO_MINOR)


def value_range(*arrays, margin: float = 0.3) -> list[float]:
    """[lo, hi] of the finite values given, widened by `margin` of their span on each side.

    Charts of forecasts take their y range from the *data* (and the true curve), never from the
    predictions: a model that runs off to 1e78 is then drawn leaving the chart, instead of
    squashing the data into a flat line with an axis to 1e78.
    """
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    pad = margin * (hi - lo if hi > lo else max(abs(hi), 1.0))
    return [lo - pad, hi + pad]


def off_chart(curves: dict[str, np.ndarray], y_range) -> list[str]:
    """Plain words for every curve that leaves the chart's y range, with its extreme value."""
    out = []
    for name, values in curves.items():
        v = np.asarray(values, dtype=np.float64)
        if not v.size:
            continue
        worst = v[np.nanargmax(np.abs(v))] if np.isfinite(v).any() else float("nan")
        if not np.isfinite(worst) or worst < y_range[0] or worst > y_range[1]:
            out.append(_("{curve} reaches {value:.3g}").format(curve=name, value=worst))
    return out
