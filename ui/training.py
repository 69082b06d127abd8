"""The live training loop and the Train / Stop / Step / Reset / Race the cells buttons.

Streamlit reruns the whole script on every click, and a running script is interrupted only at
its next `st.*` call. So the loop trains in chunks of about 0.2 s and redraws the loss chart and
the model's forecast between chunks (the yield point). The chunks train on the server's worker
processes or Dask cluster (`rnn_core.pooled`: one chunk in flight per session, a server-wide
cap, back in this process with a note if the workers stop), or here when
RNNLAB_TRAIN_WORKERS=0. The loop works on its own copy of the run: at each checkpoint it hands
the newest state to the session (`ui.state`, the only writer of the current run), but only
while it still owns the session's training (a newer run or a rerun takes ownership), so a stale
thread can never overwrite newer results.

"Race the cells" trains a `rnn_core.race.Race` (every cell on the same windows) through the
same loop: a race has what the loop and `draw` use of a run, so one loop and one screen serve
both, with a line per model.
"""

from __future__ import annotations

import time

import streamlit as st
from threadpoolctl import threadpool_limits

import pandas as pd

from rnn_core.datasets import true_curve
from rnn_core.evaluate import LiveView
from rnn_core.experiment import Run, check_cost, prepare
from rnn_core.i18n import _
from rnn_core.pooled import CHUNK_SECONDS, Lane, LiveTraining
from rnn_core.race import Race, check_race_cost
from rnn_core.train import TrainingDiverged
from rnn_core.words import counted
from ui import charts, data, engine, layout, state
from ui.charts.live import live_forecast_chart, on_screen
from ui.state import TRAINING, TARGET, TRAINING_OWNER as OWNER, FALLBACK, TRAIN_LANE

LIVE_HEIGHT = 370  # both charts of the training screen: side by side on a 1280×720 projector

# One BLAS thread per training: a server runs many students' loops at once, and our small
# matrices gain nothing from a second BLAS thread, which only spins against the other loops
# (bench/README.md, "Load": 20 sessions used 29 s of server CPU with 2 threads, 21 s with 1).
threadpool_limits(limits=1, user_api="blas")


def prepared_or_message():
    """The current data prepared with the current settings, or (None, plain-words reason)."""
    series = data.current_series()
    if series is None:
        return None, _("Load some data on the Data page first.")
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
        state.flash("error", _("Cannot train: {why}").format(why=why))
        return None
    return Run(prepared)


def on_train() -> None:
    run = _new_run()
    if run is None:
        return
    state.install_run(run)
    st.session_state.pop(FALLBACK, None)
    st.session_state[TARGET] = run.cfg.epochs
    st.session_state[TRAINING] = True


def on_race() -> None:
    """"Race the cells": a new race of every cell on the current data and settings, trained
    live by the loop (the run, if any, is kept as it is)."""
    prepared, why = prepared_or_message()
    if prepared is not None:
        try:
            check_race_cost(prepared)
        except ValueError as err:
            prepared, why = None, str(err)
    if prepared is None:
        state.flash("error", _("Cannot race the cells: {why}").format(why=why))
        return
    race = Race(prepared)
    state.install_race(race)
    st.session_state[TARGET] = race.cfg.epochs
    st.session_state[TRAINING] = True


def shown() -> Run | Race | None:
    """What the Train screen shows and its loop trains: the race when it was trained last,
    else the run (both have epochs_done, histories, loss_labels, live_view, snapshot, train)."""
    return state.current_race() if state.race_shown() else state.current_run()


def on_stop() -> None:
    st.session_state[TRAINING] = False
    st.session_state[OWNER] = None  # the running loop loses ownership at once
    run = shown()
    if run is not None:
        run.stopped = True
        state.flash("info", _("Stopped after {epochs}; the models keep what they learned so "
                              "far.").format(epochs=counted(run.epochs_done, 'epoch')))


