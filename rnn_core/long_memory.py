"""The long-memory experiment: how far back can each cell remember?

The echo series (`rnn_core.sources.synthetic.echo_values`) repeats every value 0.95 times as
large L points later, over fresh noise:

    y_t = 0.95·y_(t-L) + sqrt(1 - 0.95²)·e_t,     e_t ~ N(0, 1)

Its next value depends on one value L - 1 steps back in the window, and on nothing nearer. So

    no-memory forecast   the training mean        MSE ≈ Var y           ratio 1
    best possible        0.95·y_(t+1-L)           MSE ≈ 0.0975·Var y    ratio ≈ 0.10

and every model is scored by its test MSE ÷ the no-memory forecast's test MSE. A cell that
cannot carry information across L steps stays near 1; one that can approaches 0.10. The MLP
reads the whole window at once (no recurrence), so it is the check that the window does show
the echo. `memory_grid` builds one configuration per (seed, lag, cell), each with a window of
L + WINDOW_MARGIN; `memory_task` trains and scores one (a pure function of its config, so it
runs on any sweep engine); `memory_table` / `memory_summary` tabulate.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rnn_core.cells import CELL_LABELS, CELLS
from rnn_core.config import LabConfig, validated
from rnn_core.datasets import load_series
from rnn_core.evaluate import evaluate, no_memory_ratios
from rnn_core.experiment import Run, check_cost, prepare
from rnn_core.sources.synthetic import ECHO_STRENGTH

WINDOW_MARGIN = 4  # the window is L + 4 points: the echo's source is always inside it
BEST_RATIO = 1.0 - ECHO_STRENGTH ** 2  # ≈ 0.0975: the share of the variance nobody can predict
MAX_MEMORY_RUNS = 120  # runs one visitor may queue in one long-memory sweep

# The experiment's settings (the preset "echo" uses the same): 1000 points at x = 0.1, 0.2 … 100
# (the curve has no x), no added noise (the echo's own noise is the point), and a training schedule
# under which the difference between the cells shows in about 10 s of training at L = 30.
ECHO_SETTINGS = dict(source="synthetic", synthetic_kind="echo", x_start=0.1, x_stop=100.0,
                     n_points=1000, noise=0.0, data_seed=0, echo_lag=30, task="next",
                     scaler="minmax", n_hidden=20, n_layers=1, lr=0.01, optimizer="adam",
                     batch_size=16, epochs=100, clip=1.0, bptt_steps=0)


def echo_config(base: LabConfig | None = None, **changes) -> LabConfig:
    """The echo experiment's configuration (ECHO_SETTINGS over `base`), window = lag + margin."""
    cfg = (base or LabConfig()).replace(**{**ECHO_SETTINGS, **changes})
    return validated(cfg.replace(window=cfg.echo_lag + WINDOW_MARGIN))


def memory_grid(base: LabConfig, *, lags, cells=tuple(CELLS), seeds=range(5)) -> list[LabConfig]:
    """One configuration per (seed, lag, cell), seeds slowest (the first runs cover the grid).

    base: the settings every run shares (e.g. `echo_config()`, or the student's own; the source
    becomes the echo series, and its lag, window, cell and seed are replaced). Raises
    ValueError for an empty axis, an unknown cell or more than MAX_MEMORY_RUNS runs."""
    lags, cells, seeds = list(dict.fromkeys(lags)), list(dict.fromkeys(cells)), list(seeds)
    if not (lags and cells and seeds):
        raise ValueError("Choose at least one lag, one cell and one seed.")
    if unknown := [c for c in cells if c not in CELLS]:
        raise ValueError(f"Unknown cell {unknown[0]!r}: choose from {', '.join(CELLS)}.")
    n = len(lags) * len(cells) * len(seeds)
    if n > MAX_MEMORY_RUNS:
        raise ValueError(f"This sweep has {n} runs; one sweep may have at most "
                         f"{MAX_MEMORY_RUNS}. Use fewer lags, cells or seeds.")
    base = base.replace(source="synthetic", synthetic_kind="echo")
    return [validated(base.replace(echo_lag=int(lag), window=int(lag) + WINDOW_MARGIN,
                                   cell=cell, seed=int(seed)))
            for seed, lag, cell in itertools.product(seeds, lags, cells)]


