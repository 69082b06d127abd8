"""Sweeps on the local loky engine: grids, bit-identical results, cancellation, tables."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import threading

import numpy as np
import pandas as pd
import pytest

from rnn_core.config import LabConfig
from rnn_core.executors import ADDRESS_ENV, EngineError, get_engine, local_engine
from rnn_core.runner import run_config
from rnn_core.sweep import (MAX_RUNS, SWEPT, best_pivot, expand_grid, results_table, run_sweep,
                            seed_spread, summarise)

# Small runs (~0.05 s each) so the tests stay quick on two shared cores.
BASE = LabConfig(n_points=240, epochs=3, n_hidden=5, window=8, mlp_hidden=4, horizon=12)


def without_timing(result: dict) -> dict:
    """A run's result minus its wall-clock `seconds`, the one entry that is not deterministic."""
    return {k: v for k, v in result.items() if k != "seconds"}


@pytest.fixture(scope="module")
def series() -> pd.Series:
    x = np.linspace(0.01, 6.0, BASE.n_points)
    return pd.Series(x * np.sin(x), index=x)


@pytest.fixture(scope="module")
def engine():
    eng = local_engine(2)
    yield eng
    eng.close()


# ---- expand_grid -----------------------------------------------------------------------------

def test_grid_holds_every_combination_once_with_seeds_varying_slowest():
    grid = expand_grid(BASE, windows=[6, 8], hidden=[3, 5, 7], lrs=[0.01, 0.1],
                       activations=["tanh", "relu"], seeds=[0, 1])
    assert len(grid) == 2 * 3 * 2 * 2 * 2
    combos = {(c.window, c.n_hidden, c.lr, c.activation, c.seed) for c in grid}
    assert combos == set(itertools.product([6, 8], [3, 5, 7], [0.01, 0.1], ["tanh", "relu"],
                                           [0, 1]))
    assert [c.seed for c in grid[:12]] == [0] * 12  # the whole grid once before any second seed
    assert {c.optimizer for c in grid} == {BASE.optimizer}  # unswept settings come from the base
    assert {c.epochs for c in grid} == {BASE.epochs}


def test_grid_drops_repeated_values():
    grid = expand_grid(BASE, windows=[8, 8], hidden=[5], lrs=[0.01, 0.01], seeds=[3, 3, 4])
    assert [(c.window, c.lr, c.seed) for c in grid] == [(8, 0.01, 3), (8, 0.01, 4)]


@pytest.mark.parametrize("changes, words", [
    (dict(windows=[]), "at least one value for windows"),
    (dict(seeds=[]), "at least one value for seeds"),
    (dict(lrs=["fast"]), "learning rates must be numbers"),
    (dict(windows=[2.5]), "windows must be whole numbers"),
    (dict(activations=["sigmoid"]), "Activation"),
    (dict(lrs=[0.0]), "Learning rate"),
    (dict(windows=[200]), "Window 200 does not fit the data"),
    (dict(hidden=list(range(1, 11)), lrs=[0.1, 0.01], seeds=list(range(21))),
     f"at most {MAX_RUNS}"),
])
def test_grid_refuses_bad_input_in_plain_words(changes, words):
    kwargs = dict(windows=[8], hidden=[5], lrs=[0.01], seeds=[0]) | changes
    with pytest.raises(ValueError, match=words):
        expand_grid(BASE, **kwargs)


def test_grid_checks_windows_against_the_given_series_length():
    expand_grid(BASE.replace(source="csv"), windows=[150], hidden=[5], lrs=[0.01], seeds=[0])
    with pytest.raises(ValueError, match="Window 150"):
        expand_grid(BASE.replace(source="csv"), windows=[150], hidden=[5], lrs=[0.01], seeds=[0],
                    n_points=200)


# ---- running on loky -------------------------------------------------------------------------

def test_loky_sweep_equals_the_serial_loop_bit_for_bit(engine, series):
    grid = expand_grid(BASE, windows=[6, 10], hidden=[4, 6], lrs=[0.01], seeds=[0, 1])
    serial = {c: without_timing(run_config(series, c)) for c in grid}
    with run_sweep(engine, series, grid) as sweep:
        parallel = {c: without_timing(r) for c, r in sweep}
    assert set(parallel) == set(grid)
    for cfg in grid:
        assert parallel[cfg] == serial[cfg]  # exact float equality, lists included
    assert serial[grid[0]] != serial[grid[-1]]  # different configs really differ


