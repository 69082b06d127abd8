"""Sweeps: train a grid of configurations (and several seeds of each) in parallel.

    configs = expand_grid(cfg, windows=[10, 20], hidden=[5, 20], lrs=[0.01], seeds=[0, 1, 2])
    rows = list(run_sweep(engine, series, configs))  # (cfg, result) in the order runs finish
    summary = summarise(results_table(rows))         # mean ± std over seeds, best config

Each run is `run_config(series, cfg)`: a pure function of the series and the config, seed
included, so the same config gives bit-identical numbers in this process, in a loky worker or on
a Dask worker. `run_sweep` only needs `executor.submit`, the standard `concurrent.futures`
interface, so it is written once for every engine (see `rnn_core.executors`).
"""

from __future__ import annotations

import itertools
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rnn_core.config import LabConfig, validated
from rnn_core.executors import Engine, Feeder
from rnn_core.i18n import _, current_language, in_language
from rnn_core.metrics import LABELS
from rnn_core.runner import run_config
from rnn_core.tasks import get_task
from rnn_core.words import counted

MAX_RUNS = 400  # runs one visitor may queue in one sweep, so a shared server stays responsive
SWEPT = ("window", "n_hidden", "lr", "activation", "optimizer", "seed")  # settings a grid varies
POLL_SECONDS = 0.2  # how often a waiting sweep asks should_stop(), even while no run finishes

Row = tuple[LabConfig, dict]


def _values(name: str, values, kind: type) -> list:
    """A grid axis as a list of distinct values of one type, in the order given."""
    if isinstance(values, (str, int, float)):  # one value given on its own
        values = [values]
    values = list(values) if values is not None else []
    if not values:
        raise ValueError(_("Choose at least one value for {name}.").format(name=name))
    try:
        cast = [kind(v) for v in values]
        if kind is int and any(c != float(v) for c, v in zip(cast, values)):
            raise ValueError  # int(2.5) would silently give 2
    except (TypeError, ValueError):
        what = {int: _("whole numbers"), float: _("numbers"), str: _("names")}[kind]
        raise ValueError(_("The {name} must be {what}, got {values!r}").format(
                             name=name, what=what, values=values)) from None
    return list(dict.fromkeys(cast))  # drop repeats, keep order


def expand_grid(base_cfg: LabConfig, *, windows, hidden, lrs, activations=None, optimizers=None,
                seeds, n_points: int | None = None) -> list[LabConfig]:
    """Every combination of the given settings, as configs built from `base_cfg`.

    activations / optimizers default to the base config's. n_points: length of the series the
    sweep will run on, to refuse windows too long for it (defaults to `base_cfg.n_points` for
    a synthetic source; no length check otherwise). Seeds vary slowest, so the first runs to
    finish already cover the whole grid once and later seeds fill in the spread.
    Raises ValueError for an empty axis, a value out of bounds, a window longer than the data,
    or more than MAX_RUNS runs.
    """
    given = {  # field -> (plain name, values, type); seeds first so they vary slowest
        "seed": (_("seeds"), seeds, int), "window": (_("windows"), windows, int),
        "n_hidden": (_("hidden sizes"), hidden, int), "lr": (_("learning rates"), lrs, float),
        "activation": (_("activations"), activations or base_cfg.activation, str),
        "optimizer": (_("optimizers"), optimizers or base_cfg.optimizer, str),
    }
    axes = {field: _values(*spec) for field, spec in given.items()}
    n_runs = int(np.prod([len(v) for v in axes.values()]))
    if n_runs > MAX_RUNS:
        sizes = " × ".join(f"{len(axes[f])} {given[f][0]}" for f in axes)
        raise ValueError(_("This grid has {n_runs} runs ({sizes}); one sweep may have at most "
                           "{MAX_RUNS}. Remove some values or seeds.").format(
                             n_runs=n_runs, sizes=sizes, MAX_RUNS=MAX_RUNS))
    if n_points is None and base_cfg.source == "synthetic":
        n_points = base_cfg.n_points
    if n_points is not None:
        task = get_task(base_cfg.task)
        for w in axes["window"]:
            try:
                task.check_window(n_points, base_cfg, w)
            except ValueError as err:
                raise ValueError(_("Window {w} does not fit the data: {err}").format(
                    w=w, err=err)) from None
    names = list(axes)
    return [validated(base_cfg.replace(**dict(zip(names, combo))))
            for combo in itertools.product(*axes.values())]


