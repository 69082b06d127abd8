"""The Sweep page's glue: the grid form, the streaming loop, the result charts.

Results stream in as runs finish. The loop keeps a handle on the Sweep so that a rerun, the
Stop button or a closed tab (each interrupts the script at its next redraw) drops it, and
dropping a Sweep cancels every run not yet started: the next sweep never queues behind an
abandoned backlog.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnn_core.config import LabConfig, compute_cost, parse_values
from rnn_core.i18n import N_, _
from rnn_core.sweep import expand_grid, results_table, run_sweep, summarise
from rnn_core.tasks import get_task
from rnn_core.words import counted
from ui import state
from ui.charts.sweep import heatmaps, spread_chart
from ui.engine import engine
from ui.state import (
    SWEEP_ROWS as ROWS, SWEEP_TOTAL as TOTAL, SWEEP_PENDING as PENDING, SWEEP_OWNER as OWNER)

# One sweep may cost at most this much compute in total (same units as a run's cap).
MAX_SWEEP_COMPUTE = 3e11


def grid_form(n_points: int) -> list[LabConfig] | None:
    """The grid inputs; returns the configs, or None after showing why they cannot run."""
    cfg = state.cfg()
    task = get_task(cfg.task)
    if not task.held_out:
        st.error(_("A sweep ranks settings by their validation error, and the task '{task}' "
                   "has no validation part (it trains on the whole series): choose the "
                   "next-value or sequence task on the Train page.").format(task=_(task.label)))
        return None
    if cfg.val_frac <= 0:
        st.error(_("A sweep ranks settings by their validation error: set a validation share "
                   "above 0 on the Data page."))
        return None
    c1, c2, c3 = st.columns(3)
    windows = c1.text_input(_("Windows"), "5, 10, 20", key="sw_windows",
                            help=_("Window lengths to try, separated by commas."))
    hidden = c2.text_input(_("Hidden units"), "5, 20", key="sw_hidden",
                           help=_("RNN hidden-state sizes to try, separated by commas."))
    lrs = c3.text_input(_("Learning rates"), f"{cfg.lr:g}", key="sw_lrs",
                        help=_("Learning rates to try, separated by commas."))
    c4, c5, c6 = st.columns(3)
    activations = c4.multiselect(_("Activations"), ["tanh", "relu"], [cfg.activation],
                                 key="sw_act", help=_("tanh, relu or both."))
    optimizers = c5.multiselect(_("Optimizers"), ["adam", "sgd", "momentum"], [cfg.optimizer],
                                key="sw_opt", help=_("Which update rules to compare."))
    n_seeds = c6.number_input(_("Seeds per setting"), 1, 10, 3, key="sw_seeds",
                              help=_("Each setting is trained with this many seeds, to see how "
                                     "much of the result is luck."))
    try:
        configs = expand_grid(
            cfg, windows=parse_values(windows, "window", int),
            hidden=parse_values(hidden, "n_hidden", int), lrs=parse_values(lrs, "lr", float),
            activations=activations or None, optimizers=optimizers or None,
            seeds=[cfg.seed + k for k in range(int(n_seeds))], n_points=n_points)
    except ValueError as err:
        st.error(_("This grid cannot run: {why}").format(why=err))
        return None
    cost = sum(compute_cost(c, n_windows=max(n_points - c.window, 1), steps=c.window, n_in=1)
               for c in configs)
    if cost > MAX_SWEEP_COMPUTE:
        st.error(_("This sweep would need about {cost:.1e} operations, over the per-sweep cap "
                   "of {cap:.0e} on this shared server. Use fewer values, seeds or epochs (now "
                   "{epochs}).").format(cost=cost, cap=MAX_SWEEP_COMPUTE, epochs=cfg.epochs))
        return None
    st.caption(_("{runs} of {epochs} each, on the data loaded now.").format(
        runs=counted(len(configs), 'run'), epochs=counted(cfg.epochs, 'epoch')))
    return configs


def on_run(configs: list[LabConfig]) -> None:
    st.session_state[PENDING] = configs
    st.session_state[ROWS] = []
    st.session_state[TOTAL] = len(configs)


def on_stop() -> None:
    st.session_state[PENDING] = None
    st.session_state[OWNER] = None
    done = len(st.session_state.get(ROWS, []))
    state.flash("info", _("Sweep stopped after {runs}; the runs not yet started were "
                          "cancelled.").format(runs=counted(done, 'run')))


def running() -> bool:
    return bool(st.session_state.get(PENDING))


def show_progress(slot, done: int, total: int, started: float, eng) -> None:
    """'7 of 12 runs · about 9 s left · loky on this machine, 2 workers' (the time left from
    the mean time per finished run), as a progress bar; before the first result, no estimate."""
    runs = counted(total, "run")
    if not done:
        slot.progress(0.0, text=_("0 of {runs} · {engine}").format(runs=runs,
                                                                  engine=eng.describe()))
        return
    left = (time.perf_counter() - started) / done * (total - done)
    slot.progress(done / total, text=_("{done} of {runs} · about {left:.0f} s left · "
                                       "{engine}").format(done=done, runs=runs, left=left,
                                                          engine=eng.describe()))


def stream(series: pd.Series, progress_slot, table_slot, chart_slot) -> None:
    """Run the pending sweep, redrawing progress, the table and the heatmap as results arrive."""
    configs = st.session_state.get(PENDING)
    if not configs:
        return
    owner = object()
    st.session_state[OWNER] = owner
    rows: list = []
    st.session_state[ROWS] = rows
    eng = engine()
    if eng.note:
        st.info(eng.note)
    started, last_draw = time.perf_counter(), 0.0
    sweep = run_sweep(eng, series, configs,
                      should_stop=lambda: st.session_state.get(OWNER) is not owner)
    try:
        show_progress(progress_slot, 0, len(configs), started, eng)
        for cfg, result in sweep:
            rows.append((cfg, result))
            now = time.perf_counter()
            if now - last_draw > 0.3 or len(rows) == len(configs):
                last_draw = now
                show_progress(progress_slot, len(rows), len(configs), started, eng)
                show_table(table_slot, _short_table(rows), key=f"sweep_live_{len(rows)}",
                           height=260)
                fig = _live_heatmaps(rows)
                if fig is not None:
                    chart_slot.plotly_chart(fig, key=f"sweep_heat_{len(rows)}", width="stretch")
    finally:
        sweep.close()  # cancel whatever has not started, however we leave
    if st.session_state.get(OWNER) is owner:
        st.session_state[PENDING] = None
        st.session_state[OWNER] = None
        st.rerun()


def _persistence(table: pd.DataFrame) -> float:
    """Persistence's validation RMSE (the same for every run on the same data and split)."""
    col = table.get("val_persistence_rmse")
    return float(np.nanmean(col)) if col is not None and col.notna().any() else np.nan