def memory_task(cfg: LabConfig) -> dict:
    """Train one configuration of the grid on its echo series; return plain numbers.

    Keys: lag, cell, seed, ratio_<model> for RNN (the cell), MLP and Persistence, seconds; or
    error (plain words) when the run is refused or diverges."""
    t0 = time.perf_counter()
    try:
        prepared = prepare(load_series(cfg).values, cfg)
        check_cost(prepared)
        run = Run(prepared)
        with threadpool_limits(limits=1, user_api="blas"):  # one run per core (see sweep.run_task)
            run.train(cfg.epochs)
    except ValueError as err:  # a refused run, or TrainingDiverged
        return {"lag": cfg.echo_lag, "cell": cfg.cell, "seed": cfg.seed, "error": str(err)}
    ev = evaluate(run)
    ratios = no_memory_ratios(ev, prepared.part_values("train"))
    return {"lag": cfg.echo_lag, "cell": cfg.cell, "seed": cfg.seed,
            **{f"ratio_{m}": r for m, r in ratios.items()},
            "ratio_best": oracle_ratio(prepared, ev, cfg.echo_lag),
            "seconds": time.perf_counter() - t0}


def oracle_ratio(prepared, ev, lag: int) -> float:
    """The best possible forecast's ratio on these test points: it knows the equation and
    predicts 0.95·y_(t-L) for y_t (only the fresh noise is left), scored like the models
    (MSE ÷ the training mean's MSE). About BEST_RATIO on average; on one test part it varies."""
    test = ev.predictions[ev.predictions["part"] == "test"]
    at = prepared.index.get_indexer(test.index)  # positions of the test targets in the series
    actual = prepared.values[at]
    oracle = ECHO_STRENGTH * prepared.values[at - lag]  # y_t = 0.95·y_(t-L) + noise
    baseline = np.mean((actual - np.mean(prepared.part_values("train"))) ** 2)
    return float(np.mean((oracle - actual) ** 2) / baseline)


def memory_table(results) -> pd.DataFrame:
    """One row per finished run (lag, cell, seed, ratios, seconds, error), sorted by lag, cell
    (in CELLS order) and seed."""
    df = pd.DataFrame.from_records(list(results))
    if df.empty:
        raise ValueError("No finished runs yet: there is nothing to tabulate.")
    if "error" not in df:
        df["error"] = ""
    df["error"] = df["error"].fillna("")
    order = {c: i for i, c in enumerate(CELLS)}
    return df.sort_values(["lag", "cell", "seed"], key=lambda s: s.map(order) if s.name == "cell"
                          else s, kind="stable", ignore_index=True)


def memory_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (lag, model): mean, sd, min and max of the ratio over the seeds that worked, and how
    many seeds. Models: each cell (its RNN ratio, labelled by CELL_LABELS), then the MLP,
    persistence and "best" (the oracle: one value per seed, as every cell's runs share the same
    series and MLP)."""
    ok = table[table["error"] == ""]
    rows = []
    for lag, at_lag in ok.groupby("lag", sort=True):
        for cell, runs in at_lag.groupby("cell", sort=False):
            rows.append(_stats(lag, CELL_LABELS[cell], runs["ratio_RNN"]))
        for model in ("MLP", "Persistence", "best"):
            if f"ratio_{model}" in at_lag:
                first = at_lag.drop_duplicates("seed")  # one per seed: the same series and MLP
                rows.append(_stats(lag, model, first[f"ratio_{model}"]))
    return pd.DataFrame(rows)


def _stats(lag: int, model: str, ratio: pd.Series) -> dict:
    return {"lag": int(lag), "model": model, "mean": ratio.mean(), "sd": ratio.std(ddof=1),
            "min": ratio.min(), "max": ratio.max(), "n_seeds": int(ratio.size)}
