"""Widgets drawn from the configuration fields: bounds and help text come from rnn_core.config.

`control("window")` draws the right widget for a field, shows the session's current value, and
writes a change back to the session configuration (validated; a bad value is refused with a
plain message and the previous value kept). A teacher's link may hide or lock any control.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from rnn_core.cells import CELL_LABELS
from rnn_core.config import FIELDS, LabConfig, validated
from rnn_core.i18n import N_, _
from rnn_core.tasks import TASKS
from ui import state
from ui.state import CONTROL_REFUSAL as REFUSAL

CHOICE_LABELS = {  # value -> its words (English msgids, shown with _())
    "synthetic": N_("Synthetic curve"), "fred": N_("FRED economic series"),
    "ticker": N_("Stock ticker"), "csv": N_("Upload a CSV file"),
    "sample": N_("Offline stock sample (weekly, 2018–2019)"),
    "xsinx": "x·sin(x)", "sine": N_("Sine"), "damped": N_("Damped oscillation"),
    "random_walk": N_("Random walk"), "echo": N_("Echo (a memory test)"),
    **CELL_LABELS,
    **{key: task.label for key, task in TASKS.items()},
    "minmax": N_("Min-max to [0, 1]"), "standard": N_("Standard (mean 0, std 1)"),
    "adam": "Adam", "sgd": "SGD", "momentum": N_("SGD + momentum"),
    "tanh": "tanh", "relu": "ReLU", "1d": N_("Daily"), "1wk": N_("Weekly"),
}

# A log-spaced ladder for the learning rate: 1e-5, 2e-5, 5e-5, ..., 5, 10.
_LR_LADDER = sorted({float(f"{m * 10.0 ** e:.0e}") for e in range(-5, 2) for m in (1, 2, 5)})

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(LabConfig)}


def _key(name: str) -> str:
    return f"w_{name}"


def _commit(name: str) -> None:
    """on_change: copy the widget's value into the configuration, or refuse it in plain words
    (the refused value never enters the configuration, so it never reaches the link either)."""
    raw = st.session_state[_key(name)]
    default = _DEFAULTS[name]
    spec = FIELDS[name]
    kept = getattr(state.cfg(), name)
    if raw is None:  # an emptied number box, or a value past its bounds (Streamlit gives None)
        _refuse(name, _("{label}: type a number from {lo:g} to {hi:g}. Kept {kept!r}.").format(
            label=_(spec.label), lo=spec.lo, hi=spec.hi, kept=kept))
        return
    kind = type(default) if isinstance(default, (int, float)) else None
    value = kind(raw) if kind is not None else raw
    try:
        new = validated(state.cfg().replace(**{name: value}))
    except ValueError as err:
        _refuse(name, _("{label}: {why}. Kept {kept!r}.").format(
            label=_(spec.label), why=str(err).rstrip("."), kept=kept))
        return
    if new.source != state.cfg().source:
        state.forget_notes()  # notes about the earlier source's link values no longer apply
    state.set_cfg(new)


def _refuse(name: str, text: str) -> None:
    """Keep the refusal for the rerun, which shows it under the control that refused it."""
    st.session_state[REFUSAL] = (name, text)


def _show_refusal(names, where) -> None:
    """The refusal of one of these controls, once, right where the student typed."""
    refused = st.session_state.get(REFUSAL)
    if refused is not None and refused[0] in names:
        del st.session_state[REFUSAL]
        where.warning(refused[1])


def control(name: str, where=st) -> object:
    """Draw the widget of one configuration field in `where` (a refusal of the value just
    typed right under it); return the field's value."""
    value = _draw(name, where)
    _show_refusal((name,), where)
    return value


def _draw(name: str, where) -> object:
    cfg = state.cfg()
    value = getattr(cfg, name)
    if name in st.session_state.get(state.HIDDEN, ()):
        return value
    spec = FIELDS[name]
    key = _key(name)
    st.session_state[key] = value  # the configuration is the truth; the widget shows it
    label = _(spec.label)
    common = dict(key=key, help=_(spec.help), on_change=_commit, args=(name,),
                  disabled=name in st.session_state.get(state.LOCKED, ()))
    if spec.choices is not None:
        shown = {c: _(CHOICE_LABELS.get(c, c)) for c in spec.choices}  # translated now, once
        where.selectbox(label, spec.choices, format_func=shown.get,
                        **common)
    elif spec.log:
        ladder = sorted({*_LR_LADDER, value})
        where.select_slider(label, ladder, format_func=lambda v: f"{v:g}", **common)
    elif isinstance(value, bool):
        where.checkbox(label, **common)
    elif isinstance(value, int):
        # value=None: Streamlit replaces an out-of-bounds value by the widget's default, which
        # must not be a real number (it would be taken as the student's choice)
        where.number_input(label, min_value=int(spec.lo), max_value=int(spec.hi), step=1,
                           value=None, **common)
    elif isinstance(value, float):
        step = _float_step(spec.lo, spec.hi)
        where.number_input(label, min_value=float(spec.lo), max_value=float(spec.hi),
                           step=step, format="%g", value=None, **common)
    else:
        where.text_input(label, max_chars=40, **common)
    return getattr(state.cfg(), name)


def _float_step(lo: float, hi: float) -> float:
    span = hi - lo
    return float(10.0 ** np.floor(np.log10(span)) / 100) if span > 0 else 0.01


def controls(names, columns: int = 1) -> None:
    """Draw several fields, spread over `columns` columns."""
    visible = [n for n in names if n not in st.session_state.get(state.HIDDEN, ())]
    if not visible:
        return
    cols = st.columns(columns) if columns > 1 else [st]
    for i, name in enumerate(visible):
        _draw(name, cols[i % len(cols)])
    _show_refusal(visible, st)  # under the row, full width: a column is too narrow for words
