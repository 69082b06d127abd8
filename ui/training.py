"""The live training loop and the Train / Stop / Step / Reset buttons.

Streamlit reruns the whole script on every click, and a running script is interrupted only at
its next `st.*` call. So the loop trains in chunks of about 0.2 s, redraws the loss chart
between chunks (the yield point), and works on its own copy of the run: at each checkpoint it
hands that copy to the session, but only while it still owns the session's training (a newer
run or a rerun takes ownership), so a stale thread can never overwrite newer results.
"""

from __future__ import annotations

import time

import streamlit as st
from threadpoolctl import threadpool_limits

from rnn_core.experiment import Run, check_cost, prepare
from rnn_core.train import TrainingDiverged
from ui import charts, data, state

TRAINING = "training"  # bool: the loop should run
TARGET = "target_epochs"  # the epoch count the loop trains to
OWNER = "training_owner"  # token of the script run that owns the loop
FALLBACK = "diverged_fallback"  # the run put back because a new one diverged in epoch 1
CHUNK_SECONDS = 0.2  # train this long between two redraws

# One BLAS thread per training: a server runs many students' loops at once, and our small
# matrices gain nothing from a second BLAS thread, which only spins against the other loops
# (bench/README.md, "Load": 20 sessions used 29 s of server CPU with 2 threads, 21 s with 1).
threadpool_limits(limits=1, user_api="blas")


def prepared_or_message():
    """The current data prepared with the current settings, or (None, plain-words reason)."""
    series = data.current_series()
    if series is None:
        return None, "Load some data on the Data page first."
    try:
        prepared = prepare(series.values, state.cfg(), series.units)
        prepared.data_name = series.name
        check_cost(prepared)
    except ValueError as err:
        return None, str(err)
    return prepared, None


def _new_run() -> Run | None:
    prepared, why = prepared_or_message()
    if prepared is None:
        state.flash("error", f"Cannot train: {why}")
        return None
    return Run(prepared)


def _install(run: Run) -> None:
    """Make `run` the current one; the one before it is kept as the fallback."""
    if st.session_state.get(state.RUN) is not None:
        st.session_state[state.PREVIOUS_RUN] = st.session_state[state.RUN]
    st.session_state[state.RUN] = run
    st.session_state.pop(FALLBACK, None)


def on_train() -> None:
    run = _new_run()
    if run is None:
        return
    _install(run)
    st.session_state[TARGET] = run.cfg.epochs
    st.session_state[TRAINING] = True


def on_stop() -> None:
    st.session_state[TRAINING] = False
    st.session_state[OWNER] = None  # the running loop loses ownership at once
    run = st.session_state.get(state.RUN)
    if run is not None:
        run.stopped = True
        state.flash("info", f"Stopped after {run.epochs_done} epochs; the models keep what "
                            "they learned so far.")


def _compatible(run: Run | None) -> bool:
    """Can `run` continue under the current settings (same data and configuration)?"""
    series = data.current_series()
    return (run is not None and series is not None and run.cfg == state.cfg()
            and run.prepared.values.shape == series.values.shape
            and (run.prepared.values == series.values.to_numpy()[: len(run.prepared.values)]).all())


def on_step() -> None:
    """Train one more epoch (a new run if the settings or data changed)."""
    run = st.session_state.get(state.RUN)
    if not _compatible(run):
        run = _new_run()
        if run is None:
            return
        _install(run)
        fresh = True
    else:
        fresh = False
    work = run.snapshot()  # the step trains a copy, so a divergence cannot damage `run`
    try:
        work.train(1)
    except TrainingDiverged as err:
        if fresh:
            _diverged(err, work)
        else:  # continuing: the run as it was before this step is the last good model
            run.diverged = (f"{err} This step was undone; your model keeps its "
                            f"{epochs_text(run.epochs_done)}, and your data is unchanged.")
        return
    work.diverged = None  # the step went well, so the run trains on
    st.session_state[state.RUN] = work


def on_reset() -> None:
    """Re-initialise both models from the seed: the next run starts from the same weights."""
    st.session_state[TRAINING] = False
    run = _new_run()
    if run is not None:
        _install(run)
        state.flash("info", f"Models re-initialised from seed {run.cfg.seed}.")


