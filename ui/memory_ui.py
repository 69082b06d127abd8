"""The Sweep page's long-memory experiment: the echo lag L × each cell × seeds, streamed in.

Each run makes its own echo series (rnn_core.long_memory.memory_task), so the sweep needs no
loaded data; it runs on the same engine as the settings sweep (loky, or Dask by address), and
like it keeps a handle on the Sweep so that a rerun, Stop or a closed tab cancels what has not
started.
"""

from __future__ import annotations

import time

import streamlit as st

from rnn_core.cells import CELL_LABELS, CELLS
from rnn_core.config import compute_cost, parse_values
from rnn_core.i18n import _
from rnn_core.long_memory import (BEST_RATIO, ECHO_SETTINGS, echo_config, memory_grid,
                                  memory_summary, memory_table, memory_task)
from rnn_core.sweep import run_sweep
from rnn_core.words import counted
from ui import state
from ui.charts.memory import memory_chart
from ui.engine import engine
from ui.state import MEMORY_OWNER as OWNER, MEMORY_PENDING as PENDING, MEMORY_ROWS as ROWS
from ui.sweep_ui import MAX_SWEEP_COMPUTE, show_progress

DEFAULT_LAGS = "5, 10, 20, 30"


def _base():
    """The settings every run shares: the student's own when the echo series is loaded (so a
    changed hidden size or learning rate counts), else the experiment's (ECHO_SETTINGS)."""
    cfg = state.cfg()
    if cfg.source == "synthetic" and cfg.synthetic_kind == "echo":
        return cfg, _("Every run uses your settings from the Data and Train pages; only the lag, "
                      "the window (L + 4) and the cell change.")
    return echo_config(cfg), _(
        "Every run uses the echo experiment's settings ({n} points, {hidden}, {epochs}, "
        "learning rate {lr:g}); only the lag, the window (L + 4) and the cell change. Load the "
        "echo series on the Data page to sweep with your own settings.").format(
        n=ECHO_SETTINGS["n_points"], hidden=counted(ECHO_SETTINGS["n_hidden"], "hidden unit"),
        epochs=counted(ECHO_SETTINGS["epochs"], "epoch"), lr=ECHO_SETTINGS["lr"])


def form() -> list | None:
    """The sweep's inputs; returns its configurations, or None after saying why it cannot run."""
    base, note = _base()
    st.caption(note)
    c1, c2, c3 = st.columns([2, 3, 1])
    lags = c1.text_input(_("Echo lags L"), DEFAULT_LAGS, key="mem_lags",
                         help=_("How far back each echo comes from, separated by commas."))
    cells = c2.multiselect(_("Cells"), list(CELLS), list(CELLS), key="mem_cells",
                           format_func={c: _(CELL_LABELS[c]) for c in CELLS}.get,
                           help=_("Which recurrent cells to compare; the MLP and persistence "
                                  "are scored in every run."))
    n_seeds = c3.number_input(_("Seeds"), 1, 10, 5, key="mem_seeds",
                              help=_("Each lag and cell is trained with this many seeds."))
    try:
        configs = memory_grid(base, lags=parse_values(lags, "echo_lag", int), cells=cells,
                              seeds=range(base.seed, base.seed + int(n_seeds)))
    except ValueError as err:
        st.error(_("This sweep cannot run: {why}").format(why=err))
        return None
    cost = sum(compute_cost(c, n_windows=c.n_points - c.window, steps=c.window, n_in=1)
               for c in configs)
    if cost > MAX_SWEEP_COMPUTE:
        st.error(_("This sweep would need about {cost:.1e} operations, over the per-sweep cap "
                   "of {cap:.0e} on this shared server. Use fewer lags, cells or seeds.").format(
            cost=cost, cap=MAX_SWEEP_COMPUTE))
        return None
    st.caption(_("{runs} of {epochs} each.").format(runs=counted(len(configs), "run"),
                                                    epochs=counted(base.epochs, "epoch")))
    return configs


def on_run(configs) -> None:
    st.session_state[PENDING] = configs
    st.session_state[ROWS] = []


def on_stop() -> None:
    st.session_state[PENDING] = None
    st.session_state[OWNER] = None
    state.flash("info", _("Memory sweep stopped after {runs}; the runs not yet started were "
                          "cancelled.").format(
        runs=counted(len(st.session_state.get(ROWS) or []), "run")))


def running() -> bool:
    return bool(st.session_state.get(PENDING))


