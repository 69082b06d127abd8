"""The current run's evaluation (cached per run and epoch), the race's, and their downloads."""

from __future__ import annotations

import dataclasses
import io
import json

import streamlit as st

from rnn_core.cells import CELL_LABELS, takes_activation
from rnn_core.evaluate import Evaluation, evaluate
from rnn_core.experiment import Run
from rnn_core.i18n import _, translated_labels
from rnn_core.race import Race
from rnn_core.io import save_model
from rnn_core.restore import run_file_config
from rnn_core.datasets import true_curve
from rnn_core.ranges import effect as range_effect
from rnn_core.ranges import out_of_range
from rnn_core.ranges import describe as describe_range
from ui import data, state


def mismatch_notice(run: Run | Race, offer_retrain: bool = True) -> bool:
    """Say plainly when `run` was trained on other data or settings than those selected now.

    The run's own data is what every table and chart of it uses; nothing is re-scored on data
    it was not trained on. `offer_retrain` adds a button that starts training on what is
    selected now (on the Train page). A race (rnn_core.race.Race) gets the same notice, in its
    own words, and a button that races again. Returns True when a notice was shown.
    """
    changes = run.differences(None if (s := data.current_series()) is None else s.values,
                              state.cfg())
    if not changes:
        return False
    trained_on = run.prepared.data_name or _("its own data")
    racing = isinstance(run, Race)
    if racing:
        st.warning(_("This cell race was trained on {data}; since then {changes}. Everything "
                     "shown for it here uses the data and settings it was trained on.").format(
            data=trained_on, changes="; ".join(changes)))
    else:
        st.warning(_("This model was trained on {data}; since then {changes}. Everything "
                     "shown for it here uses the data and settings it was trained on; it stays "
                     "available until you train a new one.").format(
            data=trained_on, changes="; ".join(changes)))
    label, key = ((_("Race again on the current data and settings"), "rerace_btn") if racing
                  else (_("Train on the current data and settings"), "retrain_btn"))
    if offer_retrain and st.button(label, key=key, type="primary"):
        from ui import training  # here: the Train page's loop, only when asked

        (training.on_race if racing else training.on_train)()
        st.switch_page("pages/2_Train.py")
    return True


def range_notes(prepared) -> None:
    """Held-out values (and the true curve past the data, when known) outside the training
    range: how many, by how much, and what it does to each model."""
    reports = out_of_range(prepared)
    if reports:
        cfg = prepared.cfg  # a gated cell's state goes through tanh, whatever `activation` says
        activation = cfg.activation if takes_activation(cfg.cell) else "tanh"
        st.warning(" ".join(describe_range(r, prepared.units) for r in reports) + " "
                   + range_effect(activation))


def evaluation(run: Run) -> Evaluation:
    """Evaluate `run` once per (run, epochs trained); later page runs reuse the tables."""
    return state.memo(state.EVALUATION, state.run_key(run),
                      lambda: evaluate(run, true_curve(run.cfg)))


def race_evaluation(race: Race) -> Evaluation:
    """Race.evaluate once per (race, epochs trained): a column or row per cell and baseline."""
    return state.memo(state.RACE_EVALUATION, state.run_key(race),
                      lambda: race.evaluate(true_curve(race.cfg)))


def on_screen(ev: Evaluation, names: dict[str, str]) -> Evaluation:
    """The same tables with the task's model names replaced by the screen's (a GRU run's
    "RNN" column and row read "GRU"); the numbers are untouched."""
    if not names:
        return ev

    def cols(frame):
        return None if frame is None else frame.rename(columns=names)

    return dataclasses.replace(
        ev, predictions=cols(ev.predictions), metrics=ev.metrics.rename(index=names),
        val_rmse={names.get(k, k): v for k, v in ev.val_rmse.items()},
        extrapolation=cols(ev.extrapolation), free_run=cols(ev.free_run), horizon=cols(ev.horizon))


METRICS_BEST = "background-color: rgba(0, 158, 115, 0.25); font-weight: bold"  # both themes


def metrics_table(ev: Evaluation, key: str) -> None:
    """The metrics table of an evaluation (one row per model), the best of each column marked,
    and the caption saying what each column means."""
    st.markdown(_("Scored on {scope}.").format(scope=ev.metrics_scope))
    # a see-through green and bold text: readable in the light and the dark theme
    st.dataframe(translated_labels(ev.metrics, index=True).style.format("{:.4g}")
                 .highlight_min(axis=0, props=METRICS_BEST), key=key)
    caption = _("MSE, RMSE and MAE in the data's units; MAPE in percent (points near zero "
                "skipped)")
    if "MASE" in ev.metrics.columns:
        caption += _("; MASE (Hyndman) = MAE ÷ the mean one-step change in the training part")
    if "MAE ÷ persistence MAE" in ev.metrics.columns:
        caption += _("; MAE ÷ persistence MAE below 1 means the model beat persistence on these "
                     "points")
    st.caption(caption + _(". The best value of each column is highlighted."))


def model_file(run: Run) -> bytes:
    """The trained RNN, its scaler and the configuration as one .npz file."""
    buffer = io.BytesIO()
    save_model(buffer, run.rnn, scaler=run.prepared.scaler, config=run_file_config(run))
    return buffer.getvalue()


def downloads(run: Run, ev: Evaluation) -> None:
    c1, c2, c3 = st.columns(3)
    c1.download_button(_("Predictions (CSV)"), ev.predictions.to_csv().encode(),
                       file_name="rnn_lab_predictions.csv", mime="text/csv", key="dl_pred",
                       help=_("Actual values and every model's one-step prediction, per point."))
    c2.download_button(_("Trained {cell} (.npz)").format(cell=_(CELL_LABELS[run.cfg.cell])),
                       model_file(run), file_name=f"rnn_lab_{run.cfg.cell}_model.npz",
                       mime="application/octet-stream", key="dl_model",
                       help=_("Weights, scaler, settings and loss curves: load it again on "
                              "the Train page, or in NumPy with rnn_core.io.load_model."))
    c3.download_button(_("Settings (JSON)"), json.dumps(run.cfg.to_dict(), indent=2).encode(),
                       file_name="rnn_lab_config.json", mime="application/json",
                       key="dl_cfg", help=_("Every setting of this run."))


def race_downloads(ev: Evaluation) -> None:
    """The race's metrics table and its one-step predictions, as CSV files."""
    c1, c2, _c3 = st.columns(3)
    c1.download_button(_("Race metrics (CSV)"), ev.metrics.to_csv().encode(),
                       file_name="rnn_lab_race_metrics.csv", mime="text/csv", key="dl_race",
                       help=_("One row per cell, the MLP and persistence; the columns of the "
                              "metrics table above."))
    c2.download_button(_("Race predictions (CSV)"), ev.predictions.to_csv().encode(),
                       file_name="rnn_lab_race_predictions.csv", mime="text/csv",
                       key="dl_race_pred",
                       help=_("Actual values and every cell's, the MLP's and persistence's "
                              "one-step prediction, per point."))
