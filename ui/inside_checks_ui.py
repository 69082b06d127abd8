"""The last five views of the Inside page: teacher forcing against free running, the gradient
check, the leakage mistake, the flat-line diagnosis and RNN against MLP."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnn_core import inside
from rnn_core.experiment import Run
from rnn_core.inside_checks import (FLAT_RATIO, GRADCHECK_OK, diagnose_flat, leakage_comparison,
                                    rnn_vs_mlp, verify_gradients)
from rnn_core.words import counted
from ui import results, state
from ui.charts import inside as inside_charts
from ui.inside_tabs import clamped_slider, try_this
from ui.state import GRADCHECK, LEAKAGE



# ----- teacher forcing vs free running ---------------------------------------------------------
def free_tab(run: Run) -> None:
    st.markdown("Teacher forcing gives the model the real previous values at every step, so "
                "each prediction is one step ahead. Free running feeds its own predictions "
                "back as inputs: every small error becomes part of the next input, and the "
                "errors pile up with the distance from the start (seed 001's extrapolation "
                "drifts for exactly this reason).")
    p, cfg = run.prepared, run.cfg
    if not run.task.free_running:
        st.info(f"The task '{run.task.label}' reads x coordinates, never its own outputs, so "
                "it has no free-running mode: switch the task to 'next value' or 'sequence' to "
                "see this view.")
        return
    n = len(p.values)
    c1, c2 = st.columns(2)
    with c1:
        steps = clamped_slider("Steps to forecast", 2, min(100, n - cfg.window), 30,
                               "inside_free_steps", "How far the free run goes from its start.")
    with c2:
        origin = clamped_slider("Start point (position in the series)", cfg.window, n - steps,
                                p.split.val_end, "inside_free_origin",
                                "The first forecast position; the window before it is real.")
    fr = inside.teacher_vs_free(run.rnn, p, origin, steps)
    st.plotly_chart(inside_charts.free_run_chart(fr.steps, p.units), key="inside_free_chart",
                    width="stretch")
    st.plotly_chart(inside_charts.horizon_error_chart(fr.steps, fr.by_horizon, p.units),
                    key="inside_free_errors", width="stretch")
    first, last = fr.by_horizon["free running"].iloc[[0, -1]]
    st.caption(f"Over every start in the test part, the free run's RMSE grows from "
               f"{first:.3g} one step ahead to {last:.3g} at {counted(steps, 'step')} ahead; "
               f"teacher forcing stays at {first:.3g} because it is always one step ahead.")
    try_this("move the start point back into the training part, where the model has seen "
             "the data, and compare how many steps the free run stays close.")


# ----- gradient check --------------------------------------------------------------------------
def verify_tab(run: Run) -> None:
    st.markdown("The gradients that train the network are derived by hand (backpropagation "
                "through time). A finite-difference check measures each one independently: "
                "nudge a weight up and down by 10⁻⁶, see how the loss moves, and compare. "
                "Agreement to about 10⁻⁸ means the hand-derived formula is right.")
    if st.button("Check the gradients of this model", key="inside_gradcheck_btn",
                 help="Runs the check on 4 real training windows (a few seconds at most)."):
        w = inside.part_windows(run.prepared, "train")
        with st.spinner("Nudging weights one at a time…"):
            table = verify_gradients(run.rnn, w.X[:4], w.Y[:4])
        state.remember(GRADCHECK, state.run_key(run), table)
    table = state.recall(GRADCHECK, state.run_key(run))
    if table is None:
        st.caption("Press the button to run the check on the current model.")
    else:
        worst = float(table["largest relative error"].max())
        st.metric("Largest relative error", f"{worst:.2e}")
        st.dataframe(table.style.format({"largest relative error": "{:.2e}"}),
                     key="inside_gradcheck_table")
        if worst < GRADCHECK_OK:
            st.success("Backpropagation and finite differences agree: the gradients are right.")
        else:
            st.warning("Some gradients disagree with the finite differences by more than "
                       f"{GRADCHECK_OK:g}: with saturated units this can be rounding, "
                       "otherwise it is a bug worth reporting.")
        st.caption("Big parameters are checked on a random sample of their entries; "
                   "'of' is how many entries the parameter has.")
    try_this("run the check before and after training: the gradients change, the agreement "
             "does not.")


# ----- leakage ---------------------------------------------------------------------------------
def leakage_tab(run: Run) -> None:
    st.markdown("A scaler must learn its minimum and maximum (or mean and spread) from the "
                "training part alone: at forecast time the future is unknown. Fitting it on "
                "all the data — the mistake in the stock tutorials — quietly tells the model "
                "the range of the test values in advance.")
    if not run.task.held_out:
        st.info(f"The task '{run.task.label}' trains on the whole series and is tested by "
                "extrapolating past its end, so there is no test part the scaler could leak "
                "from: switch the task to 'next value' or 'sequence' to see this lesson.")
        return
    epochs = st.slider("Epochs for each variant", 3, 40, 10, key="inside_leak_epochs",
                       help="Both variants train this long from the same seed; few is enough.")
    on = st.toggle("Fit the scaler on all the data (the mistake)", key="inside_leak",
                   help="Trains twice, honest and leaky, and compares their test errors.")
    hint = ("use a series that trends upward (x·sin(x) or a stock): the test values leave the "
            "training range, and the two variants differ most.")
    if not on:
        st.caption("Turn the toggle on to train both variants and compare.")
        try_this(hint)
        return

    def compute():
        series = pd.Series(run.prepared.values, index=run.prepared.index)
        with st.spinner(f"Training two models for {counted(epochs, 'epoch')} each…"):
            return leakage_comparison(series, run.cfg, epochs=epochs, units=run.prepared.units)

    try:
        result = state.memo(LEAKAGE, state.run_key(run, run.cfg, epochs), compute)
    except ValueError as err:
        st.error(f"The comparison could not run: {err}")
        return
    c1, c2 = st.columns(2)
    c1.markdown("**Scaler fitted on the training part (right)**")
    c1.dataframe(result.honest.style.format("{:.4g}"), key="inside_leak_honest")
    c2.markdown("**Scaler fitted on all the data (leaky)**")
    c2.dataframe(result.leaky.style.format("{:.4g}"), key="inside_leak_leaky")
    honest, leaky = result.honest.loc["RNN", "RMSE"], result.leaky.loc["RNN", "RMSE"]
    better = "lower" if leaky < honest else "higher"
    st.metric("RNN test RMSE, leaky − right", f"{leaky - honest:+.4g}",
              help="Negative: the leak made the test look better than an honest forecast.")
    st.caption(f"Here the leaky variant's RNN test RMSE is {better} ({leaky:.4g} against "
               f"{honest:.4g}). Even when it looks better, that number is not a forecast "
               "anyone could have made.")
    ends = {name: sc.inverse_transform([[0.0], [1.0]])[:, 0]
            for name, sc in (("right", result.honest_scaler), ("leaky", result.leaky_scaler))}
    st.caption("The values each scaler maps to 0 and to 1: right "
               f"{ends['right'][0]:.4g} and {ends['right'][1]:.4g}, leaky "
               f"{ends['leaky'][0]:.4g} and {ends['leaky'][1]:.4g}.")
    try_this(hint)


# ----- flat line -------------------------------------------------------------------------------
def flat_tab(run: Run) -> None:
    st.markdown("A model that outputs almost the same number for every window has usually "
                "stopped learning: its hidden units are stuck, or its gradients are gone. "
                "Here is what the current model shows.")
    d = diagnose_flat(run)
    (st.warning if d.flat else st.success)(d.summary)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Spread of predictions ÷ targets", f"{d.ratio:.3g}",
              help=f"Below {FLAT_RATIO} counts as a flat line.")
    if d.saturated is not None:
        c2.metric("Saturated tanh values", f"{d.saturated:.0%}",
                  help="Share of hidden values with |h| > 0.95, where tanh passes back little.")
    else:
        c2.metric("Dead ReLU units", f"{d.dead:.0%}",
                  help="Share of units that output 0 for every input.")
    c3.metric("Gradient left after a window", f"{d.grad_ratio:.2e}",
              help="‖∂L/∂h‖ at the first step ÷ at the last step of a training window.")
    c4.metric("Learning rate", f"{d.lr:g}", help=f"With the {d.optimizer} optimizer.")
    if d.last_grad_norm is not None:
        st.caption(f"Last epoch's mean gradient norm: {d.last_grad_norm:.3g} after "
                   f"{counted(d.epochs, 'epoch')}.")
    for tip in d.advice:
        st.markdown(f"- {tip}")
    try_this("on the Train page, pick Adam with a learning rate of 1, train, and come back: "
             "the evidence points at saturated tanh units and a vanished gradient.")


# ----- RNN vs MLP ------------------------------------------------------------------------------
def mlp_tab(run: Run) -> None:
    st.markdown(run.task.reading(run.cfg))
    metrics = results.evaluation(run).metrics if run.epochs_done else None
    table = rnn_vs_mlp(run, metrics)
    for col, name in zip(st.columns(2), ("RNN", "MLP")):
        row = table.loc[name]
        col.markdown(f"**{name}: {row['parameters']} parameters**")
        col.markdown(f"*Reads* {row['reads']}.  \n*Weights* {row['weights']}.  \n"
                     f"*Grows with the window?* {row['grows with the window']}.")
    errors = [c for c in table.columns if c.endswith(("RMSE", "MAE"))]
    st.dataframe(table[["parameters", *errors]], key="inside_rnn_mlp")
    if metrics is None:
        st.caption("Train a model to see their errors side by side.")
    elif errors:
        scored = "test" if run.task.held_out else "extrapolation (against the true curve)"
        st.caption(f"{scored.capitalize()} errors in the data's units, from the last training "
                   "run.")
    try_this("double the window on the Train page: watch the MLP's parameter count grow while "
             "the RNN's stays the same.")
