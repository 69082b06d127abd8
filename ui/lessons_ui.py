"""The Lessons page's Streamlit glue: pick a lesson, step through it, predict, run, reveal.

The lessons are data (rnn_core.lessons); this module draws whichever step the student is on
and never asks which lesson it is. A step's settings go through the same configuration and
data loading as a preset; a step's training is the Train page's own run (training.on_train and
its live loop), so Train, Compare and Inside show the lesson's run. Progress lives in session
keys declared in ui/state.py; the address carries `lesson=…&step=…` (1-based) and `compact=1`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnn_core.i18n import _, current_language
from rnn_core.lessons import LESSONS, TRAIN, Observation, Step
from ui import charts, data, state, training
from ui.charts import inside as inside_charts
from ui.charts.shapes import shape_diagram
from ui.inside_shapes import SHAPES
from ui.state import (LESSON, LESSON_APPLIED, LESSON_COMPACT, LESSON_LINK, LESSON_PROGRESS,
                      LESSON_REVEAL)

FIRST = next(iter(LESSONS))
COMPACT_HEIGHT = 280  # charts in projector mode: a step fits a 1280×720 screen
# Projector mode: no sidebar, less padding above the content.


# ----- where the student is -----------------------------------------------------------------------
def position() -> tuple[str, int]:
    """(lesson key, step index) the student is on (the first lesson's first step at first)."""
    return st.session_state.get(LESSON, (FIRST, 0))


def _progress(lesson: str, index: int) -> dict:
    book = st.session_state.setdefault(LESSON_PROGRESS, {})
    return book.setdefault((lesson, index), {})


def compact() -> bool:
    return bool(st.session_state.get(LESSON_COMPACT))


def compact_link() -> bool:
    """Projector mode, read before the page is configured (so the sidebar starts folded away):
    the session's choice, or compact=1 in the link this page was opened with."""
    return compact() or st.query_params.get("compact") == "1"


def address() -> dict[str, str]:
    """The lesson part of the page's link: lesson=lr&step=3 (1-based), compact=1."""
    lesson, index = position()
    out = {"lesson": lesson, "step": str(index + 1)}
    if compact():
        out["compact"] = "1"
    return out


def read_link() -> None:
    """Once: a teacher's link (?lesson=lr&step=3&compact=1) opens that step."""
    link = st.session_state.pop(LESSON_LINK, None) or {}
    if link.get("compact") in ("1", "true", "yes"):
        st.session_state[LESSON_COMPACT] = True
    lesson = link.get("lesson")
    if lesson not in LESSONS:
        if lesson:
            state.flash("warning", _("There is no lesson {name!r}; here is the list.").format(
                name=str(lesson)[:30]))
        return
    n = len(LESSONS[lesson].steps)
    raw = link.get("step", "1")
    try:
        index = int(raw) - 1
    except ValueError:
        index = -1
    if not 0 <= index < n:
        state.flash("warning", _("This lesson has steps 1 to {n}, not {step!r}: here is step "
                                 "{shown}.").format(n=n, step=str(raw)[:10],
                                                    shown=1 if index < 0 else n))
    enter(lesson, min(max(index, 0), n - 1))


def enter(lesson: str, index: int) -> None:
    """Go to a step and apply its settings (and load its data), as a preset does."""
    st.session_state[LESSON] = (lesson, index)
    apply_step(lesson, index)


def apply_step(lesson: str, index: int) -> bool:
    """Set the step's configuration and load its data. A step whose data cannot be loaded
    changes nothing and says why. Returns True when the step's settings are in place."""
    step = LESSONS[lesson].steps[index]
    before, wanted = state.cfg(), step.config()
    st.session_state[LESSON_APPLIED] = (lesson, index)
    if before == wanted and not data.is_stale() and data.current_series() is not None:
        return True
    state.set_cfg(wanted)
    if data.is_stale() or data.current_series() is None:
        if not data.load(quiet=True):
            state.set_cfg(before)
            why = st.session_state.get(data.LOAD_ERROR, "")
            state.flash("error", _("This step's data could not be loaded: {why} Your data and "
                                   "settings are unchanged.").format(why=why))
            return False
    state.forget_notes()
    return True


# ----- callbacks ----------------------------------------------------------------------------------
def _on_pick() -> None:
    enter(st.session_state["lesson_pick"], 0)


def _on_move(delta: int) -> None:
    lesson, index = position()
    enter(lesson, min(max(index + delta, 0), len(LESSONS[lesson].steps) - 1))


def _on_restart() -> None:
    lesson, _index = position()
    book = st.session_state.setdefault(LESSON_PROGRESS, {})
    for key in [k for k in book if k[0] == lesson]:
        del book[key]
    enter(lesson, 0)


def _on_lock(lesson: str, index: int) -> None:
    _progress(lesson, index)["prediction"] = st.session_state.get(f"lesson_q_{lesson}_{index}")


def _matching_run(step: Step):
    """The current run if it is exactly this step's experiment, fully trained, else None."""
    run, series = state.current_run(), data.current_series()
    if run is None or series is None or run.cfg != step.config() or run.diverged:
        return None
    if run.differences(series.values, step.config()) or run.epochs_done < run.cfg.epochs:
        return None
    return run


def _on_run(lesson: str, index: int) -> None:
    step, mark = LESSONS[lesson].steps[index], _progress(lesson, index)
    if not apply_step(lesson, index):
        return
    if step.action != TRAIN:
        mark["revealed"] = True
        return
    run = _matching_run(step)  # the step before trained this very experiment: reuse it
    if run is None:
        before = state.current_run()
        training.on_train()  # a refusal (no data, over the cap) flashes why, installs nothing
        run = state.current_run()
        if run is before:
            run = None
    mark["run"] = run.uid if run is not None else None


# ----- the reveal ---------------------------------------------------------------------------------
def _ready_run(lesson: str, index: int):
    """The run this step trained, once its training has finished (else None)."""
    run, mark = state.current_run(), _progress(lesson, index)
    if run is None or mark.get("run") != run.uid or st.session_state.get(training.TRAINING):
        return None
    if run.cfg != LESSONS[lesson].steps[index].config():
        return None
    if run.epochs_done < run.cfg.epochs and not run.diverged:
        return None
    return run


def observation(lesson: str, index: int) -> tuple[object, Observation] | None:
    """(Reveal, Observation) of this step, computed once per run, step and language; None
    before the step has run."""
    step = LESSONS[lesson].steps[index]
    if step.action == TRAIN:
        run = _ready_run(lesson, index)
        if run is None:
            return None
        p = run.prepared
        key = state.run_key(run, lesson, index, current_language())
        make = lambda: Observation(pd.Series(p.values, index=p.index), run.cfg, run,  # noqa: E731
                                   _evaluation(run), p.units)
    else:
        series = data.current_series()
        if not _progress(lesson, index).get("revealed") or series is None:
            return None
        if state.cfg() != step.config() or data.is_stale():  # changed elsewhere since:
            return None  # Reveal sets the step up again
        key = (lesson, index, state.cfg(), current_language(), data.loaded_source())
        make = lambda: Observation(series.values, state.cfg(), units=series.units)  # noqa: E731

    def compute():
        obs = make()
        return step.reveal(obs), obs
    return state.memo(LESSON_REVEAL, key, compute)


def _evaluation(run):
    from ui import results  # the memoised evaluation the Compare page uses too

    return results.evaluation(run)


# ----- drawing ------------------------------------------------------------------------------------
def _height(fig):
    if compact():
        fig.update_layout(height=COMPACT_HEIGHT)
    return fig


def draw_charts(step: Step, reveal, obs: Observation, slots: training.Slots, cols) -> None:
    """The step's figures, each from the existing chart builders, side by side in `cols`."""
    run = obs.run
    for i, name in enumerate(step.charts):
        key = f"lesson_chart_{name}_{i}"
        if name == "training" and run is not None:
            training.draw(slots, run, log_y=True)
            continue
        fig = None
        if name == "series":
            fig = charts.series_chart(pd.Series(obs.prepared.values, index=obs.prepared.index),
                                      obs.prepared.bounds(), _("the series"), obs.units)
        elif name == "shape":
            fig = shape_diagram(next(s for s in SHAPES if s.key == reveal.answer), True)
        elif name == "predictions":
            fig = charts.predictions_chart(obs.evaluation.predictions, obs.prepared.bounds(),
                                           obs.units)
        elif name == "forecast":
            ev, p = obs.evaluation, obs.prepared
            fig = charts.forecast_chart(pd.Series(p.values, index=p.index), ev.extrapolation,
                                        ev.free_run, obs.units, None)
        elif name == "horizon" and obs.evaluation.horizon is not None:
            fig = charts.horizon_chart(obs.evaluation.horizon, obs.units)
        elif name == "free_run":
            fr = obs.memo("free_run", lambda: None)
            fig = inside_charts.horizon_error_chart(fr.steps, fr.by_horizon, obs.units)
        elif name.startswith("grad_flow"):
            fig = inside_charts.grad_flow_chart({_("after training"): reveal.values["norms"]})
        if fig is not None:
            cols[i % len(cols)].plotly_chart(_height(fig), key=key, width="stretch")


def question_block(lesson: str, index: int, step: Step) -> bool:
    """The prediction, asked before the run; returns True once it is locked in (or there is
    none)."""
    q, mark = step.question, _progress(lesson, index)
    if q is None:
        return True
    locked = "prediction" in mark
    key = f"lesson_q_{lesson}_{index}"
    st.markdown(f"**{_('Predict first:')}** {_(q.prompt)}")
    if locked and compact():  # on the projector the locked answer alone, to save a screen
        pass
    elif q.kind == "number":
        st.number_input(_("Your prediction"), key=key, value=None, step=None, format="%g",
                        disabled=locked, placeholder=_("a number"))
    else:
        # labels translated here, in the script run (a format_func may run elsewhere)
        labels = {k: _(label) for k, label in q.choices}
        st.radio(_("Your prediction"), list(labels), key=key, index=None, disabled=locked,
                 format_func=labels.get, label_visibility="collapsed")
    if locked:
        st.caption(_("Locked in: {answer}").format(answer=_(q.label(mark["prediction"]))))
    else:
        st.button(_("Lock in my prediction"), key="lesson_lock", type="primary",
                  disabled=st.session_state.get(key) is None, on_click=_on_lock,
                  args=(lesson, index))
    return locked


def reveal_block(step: Step, reveal, lesson: str, index: int) -> None:
    q, mark = step.question, _progress(lesson, index)
    cols = st.columns(len(reveal.metrics) or 1)
    for col, (label, value) in zip(cols, reveal.metrics):
        col.metric(_(label), value)
    if q is not None:
        actual = _(q.label(reveal.answer))
        if "prediction" not in mark:
            verdict = _("The answer: {actual}.").format(actual=actual)
        elif q.is_right(mark["prediction"], reveal.answer) and q.kind != "number":
            verdict = _("Your prediction was right: {actual}.").format(actual=actual)
        else:
            verdict = _("You predicted: {guess}. This run: {actual}.").format(
                guess=_(q.label(mark["prediction"])), actual=actual)
        st.success(verdict) if q.is_right(mark.get("prediction"), reveal.answer) \
            else st.info(verdict)
    st.markdown(reveal.text)
    if step.seeds_hold < 10:
        st.caption(_("Over seeds 0–9 (the initial weights and shuffling) this outcome comes "
                     "out in {k} of 10 runs: yours may be one of the others.").format(
            k=step.seeds_hold))
    elif step.action == TRAIN:
        st.caption(_("Over seeds 0–9 (the initial weights and shuffling) this outcome comes "
                     "out in all 10 runs."))


def settings_line(step: Step) -> str:
    """What the step sets, in words: the preset and the changed settings."""
    from rnn_core.config import FIELDS
    from rnn_core.presets import PRESETS

    parts = []
    if step.preset:
        parts.append(_("the preset “{title}”").format(title=_(PRESETS[step.preset].title)))
    parts += [f"{_(FIELDS[k].label)} = {v:g}" if isinstance(v, float) else
              f"{_(FIELDS[k].label)} = {v}" for k, v in step.changes.items()]
    if not parts:
        return _("This step uses the default experiment.")
    return _("This step sets {what}; everything else is at the defaults.").format(
        what=", ".join(parts))


# ----- the page -----------------------------------------------------------------------------------
def _nav(lesson: str, index: int, n: int, where) -> None:
    busy = bool(st.session_state.get(training.TRAINING))
    back, nxt, restart = where.columns(3)
    back.button(_("Back"), key="lesson_back", on_click=_on_move, args=(-1,),
                disabled=busy or index == 0, width="stretch", icon=":material/arrow_back:")
    nxt.button(_("Next"), key="lesson_next", on_click=_on_move, args=(1,),
               disabled=busy or index == n - 1, width="stretch",
               icon=":material/arrow_forward:")
    restart.button(_("Restart"), key="lesson_restart", on_click=_on_restart, disabled=busy,
                   width="stretch", icon=":material/restart_alt:",
                   help=_("Back to step 1 of this lesson, with every prediction cleared."))


def page() -> None:
    """The whole Lessons page: lesson picker, the current step, its run and reveal."""
    read_link()
    state.show_flash()  # a note on the link (no such lesson or step)
    lesson, index = st.session_state[LESSON] = position()
    if st.session_state.get(LESSON_APPLIED) != (lesson, index):  # arrived here: set it up
        apply_step(lesson, index)
        state.show_flash()
    this = LESSONS[lesson]
    step, n = this.steps[index], len(this.steps)
    if not compact():
        titles = {k: _(one.title) for k, one in LESSONS.items()}
        st.selectbox(_("Lesson"), list(titles), index=list(titles).index(lesson),
                     key="lesson_pick", format_func=titles.get, on_change=_on_pick)
        st.caption(_(this.summary))
    head, nav, mode = st.columns([5, 4, 2], vertical_alignment="center")
    head.markdown(f"#### {_('Step {k} of {n}').format(k=index + 1, n=n)}: {_(step.title)}")
    _nav(lesson, index, n, nav)
    mode.toggle(_("Projector"), key="lesson_compact_toggle", value=compact(),
                on_change=lambda: st.session_state.__setitem__(
                    LESSON_COMPACT, st.session_state["lesson_compact_toggle"]),
                help=_("One step per screen for a 1280×720 projector: no sidebar, no lesson "
                       "list (also ?compact=1 in the link)."))

    left, right = st.columns(2)
    with left:
        st.markdown(_(step.text))
        st.caption(settings_line(step))
        page_file, view = step.look
        st.caption(_("Look at: {view}").format(view=_(view)))
        from ui import layout  # layout imports this page's helpers' neighbours

        labels = {path: (_(label), icon) for path, label, icon in layout.PAGES}
        if page_file in labels:
            layout.link(page_file, labels[page_file][0], labels[page_file][1])
        ready = question_block(lesson, index, step)
        busy = bool(st.session_state.get(training.TRAINING))
        label = _("Run") if step.action == TRAIN else _("Reveal")
        st.button(label, key="lesson_run", type="primary", disabled=not ready or busy,
                  on_click=_on_run, args=(lesson, index),
                  help=_("Lock in a prediction first.") if not ready else None)
    progress = st.empty()
    chart_cols = st.columns(2)
    slots = training.Slots(progress, chart_cols[0].empty(), chart_cols[1].empty())
    result = None if busy else observation(lesson, index)
    with right:
        if result is None:
            st.info(_("Predict, then press **{label}**: the answer comes from this run's "
                      "numbers.").format(label=label))
        else:
            reveal_block(step, result[0], lesson, index)
    if result is not None:
        draw_charts(step, result[0], result[1], slots, chart_cols)
    if st.session_state.get(training.TRAINING):
        training.live_loop(slots, log_y=True)