def _compatible(run: Run | None) -> bool:
    """Can `run` continue under the current settings (same data and configuration)?"""
    series = data.current_series()
    return run is not None and not run.differences(
        None if series is None else series.values, state.cfg().replace(epochs=run.cfg.epochs))


def on_step() -> None:
    """Train one more epoch (a new run if the settings or data changed)."""
    run = state.current_run()
    if not _compatible(run):
        run = _new_run()
        if run is None:
            return
        state.install_run(run)
        st.session_state.pop(FALLBACK, None)
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
            run.diverged = _("{err} This step was undone; your model keeps its {epochs}, and "
                             "your data is unchanged.").format(
                err=err, epochs=counted(run.epochs_done, 'epoch'))
        return
    work.diverged = None  # the step went well, so the run trains on
    state.update_run(work)


def on_reset() -> None:
    """Re-initialise both models from the seed: the next run starts from the same weights."""
    st.session_state[TRAINING] = False
    run = _new_run()
    if run is not None:
        state.install_run(run)
        state.flash("info", _("Models re-initialised from seed {seed}.").format(seed=run.cfg.seed))


def on_swap() -> None:
    """Bring the previous model back; the current one becomes the previous (nothing lost)."""
    previous = state.previous_run()
    if previous is not None:
        state.install_run(previous)
        state.flash("info", _("The previous model is back ({epochs} on {data}); the one you had "
                              "is now the previous model.").format(
                                epochs=counted(previous.epochs_done, 'epoch'),
                                data=previous.prepared.data_name or _("its data")))


def _diverged(err: TrainingDiverged, work: Run) -> None:
    """A new run's loss exploded; `work` holds it as the trainer left it (the last sane epochs).

    With sane epochs of both models it stays the current run, marked diverged: the Train page
    shows its loss curve up to the explosion with the message in red, never as a success, and
    Compare shows what it had learned. Exploded in the first epoch of either model, it has
    nothing worth showing, so the previous run is put back.
    """
    rnn, mlp = work.epochs_done, 0 if work.mlp_history is None else len(work.mlp_history)
    if min(rnn, mlp):
        kept = (_("both models keep their {epochs} before it").format(
                    epochs=counted(rnn, 'epoch')) if rnn == mlp else
                _("the RNN keeps its {epochs} before it, the MLP its {mlp_epochs}").format(
                    epochs=counted(rnn, 'epoch'), mlp_epochs=counted(mlp, 'epoch')))
        work.diverged = _("{err} Training stopped: {kept}, and your data is unchanged.").format(
            err=err, kept=kept)
        state.update_run(work)
        return
    previous = state.restore_previous()
    st.session_state[FALLBACK] = previous
    kept = _("the previous model is back") if previous is not None else _("no model is kept")
    state.flash("error", _("{err} Training stopped; {kept}, and your data is unchanged.").format(
                             err=err, kept=kept))


def verdict(run: Run | Race) -> tuple[str, str]:
    """(kind, sentence) for a trained run or race: 'success' only when every loss came down."""
    loss_labels = run.loss_labels()
    labels = [(name, h, loss_labels[name]) for name, h in run.histories().items()]
    parts, rose = [], []
    for name, h, label in labels:
        if h is None or not len(h):
            continue
        start = h.start_loss if getattr(h, "start_loss", None) else h.train_loss[0]
        parts.append(f"{_(name)} {_(label)} {start:.3g} → {h.train_loss[-1]:.3g}")
        if h.train_loss[-1] >= start:
            rose.append(_("the {model}'s ({ratio:.3g}× its start)").format(
                model=_(name), ratio=h.train_loss[-1] / start))
    text = _("Trained {epochs}: {losses}.").format(epochs=counted(run.epochs_done, 'epoch'),
                                                   losses="; ".join(parts))
    if rose:
        return "warning", _("{text} The training loss ended no lower than it started for "
                            "{models}: that model did not learn. Try a learning rate 10 times "
                            "lower, gradient clipping, or Adam.").format(
            text=text, models=_(" and ").join(rose))
    return "success", text + _(" See the forecasts on the Compare page.")