def stream(progress_slot, chart_slot) -> None:
    """Run the pending sweep, redrawing the progress and the chart as results arrive."""
    configs = st.session_state.get(PENDING)
    if not configs:
        return
    owner = object()
    st.session_state[OWNER] = owner
    results: list = []
    st.session_state[ROWS] = results
    eng = engine()
    started, last_draw = time.perf_counter(), 0.0
    sweep = run_sweep(eng, None, configs, task=memory_task,
                      should_stop=lambda: st.session_state.get(OWNER) is not owner)
    try:
        show_progress(progress_slot, 0, len(configs), started, eng)
        for _cfg, result in sweep:
            results.append(result)
            now = time.perf_counter()
            if now - last_draw > 0.5 or len(results) == len(configs):
                last_draw = now
                show_progress(progress_slot, len(results), len(configs), started, eng)
                summary = _summary(results)
                if summary is not None:
                    chart_slot.plotly_chart(memory_chart(summary),
                                            key=f"mem_live_{len(results)}", width="stretch")
    finally:
        sweep.close()
    if st.session_state.get(OWNER) is owner:
        st.session_state[PENDING] = None
        st.session_state[OWNER] = None
        st.rerun()


def _summary(results):
    """memory_summary of the results so far, or None while no run has worked."""
    table = memory_table(results)
    ok = table[table["error"] == ""]
    return memory_summary(table) if len(ok) else None


def model_label(model: str) -> str:
    """A summary row's model as the page names it ("best" is the forecast that knows the
    equation)."""
    return _("best possible") if model == "best" else _(model)


def describe(summary) -> str:
    """One sentence per lag: each model's mean ratio and its range over seeds."""
    lines = []
    for lag, rows in summary.groupby("lag", sort=True):
        parts = [_("{model} {mean:.2f} ({lo:.2f}–{hi:.2f})").format(
            model=model_label(r.model), mean=r.mean, lo=r.min, hi=r.max)
            for r in rows.itertuples()]
        lines.append(_("L = {lag}: {parts}").format(lag=lag, parts="; ".join(parts)))
    return "\n".join(f"- {line}" for line in lines)


def results(chart_slot) -> None:
    """The finished (or stopped) sweep: chart, one line per lag, table, CSV download."""
    rows = st.session_state.get(ROWS)
    if not rows:
        return
    table = memory_table(rows)
    failed = table[table["error"] != ""]
    if len(failed):
        st.warning(_("{runs} failed; the first said: {why}").format(
            runs=counted(len(failed), "run"), why=failed["error"].iloc[0]))
    summary = _summary(rows)
    if summary is None:
        return
    chart_slot.plotly_chart(memory_chart(summary), key="mem_chart", width="stretch")
    st.markdown(_("Test MSE ÷ the no-memory forecast's, mean (lowest–highest seed) over "
                  "{seeds}:").format(seeds=counted(int(summary["n_seeds"].max()), "seed")))
    st.markdown(describe(summary))
    st.caption(_("1 means the model predicts the echo no better than the training mean. 'Best "
                 "possible' is a forecast that knows the equation, 0.95·y(t−L), scored on the "
                 "same test points: only each step's fresh noise is left (about {best:.2f} on "
                 "average). The MLP reads the whole window at once, so it shows what the window "
                 "holds; persistence, which repeats the last value, ignores the echo.").format(
        best=BEST_RATIO))
    st.download_button(_("Download the runs (CSV)"), table.to_csv(index=False).encode("utf-8"),
                       file_name="rnn_lab_long_memory.csv", mime="text/csv", key="mem_csv")


def section() -> None:
    """The whole experiment: explanation, form, buttons, live progress and results."""
    st.markdown(_("**How far back can each cell remember?** The echo series repeats every "
                  "value 0.95 times as large L steps later, over fresh noise: to predict the "
                  "next value a model must carry one value across L steps of its recurrence."))
    configs = form()
    left, right = st.columns(2)
    left.button(_("Run the memory sweep"), key="mem_run", type="primary",
                disabled=configs is None or running(), on_click=on_run, args=(configs,),
                help=_("Train every lag, cell and seed; results appear as runs finish."))
    right.button(_("Stop"), key="mem_stop", disabled=not running(), on_click=on_stop,
                 help=_("Cancel the runs that have not started yet."))
    progress_slot, chart_slot = st.empty(), st.empty()
    if running():
        stream(progress_slot, chart_slot)
    results(chart_slot)
