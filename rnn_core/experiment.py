"""The experiment pipeline the dashboard runs, as plain function calls on arrays.

    series -> split -> scaler (fit on train) -> windows -> RNN + MLP -> trainer -> forecasts

`prepare` does the data steps, `Run` holds the two models with their optimizers and histories
(and trains them epoch by epoch so a UI can redraw and stop between epochs), and `evaluate`
turns a trained run into tables in the data's own units. `run_config` chains all three for
sweeps and seed spreads.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from rnn_core.config import MAX_COMPUTE, LabConfig, compute_cost
from rnn_core.mlp import MLP
from rnn_core.optim import make_optimizer
from rnn_core.rnn import RNN
from rnn_core.scaling import MinMaxScaler, StandardScaler
from rnn_core.split import Split, split_points
from rnn_core.train import History, fit, fit_tbptt
from rnn_core.windows import Windows, windows_for_split

PARTS = ("train", "val", "test")


class ComputeCapExceeded(ValueError):
    """The run would cost more than a shared server allows for one visitor."""


@dataclass
class Prepared:
    """A series made ready for training: split, scaled on its training part, windowed.

    values: (n,) in the data's units; x: (n,) float positions (the x coordinate, or 0..n-1 for
    dated series); index: the pandas index for plots. For the next/seq tasks `windows` holds
    `Windows(X (N, window, 1), Y, target_idx)` per part; for the blocks task `x_blocks`,
    `y_blocks` are `(B, block)` in scaled units and `split` counts blocks.
    """

    cfg: LabConfig
    values: np.ndarray
    index: pd.Index
    split: Split
    scaler: MinMaxScaler | StandardScaler
    scaled: np.ndarray  # (n, 1)
    windows: dict[str, Windows] = field(default_factory=dict)
    x_scaler: MinMaxScaler | None = None
    x_blocks: np.ndarray | None = None  # (B, block)
    y_blocks: np.ndarray | None = None  # (B, block)
    units: str = ""  # the data's units, for axis titles

    @property
    def n_in(self) -> int:
        return self.cfg.block if self.cfg.task == "blocks" else 1

    def bounds(self) -> dict[str, tuple]:
        """Index positions (first, last) of each non-empty part, for shading charts."""
        scale = self.cfg.block if self.cfg.task == "blocks" else 1
        return {part: (self.index[sl.start * scale], self.index[sl.stop * scale - 1])
                for part, sl in self.split.slices().items() if sl.stop > sl.start}

    def part(self, name: str) -> Windows | None:
        w = self.windows.get(name)
        return w if w is not None and len(w.X) else None


def _make_scaler(kind: str) -> MinMaxScaler | StandardScaler:
    return MinMaxScaler() if kind == "minmax" else StandardScaler()


def prepare(series: pd.Series, cfg: LabConfig, units: str = "") -> Prepared:
    """Split chronologically, fit the scaler on the training part only, then window each part.

    series: (n,) values indexed by date or x; units: the values' units, for charts.
    """
    values = np.asarray(series.to_numpy(), dtype=np.float64)
    if values.ndim != 1 or len(values) < 4:
        raise ValueError("The series needs at least a few numbers to train on.")
    if not np.all(np.isfinite(values)):
        raise ValueError("The series contains missing or infinite values; clean it first.")
    if values.min() == values.max():
        # nothing to learn, and every error ratio (MASE) would be 0 / 0
        raise ValueError(f"All {len(values)} values of the series are equal ({values[0]:g}): "
                         "there is nothing to learn. Choose a series (or column) that changes.")
    if cfg.task == "blocks":
        return _prepare_blocks(series, values, cfg, units)
    split = split_points(len(values), val_frac=cfg.val_frac, test_frac=cfg.test_frac,
                         window=cfg.window)
    scaler = _make_scaler(cfg.scaler).fit(values[: split.train_end, None])
    scaled = scaler.transform(values[:, None])  # (n, 1); the test part never touched the fit
    windows = windows_for_split(scaled, split, cfg.window, many_to_many=cfg.task == "seq")
    if not len(windows["train"].X):
        raise ValueError(f"With a window of {cfg.window} the training part has no windows: "
                         "use a smaller window or more data.")
    return Prepared(cfg, values, series.index, split, scaler, scaled, windows, units=units)


def _prepare_blocks(series: pd.Series, values: np.ndarray, cfg: LabConfig, units: str) -> Prepared:
    """Seed 001's layout: consecutive x values in blocks as inputs, their y values as targets."""
    if not pd.api.types.is_numeric_dtype(series.index):
        raise ValueError("The x-blocks task needs a numeric x axis: use a synthetic series.")
    n_blocks = len(values) // cfg.block
    split = split_points(n_blocks, val_frac=cfg.val_frac, test_frac=cfg.test_frac,
                         window=cfg.window)
    usable = n_blocks * cfg.block
    x = np.asarray(series.index, dtype=np.float64)[:usable]
    n_train = split.train_end * cfg.block
    scaler = _make_scaler(cfg.scaler).fit(values[:n_train, None])
    x_scaler = MinMaxScaler().fit(x[:n_train, None])
    scaled = scaler.transform(values[:, None])
    y_blocks = scaled[:usable, 0].reshape(n_blocks, cfg.block)  # (B, block)
    x_blocks = x_scaler.transform(x[:, None])[:, 0].reshape(n_blocks, cfg.block)
    return Prepared(cfg, values[:usable], series.index[:usable], split, scaler,
                    scaled[:usable], x_scaler=x_scaler, x_blocks=x_blocks, y_blocks=y_blocks,
                    units=units)