def test_closing_a_sweep_leaves_at_most_one_run_per_worker_and_a_new_sweep_runs_next(
        engine, series):
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01, 0.03],
                       seeds=range(4))  # 48 runs
    sweep = run_sweep(engine, series, grid)
    assert engine.max_in_flight == engine.n_workers + 1
    assert len(sweep.futures) == engine.max_in_flight  # the rest wait in the sweep, not in loky
    next(sweep)
    sweep.close()
    submitted = list(sweep.futures)
    assert len(sweep.unfinished()) <= engine.max_in_flight  # already handed to loky

    cfg = grid[0].replace(seed=99)
    with run_sweep(engine, series, [cfg]) as fresh:
        (got_cfg, _), = list(fresh)
    assert got_cfg == cfg
    # By the time the new run finished, the old sweep had submitted nothing more: its
    # in-flight runs finished or were cancelled, and the backlog was never handed to loky.
    cf.wait(submitted)
    assert list(sweep.futures) == submitted
    assert len(submitted) <= 1 + 2 * engine.max_in_flight < len(grid)
    assert all(f.done() for f in submitted)  # nothing of the old sweep running or pending


def test_on_a_bare_executor_every_run_is_submitted_and_closing_cancels_the_backlog(
        engine, series):
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01], seeds=range(4))
    sweep = run_sweep(engine.executor, series, grid)  # no max_in_flight: submit all 24 runs
    futures = list(sweep.futures)
    assert len(futures) == len(grid)
    next(sweep)
    sweep.close()
    # loky cannot cancel runs already in its call queue: up to 2 x workers + 1, plus those
    # executing and those that finished meanwhile.
    not_cancelled = [f for f in futures if not f.cancelled()]
    assert len(not_cancelled) <= 1 + 3 * engine.n_workers + 1 + engine.n_workers
    cf.wait(not_cancelled)
    assert all(f.done() for f in futures)


def test_dropping_a_sweep_mid_iteration_cancels_its_backlog(engine, series):
    """A Streamlit rerun interrupts the loop with an exception and drops the sweep."""
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01], seeds=range(4))
    sweeps = []

    def page_loop():
        sweep = run_sweep(engine.executor, series, grid)
        sweeps.append(sweep.futures)  # keep the futures, not the sweep
        for _ in sweep:
            raise KeyboardInterrupt("the user pressed Stop")

    with pytest.raises(KeyboardInterrupt):
        page_loop()
    futures = list(sweeps[0])
    not_cancelled = [f for f in futures if not f.cancelled()]
    assert len(futures) == len(grid)
    assert len(not_cancelled) <= 1 + 3 * engine.n_workers + 1 + engine.n_workers
    cf.wait(not_cancelled)


def test_should_stop_ends_the_sweep_and_submits_no_more(engine, series):
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01], seeds=range(4))
    seen = []
    sweep = run_sweep(engine, series, grid, on_result=lambda c, r: seen.append(c),
                      should_stop=lambda: len(seen) >= 2)
    rows = list(sweep)
    assert [c for c, _ in rows] == seen and 2 <= len(rows) < len(grid)
    cf.wait(sweep.unfinished())
    assert len(sweep.futures) <= len(rows) + 2 * engine.max_in_flight < len(grid)


@pytest.mark.parametrize("when", ["while the sweep waits for runs", "between two results"])
def test_a_stop_button_in_another_thread_ends_a_loop_that_is_iterating(engine, series, when):
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01], seeds=range(4))
    holder = []

    def stop_from_another_thread(*_):
        stopper = threading.Thread(target=holder[0].close)
        stopper.start()
        stopper.join()

    # on_result runs inside the sweep's generator: a close() then meets a running generator.
    inside = when == "while the sweep waits for runs"
    sweep = run_sweep(engine, series, grid, on_result=stop_from_another_thread if inside else None)
    holder.append(sweep)
    rows = []
    for cfg, _ in sweep:
        rows.append(cfg)
        if not inside and len(rows) == 1:
            stop_from_another_thread()
    assert 1 <= len(rows) <= 1 + 2 * engine.max_in_flight < len(grid)
    cf.wait(sweep.unfinished())
    assert len(sweep.futures) <= 1 + 2 * engine.max_in_flight