def report(run: Run | Race) -> list[tuple[str, str]]:
    """What the Train screen says under a trained run or race, as (kind, sentence) pairs: a run
    that diverged is never a success; a race names its diverged cells, then how all did."""
    if isinstance(run, Race):
        said = [("error", run.diverged)] if run.diverged else []
        kind, text = verdict(run)
        return said + [("warning" if said and kind == "success" else kind, text)]
    if run.diverged:  # the loss exploded: never a success, whatever was kept
        return [("error", run.diverged)]
    if run is st.session_state.get(FALLBACK):  # a new run exploded in epoch 1
        return [("info", _("Your previous model is shown: {epochs}. The new run diverged (see "
                           "the message above).").format(epochs=counted(run.epochs_done, 'epoch')))]
    return [verdict(run)]


def buttons(where=st) -> None:
    training = bool(st.session_state.get(TRAINING))
    c1, c2, c3, c4 = where.columns(4)
    c1.button(_("Train"), key="train_btn", type="primary", on_click=on_train, disabled=training,
              help=_("Train the RNN and the MLP from fresh weights for the chosen epochs."),
              width="stretch")
    c2.button(_("Stop"), key="stop_btn", on_click=on_stop, disabled=not training,
              help=_("Stop after the current epoch; the models keep what they learned."),
              width="stretch")
    c3.button(_("Step"), key="step_btn", on_click=on_step, disabled=training,
              help=_("Train one more epoch, to watch the loss curve move."), width="stretch")
    c4.button(_("Reset"), key="reset_btn", on_click=on_reset, disabled=training,
              help=_("Re-initialise the models from the seed, so two settings start from the "
                     "same weights."), width="stretch")
    where.button(_("Race the cells"), key="race_btn", on_click=on_race, disabled=training,
                 icon=":material/sprint:",
                 help=_("Train the Elman RNN, the GRU and the LSTM live, one after the other each "
                        "epoch, on the same windows with the same seed and settings (and the "
                        "MLP beside them); then Compare overlays their forecasts in one table."),
                 width="stretch")


class Slots:
    """The placeholders the training screen redraws: progress, loss chart, live forecast."""

    def __init__(self, progress, loss, live):
        self.progress, self.loss, self.live = progress, loss, live


def progress(slots: Slots, run: Run | Race, started: float | None = None, first_epoch: int = 0,
             where: str = "") -> None:
    """The progress bar: epochs done, the time left and where the training runs."""
    target = st.session_state.get(TARGET) or run.cfg.epochs
    done = run.epochs_done
    text = _("Epoch {done} of {target}").format(done=done, target=target)
    if started is not None and done > first_epoch:
        per_epoch = (time.perf_counter() - started) / (done - first_epoch)
        text += _(" · about {seconds:.0f} s left").format(seconds=per_epoch * (target - done))
    if where:
        text += f" · {where}"
    slots.progress.progress(min(done / max(target, 1), 1.0), text=text)


def screen_view(run: Run | Race) -> LiveView:
    """The live view of a run or a race, its columns named as on screen (a GRU run's "GRU")."""
    view = run.live_view(true_curve(run.cfg))
    names = run.screen_names
    return LiveView(view.predictions.rename(columns=names),
                    view.extrapolation.rename(columns=names))


