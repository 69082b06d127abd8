"""Compare page option: repeat the training (of the run, or of every cell of the race) over several
seeds and show the spread as bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.experiment import Run
from rnn_core.i18n import _
from rnn_core.race import Race, race_spread
from rnn_core.sweep import describe_spread, seed_spread
from ui import state
from ui.engine import engine
from ui.state import BANDS, RACE_BANDS



def _seed_count(prefix: str, help_text: str) -> int | None:
    """The toggle and the seed slider (widget keys `<prefix>_on`, `<prefix>_n`): the number of
    seeds to train, or None while the toggle is off."""
    left, right = st.columns([1, 2])
    on = left.toggle(_("Repeat over seeds"), key=f"{prefix}_on", help=help_text)
    n_seeds = right.slider(_("Seeds"), 2, 10, 10, key=f"{prefix}_n", disabled=not on,
                           help=_("How many seeds (seed, seed+1, …) to train."))
    return n_seeds if on else None


def _spread(prefix: str, help_text: str, memo_name: str, subject, spinner: str, train):
    """The toggle and seed count (`_seed_count`); when on, train the settings of `subject` (a
    run or a race) with that many seeds, once per (subject, epochs, seeds): train(engine,
    series, cfg, seeds) -> (bands, text). Shows the text and returns the bands, model ->
    (n_seeds, horizon); None while off, or (with a warning) when it failed."""
    n_seeds = _seed_count(prefix, help_text)
    if n_seeds is None:
        return None

    def compute():
        series = pd.Series(subject.prepared.values, index=subject.prepared.index)
        seeds = [subject.cfg.seed + k for k in range(n_seeds)]
        eng = engine()
        with st.spinner(spinner.format(n=n_seeds, engine=eng.describe())):
            return train(eng, series, subject.cfg.replace(epochs=subject.epochs_done), seeds)

    try:
        bands, text = state.memo(memo_name, state.run_key(subject, n_seeds), compute)
    except ValueError as err:
        st.warning(_("The seed spread could not be computed: {why}").format(why=err))
        return None
    st.info(text)
    return bands


def seed_bands(run: Run) -> dict[str, np.ndarray] | None:
    """A toggle and a seed count; returns the extrapolation of each seed, or None."""
    def train(eng, series, cfg, seeds):
        spread = seed_spread(eng, series, cfg, seeds)
        return ({"RNN": spread.extrapolation},  # (n_seeds, horizon)
                describe_spread(spread.table, _(run.model_name)))

    bands = _spread("bands", _("Train the same settings with other seeds (in parallel) and "
                               "shade the range of their forecasts: how much of the result is "
                               "luck?"), BANDS, run, _("Training {n} seeds on {engine}…"), train)
    return None if bands is None else {run.screen_names.get(name, name): runs
                                       for name, runs in bands.items()}


def race_bands(race: Race) -> dict[str, np.ndarray] | None:
    """The race's seed spread, per cell: a toggle and a seed count; trains every cell with each
    seed (rnn_core.race.race_spread), says per cell in how many seeds it beat persistence, and
    returns each cell's extrapolations by its name, (n_seeds, horizon) — or None."""
    def train(eng, series, cfg, seeds):
        spreads, labels = race_spread(eng, series, cfg, seeds), race.labels()
        return ({race.names[c]: spread.extrapolation for c, spread in spreads.items()},
                "\n\n".join(describe_spread(spread.table, _(labels[c]))
                             for c, spread in spreads.items()))

    return _spread("race_bands", _("Train every cell of the race again with other seeds (in "
                                   "parallel) and shade the range of each cell's forecasts: is "
                                   "the winner the winner in every seed?"), RACE_BANDS, race,
                   _("Training {n} seeds of each cell on {engine}…"), train)