def test_a_failing_run_becomes_an_error_row_and_the_sweep_goes_on(engine, series):
    # 256 hidden units x 2000 epochs is far over the compute cap: refused before training.
    too_big = BASE.replace(n_hidden=256, epochs=2000, window=60)
    grid = [BASE, too_big, BASE.replace(seed=1)]
    with run_sweep(engine, series, grid) as sweep:
        rows = list(sweep)
    df = results_table(rows)
    assert len(df) == 3
    bad = df[df["n_hidden"] == 256].iloc[0]
    assert "cap" in bad["error"] and np.isnan(bad["val_rnn_rmse"])
    summary = summarise(df)
    assert summary.best["n_hidden"] == BASE.n_hidden  # the failed configuration cannot be best
    failed_row = summary.table[summary.table["n_hidden"] == 256].iloc[0]
    assert failed_row["n_failed"] == 1 and failed_row["n_seeds"] == 0


# ---- tables ----------------------------------------------------------------------------------

def test_summary_gives_mean_and_spread_over_seeds_and_the_best_configuration(engine, series):
    grid = expand_grid(BASE, windows=[6, 10], hidden=[3, 6], lrs=[0.01], seeds=[0, 1, 2])
    with run_sweep(engine, series, grid) as sweep:
        rows = list(sweep)
    df = results_table(rows)
    assert len(df) == 12 and list(df.columns[: len(SWEPT)]) == list(SWEPT)
    assert df["error"].eq("").all()
    summary = summarise(df)
    assert len(summary.table) == 4 and summary.table["n_seeds"].eq(3).all()
    for _, row in summary.table.iterrows():
        vals = [r["val_rnn_rmse"] for c, r in rows
                if (c.window, c.n_hidden) == (row["window"], row["n_hidden"])]
        assert row["val_rnn_rmse_mean"] == pytest.approx(np.mean(vals), rel=1e-12)
        assert row["val_rnn_rmse_std"] == pytest.approx(np.std(vals, ddof=1), rel=1e-12)
    assert summary.best["val_rnn_rmse_mean"] == summary.table["val_rnn_rmse_mean"].min()
    grid2d = best_pivot(summary.table, "window", "n_hidden", "val_rnn_rmse_mean")
    assert grid2d.shape == (2, 2)
    assert grid2d.loc[6, 3] == summary.table.query("window == 6 and n_hidden == 3")[
        "val_rnn_rmse_mean"].min()


def test_seed_spread_stacks_each_seeds_predictions_in_seed_order(engine, series):
    spread = seed_spread(engine.executor, series, BASE, seeds=[2, 0, 1])
    one = run_config(series, BASE.replace(seed=0))
    assert spread.seeds.tolist() == [2, 0, 1]
    assert spread.test.shape == (3, len(one["test_rnn"]))
    assert spread.extrapolation.shape == (3, BASE.horizon)
    assert spread.test.dtype == np.float64
    assert spread.test[1].tolist() == one["test_rnn"]
    assert spread.extrapolation[1].tolist() == one["extrapolation_rnn"]
    assert not np.array_equal(spread.test[0], spread.test[1])  # seeds matter


# ---- engines ---------------------------------------------------------------------------------

def test_without_an_address_the_engine_is_local(monkeypatch):
    monkeypatch.delenv(ADDRESS_ENV, raising=False)
    eng = get_engine()
    assert eng.name == "loky" and eng.n_workers >= 1 and eng.address is None
    assert eng.executor.submit(pow, 2, 10).result() == 1024


def test_an_unreachable_scheduler_is_a_plain_error_or_falls_back(monkeypatch):
    with pytest.raises(EngineError, match="Could not reach a Dask scheduler"):
        get_engine("tcp://127.0.0.1:9", timeout=1)
    monkeypatch.setenv(ADDRESS_ENV, "tcp://127.0.0.1:9")
    eng = get_engine(fallback=True, timeout=1)
    assert eng.name == "loky" and "tcp://127.0.0.1:9" in eng.note