def _live_heatmaps(rows) -> go.Figure | None:
    """The heatmaps of the runs finished so far (None until a run has a validation error)."""
    table = results_table(rows)
    if "val_rnn_rmse" not in table or not table["val_rnn_rmse"].notna().any():
        return None
    return heatmaps(summarise(table).table, _persistence(table))


def _short_table(rows) -> pd.DataFrame:
    df = results_table(rows)
    keep = ["window", "n_hidden", "lr", "activation", "optimizer", "seed", "val_rnn_rmse",
            "val_mlp_rmse", "val_persistence_rmse", "seconds", "error"]
    return df[[c for c in keep if c in df.columns]]


RANKED = N_("The sweep ranks settings by this column: the RNN's RMSE on the validation part, "
            "mean over seeds.")
TEST = N_("On the test part, which the ranking never looked at: an honest estimate of how the "
          "chosen setting does on new data.")
# Table column -> (heading, help), English msgids shown with _(). Columns not listed (MSE, MAE,
# MAPE, the std of the other metrics, timings) stay in the CSV download and out of the table.
COLUMNS = {
    "window": (N_("window"), N_("How many past values each window holds.")),
    "n_hidden": (N_("hidden units"), N_("Size of the RNN's hidden state.")),
    "lr": (N_("learning rate"), None),
    "activation": (N_("activation"), None),
    "optimizer": (N_("optimizer"), None),
    "seed": (N_("seed"), None),
    "val_rnn_rmse": (N_("RNN validation RMSE"), N_("The RNN's RMSE on the validation part.")),
    "val_rnn_rmse_mean": (N_("RNN validation RMSE (mean)"), RANKED),
    "val_rnn_rmse_std": (N_("RNN validation RMSE (std)"),
                         N_("Spread of the RNN's validation RMSE over seeds: how much is luck.")),
    "val_mlp_rmse": (N_("MLP validation RMSE"), N_("The MLP's RMSE on the validation part.")),
    "val_mlp_rmse_mean": (N_("MLP validation RMSE (mean)"),
                          N_("The MLP's RMSE on the validation part, mean over seeds.")),
    "val_persistence_rmse": (N_("persistence validation RMSE"),
                             N_("Repeating the last value, on the validation part.")),
    "val_persistence_rmse_mean": (N_("persistence validation RMSE"),
                                  N_("Repeating the last value, on the validation part.")),
    "RNN_RMSE_mean": (N_("RNN test RMSE (mean)"), TEST),
    "MLP_RMSE_mean": (N_("MLP test RMSE (mean)"), TEST),
    "n_seeds": (N_("seeds"), N_("Runs of this setting that finished.")),
    "n_failed": (N_("failed"), N_("Runs of this setting that failed; such settings rank last.")),
    "seconds": (N_("seconds"), N_("Time the run took.")),
    "error": (N_("error"), N_("Why a run failed.")),
}