def draw(slots: Slots, run: Run | Race, log_y: bool, started: float | None = None,
         first_epoch: int = 0, draw_id: int = 0, where: str = "") -> None:
    """Redraw the progress bar, the loss chart (every model's curves: a run's cell and its MLP,
    or each cell of a race and the MLP) and the live forecast (each draw gets a unique element
    key, so two draws in one script run never collide)."""
    target = st.session_state.get(TARGET) or run.cfg.epochs
    done = run.epochs_done
    progress(slots, run, started, first_epoch, where)
    fig = charts.loss_chart(run.histories(), log_y=log_y, train_labels=run.loss_labels(),
                            epochs=max(target, done))
    on_screen(fig, LIVE_HEIGHT)
    slots.loss.plotly_chart(fig, key=f"loss_{run.uid}_{done}_{draw_id}", width="stretch")
    view = screen_view(run)
    history = pd.Series(run.prepared.values, index=run.prepared.index)
    live = live_forecast_chart(history, view, run.prepared.bounds(), run.prepared.units, done,
                               height=LIVE_HEIGHT)
    slots.live.plotly_chart(live, key=f"live_{run.uid}_{done}_{draw_id}", width="stretch")


def _lane() -> Lane:
    """This session's lane: one training chunk in flight at a time, across reruns."""
    if TRAIN_LANE not in st.session_state:
        st.session_state[TRAIN_LANE] = Lane()
    return st.session_state[TRAIN_LANE]


def _where(trainer: LiveTraining) -> str:
    """'training on 2 worker processes', or 'training on the server (the training workers
    stopped)'."""
    if trainer.reason:
        return _("training on the server ({reason})").format(
            reason=trainer.reason[0].lower() + trainer.reason[1:])
    return _("training {where}").format(where=trainer.where)


def _race_diverged(err: TrainingDiverged, race: Race) -> None:
    """Every cell of a race diverged: keep it, each cell at its last sane epoch and marked."""
    state.update_race(race)  # the screen's report names each cell's divergence (once)
    state.flash("error", _("Every cell of the race diverged. Each keeps the epochs before its "
                           "loss exploded, and your data is unchanged."))


def live_loop(slots: Slots, log_y: bool) -> None:
    """Train until the target epoch in chunks (rnn_core.pooled): after each chunk it checkpoints
    the run — or the race, after "Race the cells" — into the session (only while it still owns
    the training) and redraws — the yield point where a click interrupts it. While it waits
    for a worker, the progress bar says so (another yield point)."""
    subject = shown()
    if not st.session_state.get(TRAINING) or subject is None:
        return
    racing = state.race_shown()
    checkpoint = state.update_race if racing else state.update_run
    owner = object()
    st.session_state[OWNER] = owner
    target = st.session_state[TARGET]
    pool, setting_note = engine.training_pool()
    trainer = LiveTraining(subject.snapshot(), pool, _lane(), chunk_seconds=CHUNK_SECONDS)
    # the time left is estimated from the second chunk on: the first may include starting the
    # worker processes
    clock = {"started": None, "first": trainer.run.epochs_done, "draws": 0}

    def on_chunk(run: Run | Race) -> bool:
        if st.session_state.get(OWNER) is not owner:
            return False  # a newer run or a Stop took over: never write stale results
        checkpoint(run)  # the trainer never changes `run` again
        if clock["started"] is None:
            clock.update(started=time.perf_counter(), first=run.epochs_done)
        clock["draws"] += 1
        draw(slots, run, log_y, clock["started"], clock["first"], clock["draws"],
             _where(trainer))
        layout.refresh_status()  # the sidebar's epoch count runs along
        return True

    def tick(status: str) -> None:  # waiting for a worker: say so (and let a click in)
        progress(slots, trainer.run, clock["started"], clock["first"], status)

    try:
        trainer.train(target - trainer.run.epochs_done, on_chunk=on_chunk, tick=tick)
    except TrainingDiverged as err:
        if st.session_state.get(OWNER) is owner:  # the trainer put it back to its sane epochs
            (_race_diverged if racing else _diverged)(err, trainer.run)
    if st.session_state.get(OWNER) is owner:
        if (trainer.note or setting_note) and state.MESSAGE not in st.session_state:
            state.flash("info", trainer.note or setting_note)
        st.session_state[TRAINING] = False
        st.session_state[OWNER] = None
        st.rerun()  # redraw the buttons in their idle state
