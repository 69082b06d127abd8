"""The last five views of the Inside page: teacher forcing against free running, the gradient
check, the leakage mistake, the flat-line diagnosis and RNN against MLP."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnn_core import inside
from rnn_core.experiment import Run
from rnn_core.i18n import _, translated_labels
from rnn_core.inside_checks import (FLAT_RATIO, GRADCHECK_OK, diagnose_flat, leakage_comparison,
                                    rnn_vs_mlp, verify_gradients)
from rnn_core.words import counted
from ui import results, state
from ui.charts import inside as inside_charts
from ui.inside_tabs import clamped_slider, try_this
from ui.state import GRADCHECK, LEAKAGE



# ----- teacher forcing vs free running ---------------------------------------------------------
def free_tab(run: Run) -> None:
    st.markdown(_("Teacher forcing gives the model the real previous values at every step, so "
                  "each prediction is one step ahead. Free running feeds its own predictions "
                  "back as inputs: every small error becomes part of the next input, and the "
                  "errors pile up with the distance from the start (seed 001's extrapolation "
                  "drifts for exactly this reason)."))
    p, cfg = run.prepared, run.cfg
    if not run.task.free_running:
        st.info(_("The task '{task}' reads x coordinates, never its own outputs, so it has no "
                  "free-running mode: switch the task to 'next value' or 'sequence' to see this "
                  "view.").format(task=_(run.task.label)))
        return
    n = len(p.values)
    c1, c2 = st.columns(2)
    with c1:
        steps = clamped_slider(_("Steps to forecast"), 2, min(100, n - cfg.window), 30,
                               "inside_free_steps", _("How far the free run goes from its start."))
    with c2:
        origin = clamped_slider(_("Start point (position in the series)"), cfg.window, n - steps,
                                p.split.val_end, "inside_free_origin",
                                _("The first forecast position; the window before it is real."))
    fr = inside.teacher_vs_free(run.rnn, p, origin, steps)
    st.plotly_chart(inside_charts.free_run_chart(fr.steps, p.units), key="inside_free_chart",
                    width="stretch")
    st.plotly_chart(inside_charts.horizon_error_chart(fr.steps, fr.by_horizon, p.units),
                    key="inside_free_errors", width="stretch")
    first, last = fr.by_horizon["free running"].iloc[[0, -1]]
    st.caption(_("Over every start in the test part, the free run's RMSE grows from {first:.3g} "
                 "one step ahead to {last:.3g} at {steps} ahead; teacher forcing stays at "
                 "{first:.3g} because it is always one step ahead.").format(
        first=first, last=last, steps=counted(steps, 'step')))
    try_this(_("move the start point back into the training part, where the model has seen "
               "the data, and compare how many steps the free run stays close."))


# ----- gradient check --------------------------------------------------------------------------
def verify_tab(run: Run) -> None:
    st.markdown(_("The gradients that train the network are derived by hand (backpropagation "
                  "through time). A finite-difference check measures each one independently: "
                  "nudge a weight up and down by 10⁻⁶, see how the loss moves, and compare. "
                  "Agreement to about 10⁻⁸ means the hand-derived formula is right."))
    if st.button(_("Check the gradients of this model"), key="inside_gradcheck_btn",
                 help=_("Runs the check on 4 real training windows (a few seconds at most).")):
        w = inside.part_windows(run.prepared, "train")
        with st.spinner(_("Nudging weights one at a time…")):
            table = verify_gradients(run.rnn, w.X[:4], w.Y[:4])
        state.remember(GRADCHECK, state.run_key(run), table)
    table = state.recall(GRADCHECK, state.run_key(run))
    if table is None:
        st.caption(_("Press the button to run the check on the current model."))
    else:
        worst = float(table["largest relative error"].max())
        st.metric(_("Largest relative error"), f"{worst:.2e}")
        st.dataframe(translated_labels(table).style.format(
            {_("largest relative error"): "{:.2e}"}), key="inside_gradcheck_table")
        if worst < GRADCHECK_OK:
            st.success(_("Backpropagation and finite differences agree: the gradients are "
                         "right."))
        else:
            st.warning(_("Some gradients disagree with the finite differences by more than "
                         "{ok:g}: with saturated units this can be rounding, otherwise it is a "
                         "bug worth reporting.").format(ok=GRADCHECK_OK))
        st.caption(_("Big parameters are checked on a random sample of their entries; "
                     "'of' is how many entries the parameter has."))
    try_this(_("run the check before and after training: the gradients change, the agreement "
               "does not."))


# ----- leakage ---------------------------------------------------------------------------------
def leakage_tab(run: Run) -> None:
    st.markdown(_("A scaler must learn its minimum and maximum (or mean and spread) from the "
                  "training part alone: at forecast time the future is unknown. Fitting it on "
                  "all the data — the mistake in the stock tutorials — quietly tells the model "
                  "the range of the test values in advance."))
    if not run.task.held_out:
        st.info(_("The task '{task}' trains on the whole series and is tested by extrapolating "
                  "past its end, so there is no test part the scaler could leak from: switch "
                  "the task to 'next value' or 'sequence' to see this lesson.").format(
            task=_(run.task.label)))
        return
    epochs = st.slider(_("Epochs for each variant"), 3, 40, 10, key="inside_leak_epochs",
                       help=_("Both variants train this long from the same seed; few is "
                              "enough."))
    on = st.toggle(_("Fit the scaler on all the data (the mistake)"), key="inside_leak",
                   help=_("Trains twice, honest and leaky, and compares their test errors."))
    hint = _("use a series that trends upward (x·sin(x) or a stock): the test values leave the "
             "training range, and the two variants differ most.")
    if not on:
        st.caption(_("Turn the toggle on to train both variants and compare."))
        try_this(hint)
        return

    def compute():
        series = pd.Series(run.prepared.values, index=run.prepared.index)
        with st.spinner(_("Training two models for {epochs} each…").format(
                epochs=counted(epochs, 'epoch'))):
            return leakage_comparison(series, run.cfg, epochs=epochs, units=run.prepared.units)

    try:
        result = state.memo(LEAKAGE, state.run_key(run, run.cfg, epochs), compute)
    except ValueError as err:
        st.error(_("The comparison could not run: {why}").format(why=err))
        return
    c1, c2 = st.columns(2)
    c1.markdown(_("**Scaler fitted on the training part (right)**"))
    c1.dataframe(translated_labels(result.honest, index=True).style.format("{:.4g}"),
                 key="inside_leak_honest")
    c2.markdown(_("**Scaler fitted on all the data (leaky)**"))
    c2.dataframe(translated_labels(result.leaky, index=True).style.format("{:.4g}"),
                 key="inside_leak_leaky")
    honest, leaky = result.honest.loc["RNN", "RMSE"], result.leaky.loc["RNN", "RMSE"]
    st.metric(_("RNN test RMSE, leaky − right"), f"{leaky - honest:+.4g}",
              help=_("Negative: the leak made the test look better than an honest forecast."))
    st.caption((_("Here the leaky variant's RNN test RMSE is lower ({leaky:.4g} against "
                  "{honest:.4g}).") if leaky < honest else
                _("Here the leaky variant's RNN test RMSE is higher ({leaky:.4g} against "
                  "{honest:.4g}).")).format(leaky=leaky, honest=honest)
               + _(" Even when it looks better, that number is not a forecast anyone could "
                   "have made."))
    ends = {name: sc.inverse_transform([[0.0], [1.0]])[:, 0]
            for name, sc in (("right", result.honest_scaler), ("leaky", result.leaky_scaler))}
    st.caption(_("The values each scaler maps to 0 and to 1: right {r0:.4g} and {r1:.4g}, leaky "
                 "{l0:.4g} and {l1:.4g}.").format(r0=ends['right'][0], r1=ends['right'][1],
                                                  l0=ends['leaky'][0], l1=ends['leaky'][1]))
    try_this(hint)


# ----- flat line -------------------------------------------------------------------------------
def flat_tab(run: Run) -> None:
    st.markdown(_("A model that outputs almost the same number for every window has usually "
                  "stopped learning: its hidden units are stuck, or its gradients are gone. "
                  "Here is what the current model shows."))
    d = diagnose_flat(run)
    (st.warning if d.flat else st.success)(d.summary)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(_("Spread of predictions ÷ targets"), f"{d.ratio:.3g}",
              help=_("Below {ratio} counts as a flat line.").format(ratio=FLAT_RATIO))
    if d.saturated is not None:
        c2.metric(_("Saturated tanh values"), f"{d.saturated:.0%}",
                  help=_("Share of hidden values with |h| > 0.95, where tanh passes back "
                         "little."))
    else:
        c2.metric(_("Dead ReLU units"), f"{d.dead:.0%}",
                  help=_("Share of units that output 0 for every input."))
    c3.metric(_("Gradient left after a window"), f"{d.grad_ratio:.2e}",
              help=_("‖∂L/∂h‖ at the first step ÷ at the last step of a training window."))
    c4.metric(_("Learning rate"), f"{d.lr:g}",
              help=_("With the {optimizer} optimizer.").format(optimizer=d.optimizer))
    if d.last_grad_norm is not None:
        st.caption(_("Last epoch's mean gradient norm: {norm:.3g} after {epochs}.").format(
            norm=d.last_grad_norm, epochs=counted(d.epochs, 'epoch')))
    for tip in d.advice:
        st.markdown(f"- {tip}")
    try_this(_("on the Train page, pick Adam with a learning rate of 1, train, and come back: "
               "the evidence points at saturated tanh units and a vanished gradient."))


# ----- RNN vs MLP ------------------------------------------------------------------------------
def mlp_tab(run: Run) -> None:
    st.markdown(run.task.reading(run.cfg))
    metrics = results.evaluation(run).metrics if run.epochs_done else None
    table = rnn_vs_mlp(run, metrics)
    for col, name in zip(st.columns(2), ("RNN", "MLP")):
        row = table.loc[name]
        col.markdown(_("**{model}: {n} parameters**").format(model=name, n=row['parameters']))
        col.markdown(_("*Reads* {reads}.  \n*Weights* {weights}.  \n*Grows with the window?* "
                       "{grows}.").format(reads=_(row['reads']), weights=_(row['weights']),
                                          grows=_(row['grows with the window'])))
    errors = [c for c in table.columns if c.endswith(("RMSE", "MAE"))]
    st.dataframe(translated_labels(table[["parameters", *errors]]), key="inside_rnn_mlp")
    if metrics is None:
        st.caption(_("Train a model to see their errors side by side."))
    elif errors:
        st.caption(_("Test errors in the data's units, from the last training run.")
                   if run.task.held_out else
                   _("Extrapolation (against the true curve) errors in the data's units, from "
                     "the last training run."))
    try_this(_("double the window on the Train page: watch the MLP's parameter count grow while "
               "the RNN's stays the same."))
