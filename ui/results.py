"""The current run's evaluation (cached per run and epoch) and its downloads."""

from __future__ import annotations

import io
import json

import streamlit as st

from rnn_core.evaluate import Evaluation, evaluate
from rnn_core.experiment import Run
from rnn_core.io import save_model
from rnn_core.restore import run_file_config
from rnn_core.datasets import true_curve
from rnn_core.ranges import effect as range_effect
from rnn_core.ranges import out_of_range
from rnn_core.ranges import describe as describe_range
from ui import data, state


def mismatch_notice(run: Run, offer_retrain: bool = True) -> bool:
    """Say plainly when `run` was trained on other data or settings than those selected now.

    The run's own data is what every table and chart of it uses; nothing is re-scored on data
    it was not trained on. `offer_retrain` adds a button that starts training on what is
    selected now (on the Train page). Returns True when a notice was shown.
    """
    changes = run.differences(None if (s := data.current_series()) is None else s.values,
                              state.cfg())
    if not changes:
        return False
    trained_on = run.prepared.data_name or "its own data"
    st.warning(f"This model was trained on {trained_on}; since then {'; '.join(changes)}. "
               "Everything shown for it here uses the data and settings it was trained on; "
               "it stays available until you train a new one.")
    if offer_retrain and st.button("Train on the current data and settings",
                                   key="retrain_btn", type="primary"):
        from ui import training  # here: the Train page's loop, only when asked

        training.on_train()
        st.switch_page("pages/2_Train.py")
    return True


def range_notes(prepared) -> None:
    """Held-out values (and the true curve past the data, when known) outside the training
    range: how many, by how much, and what it does to each model."""
    reports = out_of_range(prepared)
    if reports:
        st.warning(" ".join(describe_range(r, prepared.units) for r in reports) + " "
                   + range_effect(prepared.cfg.activation))


def evaluation(run: Run) -> Evaluation:
    """Evaluate `run` once per (run, epochs trained); later page runs reuse the tables."""
    return state.memo(state.EVALUATION, state.run_key(run),
                      lambda: evaluate(run, true_curve(run.cfg)))


def model_file(run: Run) -> bytes:
    """The trained RNN, its scaler and the configuration as one .npz file."""
    buffer = io.BytesIO()
    save_model(buffer, run.rnn, scaler=run.prepared.scaler, config=run_file_config(run))
    return buffer.getvalue()


def downloads(run: Run, ev: Evaluation) -> None:
    c1, c2, c3 = st.columns(3)
    c1.download_button("Predictions (CSV)", ev.predictions.to_csv().encode(),
                       file_name="rnn_lab_predictions.csv", mime="text/csv", key="dl_pred",
                       help="Actual values and every model's one-step prediction, per point.")
    c2.download_button("Trained RNN (.npz)", model_file(run), file_name="rnn_lab_model.npz",
                       mime="application/octet-stream", key="dl_model",
                       help="Weights, scaler, settings and loss curves: load it again on "
                            "the Train page, or in NumPy with rnn_core.io.load_model.")
    c3.download_button("Settings (JSON)", json.dumps(run.cfg.to_dict(), indent=2).encode(),
                       file_name="rnn_lab_config.json", mime="application/json",
                       key="dl_cfg", help="Every setting of this run.")
