"""Which model the Inside page opens: the session's run, or a fresh one at initialisation.

A student may come here before training anything. The page then builds a run on the current
data and settings (kept in the session, rebuilt when either changes) and shows it at
initialisation; a small button trains it for a few epochs and makes it the session's run.
"""

from __future__ import annotations

import streamlit as st

from rnn_core.experiment import Run, check_cost, prepare
from rnn_core.i18n import _
from rnn_core.prepared import series_digest
from rnn_core.train import TrainingDiverged
from rnn_core.words import counted
from ui import data, state
from ui.state import INSIDE_DEFAULT as DEFAULT

QUICK_EPOCHS = 20  # the quick model's epochs (fewer if the settings ask for fewer)


def quick_epochs() -> int:
    return min(QUICK_EPOCHS, state.cfg().epochs)


def _default_run() -> tuple[Run | None, str | None]:
    """A run on the current data and settings at initialisation, or (None, reason)."""
    series = data.current_series()
    if series is None:
        return None, _("No data is loaded yet: pick some on the Data page.")
    key = (state.cfg(), series_digest(series.values))  # never id(): it can be reused
    try:
        run = state.memo(DEFAULT, key, lambda: Run(prepare(series.values, state.cfg(),
                                                            series.units)))
    except ValueError as err:
        return None, str(err)
    return run, None


def current_run() -> tuple[Run | None, str | None]:
    """The session's trained run if there is one, else a run at initialisation."""
    run = state.current_run()
    if run is not None:
        return run, None
    return _default_run()


def _train_quick() -> None:
    """on_click: train a new run for quick_epochs() epochs and make it the session's run."""
    series = data.current_series()
    if series is None:
        state.flash("error", _("Load some data on the Data page first."))
        return
    try:
        prepared = prepare(series.values, state.cfg().replace(epochs=quick_epochs()),
                           series.units)
        check_cost(prepared)
        run = Run(prepared)
        run.train(prepared.cfg.epochs)
    except (ValueError, TrainingDiverged) as err:  # TrainingDiverged is a ValueError too
        state.flash("error", _("The quick model could not be trained: {err}").format(err=err))
        return
    state.install_run(run)
    state.flash("success", _("Trained a quick model for {epochs}: every view below now shows it "
                             "after training and at initialisation.").format(
                               epochs=counted(run.epochs_done, 'epoch')))


def quick_train_button() -> None:
    st.button(_("Train a quick model ({epochs})").format(epochs=counted(quick_epochs(), 'epoch')),
              key="inside_quick_train",
              on_click=_train_quick,
              help=_("Trains the RNN and the MLP briefly with your current settings, so the "
                     "views can compare 'after training' with 'at initialisation'."))
