"""Compare page option: repeat the training over several seeds and show the spread as bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.experiment import Run
from rnn_core.i18n import _
from rnn_core.sweep import describe_spread, seed_spread
from ui import state
from ui.engine import engine
from ui.state import BANDS



def seed_bands(run: Run) -> dict[str, np.ndarray] | None:
    """A toggle and a seed count; returns the extrapolation of each seed, or None."""
    left, right = st.columns([1, 2])
    on = left.toggle(_("Repeat over seeds"), key="bands_on",
                     help=_("Train the same settings with other seeds (in parallel) and shade "
                            "the range of their forecasts: how much of the result is luck?"))
    n_seeds = right.slider(_("Seeds"), 2, 10, 10, key="bands_n", disabled=not on,
                           help=_("How many seeds (seed, seed+1, …) to train."))
    if not on:
        return None

    def compute():
        series = pd.Series(run.prepared.values, index=run.prepared.index)
        seeds = [run.cfg.seed + k for k in range(n_seeds)]
        eng = engine()
        with st.spinner(_("Training {n} seeds on {engine}…").format(n=n_seeds,
                                                                  engine=eng.describe())):
            spread = seed_spread(eng, series, run.cfg.replace(epochs=run.epochs_done), seeds)
        return {"RNN": spread.extrapolation}, describe_spread(spread.table)  # (n_seeds, horizon)

    try:
        bands, summary = state.memo(BANDS, state.run_key(run, n_seeds), compute)
    except ValueError as err:
        st.warning(_("The seed spread could not be computed: {why}").format(why=err))
        return None
    st.info(summary)
    return bands