def epochs_text(n: int) -> str:
    """'1 epoch', '4 epochs'."""
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _diverged(err: TrainingDiverged, work: Run) -> None:
    """A new run's loss exploded; `work` holds it as the trainer left it (the last sane epochs).

    With sane epochs of both models it stays the current run, marked diverged: the Train page
    shows its loss curve up to the explosion with the message in red, never as a success, and
    Compare shows what it had learned. Exploded in the first epoch of either model, it has
    nothing worth showing, so the previous run is put back.
    """
    rnn, mlp = work.epochs_done, 0 if work.mlp_history is None else len(work.mlp_history)
    if min(rnn, mlp):
        kept = (f"both models keep their {epochs_text(rnn)} before it" if rnn == mlp else
                f"the RNN keeps its {epochs_text(rnn)} before it, the MLP its "
                f"{epochs_text(mlp)}")
        work.diverged = f"{err} Training stopped: {kept}, and your data is unchanged."
        st.session_state[state.RUN] = work
        return
    previous = st.session_state.get(state.PREVIOUS_RUN)
    st.session_state[state.RUN] = previous
    st.session_state[FALLBACK] = previous
    kept = "the previous model is back" if previous is not None else "no model is kept"
    state.flash("error", f"{err} Training stopped; {kept}, and your data is unchanged.")


def buttons() -> None:
    training = bool(st.session_state.get(TRAINING))
    c1, c2, c3, c4 = st.columns(4)
    c1.button("Train", key="train_btn", type="primary", on_click=on_train, disabled=training,
              help="Train the RNN and the MLP from fresh weights for the chosen epochs.",
              width="stretch")
    c2.button("Stop", key="stop_btn", on_click=on_stop, disabled=not training,
              help="Stop after the current epoch; the models keep what they learned.",
              width="stretch")
    c3.button("Step", key="step_btn", on_click=on_step, disabled=training,
              help="Train one more epoch, to watch the loss curve move.", width="stretch")
    c4.button("Reset", key="reset_btn", on_click=on_reset, disabled=training,
              help="Re-initialise the models from the seed, so two settings start from the "
                   "same weights.", width="stretch")


def draw(chart_slot, progress_slot, run: Run, log_y: bool, started: float | None = None,
         first_epoch: int = 0, draw_id: int = 0) -> None:
    """Redraw the loss chart and the progress bar (each draw gets a unique element key)."""
    target = st.session_state.get(TARGET) or run.cfg.epochs
    done = run.epochs_done
    text = f"Epoch {done} of {target}"
    if started is not None and done > first_epoch:
        per_epoch = (time.perf_counter() - started) / (done - first_epoch)
        text += f" · about {per_epoch * (target - done):.0f} s left"
    progress_slot.progress(min(done / max(target, 1), 1.0), text=text)
    labels = {"RNN": run.task.rnn_loss_label, "MLP": run.task.mlp_loss_label}
    fig = charts.loss_chart({"RNN": run.rnn_history, "MLP": run.mlp_history}, log_y=log_y,
                            train_labels=labels,
                            epochs=max(target, done))
    chart_slot.plotly_chart(fig, key=f"loss_{run.uid}_{done}_{draw_id}", width="stretch")


def live_loop(chart_slot, progress_slot, log_y: bool) -> None:
    """Train until the target epoch, redrawing between chunks; hands results to the session."""
    if not st.session_state.get(TRAINING) or st.session_state.get(state.RUN) is None:
        return
    owner = object()
    st.session_state[OWNER] = owner
    target = st.session_state[TARGET]
    work = st.session_state[state.RUN].snapshot()
    started, first_epoch, draws = time.perf_counter(), work.epochs_done, 0
    try:
        while work.epochs_done < target:
            chunk_start = time.perf_counter()
            while work.epochs_done < target and time.perf_counter() - chunk_start < CHUNK_SECONDS:
                work.train(1)
            if st.session_state.get(OWNER) is not owner:
                return  # a newer run or a Stop took over: never write stale results
            st.session_state[state.RUN] = work  # checkpoint
            work = work.snapshot()
            draws += 1
            draw(chart_slot, progress_slot, st.session_state[state.RUN], log_y, started,
                 first_epoch, draws)  # the yield point: a rerun interrupts here
    except TrainingDiverged as err:
        if st.session_state.get(OWNER) is owner:
            _diverged(err, work)  # work: the trainer put it back to its last sane epoch
    if st.session_state.get(OWNER) is owner:
        st.session_state[TRAINING] = False
        st.session_state[OWNER] = None
        st.rerun()  # redraw the buttons in their idle state