def run_task(series: pd.Series, cfg: LabConfig) -> dict:
    """One sweep task: `run_config` with BLAS limited to one thread, failures as plain words.

    One thread per task because the engine already runs one task per core; letting each task's
    BLAS start more threads would oversubscribe the cores. A run that diverges or breaks a
    limit (both ValueErrors) becomes {"error": message}, so one bad corner of a grid does not
    end the sweep.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            return run_config(series, cfg)
        except ValueError as err:
            return {"error": str(err)}


def _as_finished(feeder: Feeder, on_result, should_stop) -> Iterator[Row]:
    """Yield (cfg, result) as runs finish; cancel the rest however the iteration ends.

    It holds no reference to the Sweep, so dropping the Sweep (a closed tab, a rerun) drops
    this generator at once and its `finally` runs without waiting for the garbage collector.
    """
    try:
        while waiting := feeder.waiting():
            # wait() with a timeout rather than as_completed(): runs keep being submitted as
            # others finish, and should_stop is asked even while a long run is in progress.
            done, _pending = wait(waiting, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in (f for f in waiting if f in done):  # submission order breaks ties
                cfg = feeder.take(future)
                if future.cancelled():
                    continue
                result = future.result()  # re-raises an unexpected error of the run
                if on_result is not None:
                    on_result(cfg, result)
                yield cfg, result
            if should_stop is not None and should_stop():
                return
        if feeder.error is not None:  # a refill was refused, e.g. the engine was shut down
            raise RuntimeError(_("The engine stopped accepting runs mid-sweep.")) from feeder.error
    finally:
        feeder.close()


class Sweep:
    """A submitted sweep. Iterate it for (cfg, result) pairs in the order the runs finish.

    total: how many runs; futures: dict Future -> LabConfig of the runs submitted so far.
    Closing it (or leaving a `with` block, or dropping it) cancels every run not yet started.
    """

    def __init__(self, executor: Executor, series: pd.Series | None, configs, *, on_result=None,
                 should_stop=None, max_in_flight: int | None = None, task=None):
        # task(cfg) -> dict, when each config makes its own data (series None); else run_task
        fn, args = (run_task, (series,)) if task is None else (task, ())
        # the workers write their messages (a diverged run…) in the student's language
        self._feeder = Feeder(executor, in_language, list(configs),
                              args=(current_language(), fn, *args), limit=max_in_flight)
        self.total = self._feeder.total
        self._results = _as_finished(self._feeder, on_result, should_stop)

    @property
    def futures(self) -> dict[Future, LabConfig]:
        with self._feeder.lock:
            return dict(self._feeder.futures)

    def __iter__(self) -> "Sweep":
        return self

    def __next__(self) -> Row:
        return next(self._results)

    def close(self) -> None:
        """Stop: cancel every run not yet started. Safe from another thread (a Stop button)
        while a loop is iterating: that loop then ends after the runs already running."""
        self._feeder.close()  # also when iteration never started (then `finally` never ran)
        try:
            self._results.close()
        except ValueError:  # "generator already executing": the other thread's loop ends
            pass

    def unfinished(self) -> list[Future]:
        """Runs neither finished nor cancelled (right after close(): those already running)."""
        return self._feeder.unfinished()

    def __enter__(self) -> "Sweep":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if "_feeder" in self.__dict__:  # Feeder() may have raised in __init__
            self._feeder.close()


def run_sweep(executor: Executor | Engine, series: pd.Series | None, configs, *,
              on_result: Callable[[LabConfig, dict], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              max_in_flight: int | None = None,
              task: Callable[[LabConfig], dict] | None = None) -> Sweep:
    """Submit every config to `executor`; return a Sweep yielding (cfg, result) as runs finish.

    Each run is `run_task(series, cfg)`, or `task(cfg)` when given (then `series` is None: each
    configuration makes its own data, as the long-memory sweep's echo series of every lag).

    executor: any concurrent.futures.Executor, or an Engine (then its max_in_flight applies).
    on_result(cfg, result) is called for each result before it is yielded. should_stop() is
    asked after each result and every POLL_SECONDS; True ends the sweep. max_in_flight: keep at
    most this many runs submitted (None: all at once). However the iteration ends — exhausted,
    should_stop, an exception, close(), or the Sweep dropped by a rerun — every run not yet
    started is cancelled.
    """
    if isinstance(executor, Engine):
        max_in_flight = max_in_flight or executor.max_in_flight
        executor = executor.executor
    return Sweep(executor, series, configs, on_result=on_result, should_stop=should_stop,
                 max_in_flight=max_in_flight, task=task)


def results_table(rows) -> pd.DataFrame:
    """One row per run: the swept settings (SWEPT), then every scalar metric, then `error`.

    rows: iterable of (cfg, result) pairs as a Sweep yields them. A failed run has NaN metrics
    and its message in `error` ("" for runs that worked). Sorted by the settings, so the table
    does not depend on the order in which runs finished.
    """
    records = [{**{name: getattr(cfg, name) for name in SWEPT},
                **{k: v for k, v in result.items() if isinstance(v, (int, float))},  # no lists
                "error": result.get("error", "")} for cfg, result in rows]
    if not records:
        raise ValueError("No finished runs yet: there is nothing to tabulate.")
    df = pd.DataFrame.from_records(records)
    metrics = [c for c in df.columns if c not in SWEPT and c != "error"]
    df = df[list(SWEPT) + metrics + ["error"]]
    return df.sort_values(list(SWEPT), kind="stable", ignore_index=True)


@dataclass
class Summary:
    """table: one row per configuration (the settings other than seed), columns `<metric>_mean`
    and `<metric>_std` over seeds, `n_seeds` (runs that worked) and `n_failed`, best first.
    best: that first row as a dict (None when no run worked). by: the metric ranked on."""

    table: pd.DataFrame
    best: dict | None
    by: str


def summarise(df: pd.DataFrame, *, by: str = "val_rnn_rmse") -> Summary:
    """Mean and spread across seeds for each configuration, and the best one by `by`.

    std is the sample standard deviation (ddof=1): NaN for a single seed. Failed runs count in
    `n_failed` and not in the means; a configuration with any failed seed ranks after every
    configuration whose seeds all worked, whatever its mean.
    """
    if by not in df.columns:
        raise ValueError(f"Cannot rank by {by!r}: the table has no such column. Use one of "
                         f"{', '.join(c for c in df.columns if c not in SWEPT)}.")
    keys = [k for k in SWEPT if k != "seed"]
    metrics = [c for c in df.columns if c not in SWEPT and c != "error"]
    failed = df["error"].astype(bool)
    groups = df[~failed].groupby(keys, sort=False)[metrics]
    table = pd.concat([groups.mean().add_suffix("_mean"), groups.std(ddof=1).add_suffix("_std")],
                      axis=1)
    table["n_seeds"] = groups.size()
    configs = df[keys].drop_duplicates().set_index(keys).index
    table = table.reindex(configs)  # configurations where every seed failed stay, as NaN
    table["n_seeds"] = table["n_seeds"].fillna(0).astype(int)
    table["n_failed"] = failed.groupby([df[k] for k in keys], sort=False).sum().reindex(configs)
    table = table.reset_index().sort_values(["n_failed", f"{by}_mean"], kind="stable",
                                            ignore_index=True)
    ok = table[f"{by}_mean"].notna()
    best = table[ok].iloc[0].to_dict() if ok.any() else None
    return Summary(table, best, by)


def best_pivot(table: pd.DataFrame, index: str, columns: str, value: str) -> pd.DataFrame:
    """A heatmap grid from a Summary table: `index` x `columns`, each cell the lowest `value`
    over the other settings (e.g. window x n_hidden of val_rnn_rmse_mean)."""
    if missing := [n for n in (index, columns, value) if n not in table.columns]:
        raise ValueError(f"The summary table has no column {missing[0]!r}.")
    return table.pivot_table(index=index, columns=columns, values=value, aggfunc="min")


@dataclass
class SeedSpread:
    """One configuration trained with several seeds (the Compare page's bands). seeds: (S,);
    test: (S, n_test) the RNN's one-step test predictions in the data's units; extrapolation:
    (S, horizon) its free-running forecast past the end; table: results_table of the runs.
    A failed seed's rows are NaN (its message is in table.error)."""

    seeds: np.ndarray
    test: np.ndarray
    extrapolation: np.ndarray
    table: pd.DataFrame


def seed_spread(executor: Executor | Engine, series: pd.Series, cfg: LabConfig, seeds, *,
                should_stop: Callable[[], bool] | None = None) -> SeedSpread:
    """Train `cfg` once per seed on `executor`; return the predictions stacked by seed."""
    seeds = _values("seeds", seeds, int)
    if len(seeds) > MAX_RUNS:
        raise ValueError(_("{count} seeds is too many: use at most {MAX_RUNS}.").format(
                             count=len(seeds), MAX_RUNS=MAX_RUNS))
    configs = [validated(cfg.replace(seed=s)) for s in seeds]  # checks every seed's bounds
    with run_sweep(executor, series, configs, should_stop=should_stop) as sweep:
        by_seed = {c.seed: r for c, r in sweep}
    if len(by_seed) < len(seeds):
        raise ValueError(_("The seed spread was stopped before every seed finished."))
    worked = [r for r in by_seed.values() if "error" not in r]
    if not worked:
        raise ValueError(_("Every seed failed; the first said: {error}").format(
                             error=by_seed[seeds[0]]['error']))

    def stack(key: str) -> np.ndarray:  # (S, n): a failed seed gives a row of NaN
        n = len(worked[0][key])
        return np.array([by_seed[s].get(key, [np.nan] * n) for s in seeds], dtype=np.float64)

    table = results_table((c, by_seed[c.seed]) for c in configs)
    return SeedSpread(np.array(seeds), stack("test_rnn"), stack("extrapolation_rnn"), table)


def beat_persistence(table: pd.DataFrame) -> tuple[int, int]:
    """(seeds whose model beat persistence, seeds that trained) in a seed spread's table
    (results_table: the recurrent model's numbers are its `RNN_*` columns, whatever its cell)."""
    ok = table[table["error"].fillna("") == ""] if "error" in table else table
    if "RNN_REL_MAE" not in ok:
        return 0, len(ok)
    return int(np.sum(ok["RNN_REL_MAE"].to_numpy(dtype=np.float64) < 1)), len(ok)


def describe_spread(table: pd.DataFrame, model: str = "RNN") -> str:
    """One sentence on a seed spread, naming every seed tried, e.g. 'GRU, over seeds 0–9 (10
    runs): it beat persistence in 8 of 10 (MAE ÷ persistence MAE 0.41–1.10, median 0.62); its
    RMSE ranged 0.1–0.3.' A failed seed is named with its reason, and the counts are of the
    seeds that trained ('… in 2 of 3 that trained …; seed 3 failed: …')."""
    failed = table[table["error"].fillna("") != ""] if "error" in table else table.iloc[:0]
    ok = table.drop(failed.index)
    tried = table["seed"].astype(int)
    out = _("{model}, over seeds {first}–{last} ({runs})").format(
        model=model, first=tried.min(), last=tried.max(), runs=counted(len(table), "run"))
    if not len(ok):
        return out + _(": every seed failed ({why}).").format(why=failed["error"].iloc[0])
    wins, n = beat_persistence(table)
    trained = _("{n} that trained").format(n=n) if len(failed) else str(n)
    if "RNN_REL_MAE" in ok and ok["RNN_REL_MAE"].notna().all():
        ratio = ok["RNN_REL_MAE"]
        out += _(": it beat persistence in {wins} of {trained} ({ratio_name} {lo:.2f}–{hi:.2f}, "
                 "median {median:.2f})").format(wins=wins, trained=trained,
                                                ratio_name=_(LABELS["rel_mae"]), lo=ratio.min(),
                                                hi=ratio.max(), median=ratio.median())
    if "RNN_RMSE" in ok:
        out += _("; its RMSE ranged {lo:.3g}–{hi:.3g}").format(lo=ok["RNN_RMSE"].min(),
                                                              hi=ok["RNN_RMSE"].max())
    for row in failed.itertuples():
        out += _("; seed {seed} failed: {why}").format(seed=int(row.seed), why=row.error)
    return out + "."