def show_table(where, df: pd.DataFrame, key: str, **kwargs) -> None:
    """A results table with readable headings (column_config); technical columns, settings
    every row shares and an empty error column are hidden. The values and their column names
    stay as they are (the CSV download has them all)."""
    order = [c for c in COLUMNS if c in df.columns
             and not (c in ("error", "n_failed") and not df[c].astype(bool).any())
             and not (c in ("lr", "activation", "optimizer") and df[c].nunique() <= 1)]
    config = {}
    for c in order:
        label, help_text = (_(text) if text else None for text in COLUMNS[c])
        if pd.api.types.is_float_dtype(df[c]) and c != "lr":
            config[c] = st.column_config.NumberColumn(label, help=help_text, format="%.4g")
        else:
            config[c] = st.column_config.Column(label, help=help_text)
    where.dataframe(df, key=key, column_order=order, column_config=config, hide_index=True,
                    **kwargs)


def use_best(best: dict) -> None:
    """on_click: the best setting becomes the configuration; the Train page opens with it."""
    changes = {k: (int(best[k]) if k in ("window", "n_hidden") else best[k])
               for k in ("window", "n_hidden", "lr", "activation", "optimizer")}
    state.set_cfg(state.cfg().replace(**changes))
    st.session_state["go_train"] = True


def results(rows) -> None:
    """Summary, charts and the "use this configuration" button for finished runs."""
    table = results_table(rows)
    summary = summarise(table)
    persistence = _persistence(table)
    if summary.best is None:
        st.error(_("Every run failed: {why}").format(why=table["error"].iloc[0]))
        return
    st.plotly_chart(heatmaps(summary.table, persistence), key="sweep_heatmap", width="stretch")
    st.plotly_chart(spread_chart(summary.table, persistence), key="sweep_spread",
                    width="stretch")
    best = summary.best
    st.success(_("Best by validation RMSE of the RNN: window {window}, {hidden}, learning rate "
                 "{lr:g}, {activation}, {optimizer} — RMSE {rmse:.4g} (persistence "
                 "{persistence:.4g}).").format(
        window=int(best['window']), hidden=counted(int(best['n_hidden']), 'hidden unit'),
        lr=best['lr'], activation=best['activation'], optimizer=best['optimizer'],
        rmse=best['val_rnn_rmse_mean'], persistence=persistence))
    st.button(_("Use this configuration"), key="sweep_use_best", on_click=use_best, args=(best,),
              type="primary", help=_("Copy the best setting to the Train page."))
    st.caption(_("One row per setting, best first. Validation RMSE chose the best setting; "
                 "test RMSE, on the part no choice looked at, says how well that choice holds "
                 "up. All in the data's units."))
    show_table(st, summary.table, key="sweep_summary")
    st.download_button(_("Sweep results (CSV)"), table.to_csv(index=False).encode(),
                       file_name="rnn_lab_sweep.csv", mime="text/csv", key="dl_sweep")