def check_cost(prepared: Prepared) -> float:
    """Raise ComputeCapExceeded, in plain words, when the run is too big for a shared server."""
    cfg = prepared.cfg
    if cfg.task == "blocks":
        n_windows, steps = prepared.split.train_end, cfg.window
    else:
        n_windows, steps = len(prepared.windows["train"].X), cfg.window
    cost = compute_cost(cfg, n_windows=n_windows, steps=steps, n_in=prepared.n_in)
    if cost > MAX_COMPUTE:
        raise ComputeCapExceeded(
            f"This run would need about {cost:.1e} operations, over the cap of "
            f"{MAX_COMPUTE:.0e} per run on this shared server. Use fewer epochs, fewer hidden "
            "units, a shorter window or less data.")
    return cost


class Run:
    """An RNN and its MLP baseline, trained side by side on the same windows.

    `train(epochs, on_epoch)` trains both one epoch at a time (so a UI can redraw or stop
    between epochs); calling it again continues exactly where it stopped.
    """

    def __init__(self, prepared: Prepared):
        cfg = prepared.cfg
        self.cfg = cfg
        self.prepared = prepared
        self.uid = uuid.uuid4().hex  # names this run (and its snapshots) in caches; id() is reused
        n_in = prepared.n_in
        self.rnn = RNN(n_in, cfg.n_hidden, n_in, activation=cfg.activation,
                       n_layers=cfg.n_layers, seed=cfg.seed)
        mlp_in = cfg.block if cfg.task == "blocks" else cfg.window
        self.mlp = MLP(mlp_in, cfg.mlp_hidden, n_in, seed=cfg.seed)
        self.initial_rnn = self.rnn.copy()  # the weights at initialisation, for comparisons
        self.rnn_opt = make_optimizer(cfg.optimizer, cfg.lr)
        self.mlp_opt = make_optimizer(cfg.optimizer, cfg.lr)
        self.rnn_history: History | None = None
        self.mlp_history: History | None = None
        self.stopped = False
        self.diverged: str | None = None

    def snapshot(self) -> "Run":
        """A copy with independent models, optimizers and histories (the prepared data, never
        mutated, is shared): the live loop trains a copy while the session shows the last one."""
        twin = copy.copy(self)
        for name in ("rnn", "mlp", "rnn_opt", "mlp_opt", "rnn_history", "mlp_history"):
            setattr(twin, name, copy.deepcopy(getattr(self, name)))
        return twin

    @property
    def epochs_done(self) -> int:
        return 0 if self.rnn_history is None else len(self.rnn_history)

    def _mlp_data(self, part: str) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
        p = self.prepared
        if self.cfg.task == "blocks":
            lo, hi = p.split.bounds(part)
            if hi <= lo:
                return None, None
            return p.x_blocks[lo:hi, None, :], p.y_blocks[lo:hi]  # (B, 1, block), (B, block)
        w = p.part(part)
        if w is None:
            return None, None
        return w.X, (w.Y[:, -1, :] if w.Y.ndim == 3 else w.Y)  # MLP predicts the next value

    def _rnn_epoch(self) -> None:
        cfg, p = self.cfg, self.prepared
        clip = cfg.clip or None
        if cfg.task == "blocks":
            end = p.split.train_end
            self.rnn_history = fit_tbptt(
                self.rnn, p.x_blocks[:end], p.y_blocks[:end], k1=1, k2=cfg.window, epochs=1,
                optimizer=self.rnn_opt, clip=clip, history=self.rnn_history)
            return
        train, val = p.part("train"), p.part("val")
        self.rnn_history = fit(
            self.rnn, train.X, train.Y, epochs=1, batch_size=cfg.batch_size,
            optimizer=self.rnn_opt, clip=clip, seed=cfg.seed,
            X_val=None if val is None else val.X, Y_val=None if val is None else val.Y,
            bptt_steps=cfg.bptt_steps or None, history=self.rnn_history)

    def _mlp_epoch(self) -> None:
        cfg = self.cfg
        X, Y = self._mlp_data("train")
        Xv, Yv = self._mlp_data("val")
        self.mlp_history = fit(
            self.mlp, X, Y, epochs=1, batch_size=cfg.batch_size, optimizer=self.mlp_opt,
            clip=cfg.clip or None, seed=cfg.seed, X_val=Xv, Y_val=Yv, history=self.mlp_history)

    def train(self, epochs: int, on_epoch: Callable[["Run"], bool | None] | None = None) -> None:
        """Train both models for up to `epochs` more epochs.

        `on_epoch(run)` is called after each epoch; returning False stops (the models keep
        what they learned). Raises `TrainingDiverged` if a loss becomes NaN or infinite.
        """
        for _ in range(epochs):
            self._rnn_epoch()
            self._mlp_epoch()
            if on_epoch is not None and on_epoch(self) is False:
                self.stopped = True
                return
