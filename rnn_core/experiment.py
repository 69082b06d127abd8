"""The experiment pipeline the dashboard runs, as plain function calls on arrays.

    series -> split -> scaler (fit on train) -> windows -> RNN + MLP -> trainer -> forecasts

`prepare` does the data steps (the configured task decides the windows), `Run` holds the two
models with their optimizers and histories (and trains them epoch by epoch so a UI can redraw
and stop between epochs), and `rnn_core.evaluate` turns a trained run into tables in the data's
own units. A run remembers the data and settings it was trained on (`Run.differences`).
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from typing import Callable

import pandas as pd

from rnn_core.config import FIELDS, MAX_COMPUTE, LabConfig, compute_cost
from rnn_core.mlp import MLP
from rnn_core.optim import make_optimizer
from rnn_core.prepared import Prepared, series_digest
from rnn_core.cells import make_model
from rnn_core.i18n import _
from rnn_core.split import PARTS
from rnn_core.tasks import get_task
from rnn_core.train import History, fit

__all__ = ["PARTS", "Prepared", "Run", "prepare", "check_cost", "ComputeCapExceeded",
           "MODEL_NAMES"]


class ComputeCapExceeded(ValueError):
    """The run would cost more than a shared server allows for one visitor."""


def prepare(series: pd.Series, cfg: LabConfig, units: str = "") -> Prepared:
    """Split chronologically, fit the scaler on the training part only, then let the task make
    its windows. series: (n,) values indexed by date or x; units: the values' units, for charts.
    """
    prepared = get_task(cfg.task).prepare(series, cfg, units)
    prepared.source_digest = series_digest(series)
    return prepared


def check_cost(prepared: Prepared) -> float:
    """Raise ComputeCapExceeded, in plain words, when the run is too big for a shared server."""
    n_windows, steps = prepared.task.cost_shape(prepared)
    cost = compute_cost(prepared.cfg, n_windows=n_windows, steps=steps, n_in=prepared.n_in)
    if cost > MAX_COMPUTE:
        raise ComputeCapExceeded(
            _("This run would need about {cost:.1e} operations, over the cap of "
              "{MAX_COMPUTE:.0e} per run on this shared server. Use fewer epochs, fewer hidden "
              "units, a shorter window or less data.").format(cost=cost, MAX_COMPUTE=MAX_COMPUTE))
    return cost


# Settings that only change how long to train or how far to extrapolate: a trained run still
# describes the data and windows of a config that differs from it only in these.
_HARMLESS = ("epochs", "horizon")

# Each cell's name in tables and legends (the palette's keys): the task code names its column
# "RNN" whatever the cell, and a page shows it under this name.
MODEL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


class Run:
    """An RNN and its MLP baseline, trained side by side on the same windows.

    `train(epochs, on_epoch)` trains both one epoch at a time (so a UI can redraw or stop
    between epochs); calling it again continues exactly where it stopped. The run is bound to
    the data and settings it was made with: `differences(series, cfg)` names what changed.
    """

    def __init__(self, prepared: Prepared, cell: str | None = None):
        # cell: train this cell instead of prepared.cfg.cell (the cell race shares one prepared)
        cfg = prepared.cfg if cell is None else prepared.cfg.replace(cell=cell)
        self.cfg = cfg
        self.prepared = prepared
        self.task = prepared.task
        self.uid = uuid.uuid4().hex  # names this run (and its snapshots) in caches; id() is reused
        n_in = prepared.n_in
        self.rnn = make_model(cfg.cell, n_in, cfg.n_hidden, n_in, activation=cfg.activation,
                              n_layers=cfg.n_layers, seed=cfg.seed)  # the Elman cell, GRU or LSTM
        self.mlp = MLP(self.task.mlp_in(cfg), cfg.mlp_hidden, n_in, seed=cfg.seed)
        self.initial_rnn = self.rnn.copy()  # the weights at initialisation, for comparisons
        self.rnn_opt = make_optimizer(cfg.optimizer, cfg.lr)
        self.mlp_opt = make_optimizer(cfg.optimizer, cfg.lr)
        self.rnn_history: History | None = None
        self.mlp_history: History | None = None
        self.stopped = False
        self.diverged: str | None = None
        self.train_mlp = True  # False: the MLP stays as it is (a race whose MLP diverged)

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

    @property
    def model_name(self) -> str:
        """The recurrent model's name on screen: "RNN" (the Elman cell), "GRU" or "LSTM"."""
        return MODEL_NAMES[self.cfg.cell]

    @property
    def screen_names(self) -> dict[str, str]:
        """The task's column names -> the names a page shows ({"RNN": "GRU"} for a GRU run)."""
        return {"RNN": self.model_name}

    def histories(self) -> dict[str, History | None]:
        """Each model's loss curves by its screen name: {"GRU": …, "MLP": …}."""
        return {self.model_name: self.rnn_history, "MLP": self.mlp_history}

    def loss_labels(self) -> dict[str, str]:
        """What each model's training loss averages, by screen name (legends)."""
        return {self.model_name: self.task.rnn_loss_label, "MLP": self.task.mlp_loss_label}

    def evaluate(self, true_function=None):
        """rnn_core.evaluate.evaluate(self): the task's tables (a Race has the same method)."""
        return self.task.evaluate(self, true_function)

    def live_view(self, true_function=None):
        """rnn_core.evaluate.live_view(self): what the training screen redraws."""
        return self.task.live_view(self, true_function)

    def differences(self, series: pd.Series | None, cfg: LabConfig) -> list[str]:
        """What differs between this run's training and the data/settings given, in words.

        Empty when the run still describes them (only epochs or the extrapolation length
        changed). `series` None means no data is loaded now.
        """
        out = []
        if series is None:
            out.append(_("no data is loaded now"))
        else:
            if series_digest(series) != self.prepared.source_digest:
                out.append(_("the data is different"))
        changed = [_(FIELDS[f.name].label) for f in dataclasses.fields(LabConfig)
                   if f.name not in _HARMLESS and getattr(cfg, f.name) != getattr(self.cfg, f.name)]
        if changed:
            out.append(_("settings changed: {fields}").format(fields=", ".join(changed)))
        return out

    def _mlp_epoch(self) -> None:
        cfg = self.cfg
        X, Y = self.task.mlp_data(self.prepared, "train")
        Xv, Yv = self.task.mlp_data(self.prepared, "val")
        self.mlp_history = fit(
            self.mlp, X, Y, epochs=1, batch_size=cfg.batch_size, optimizer=self.mlp_opt,
            clip=cfg.clip or None, seed=cfg.seed, X_val=Xv, Y_val=Yv, history=self.mlp_history)

    def train(self, epochs: int, on_epoch: Callable[["Run"], bool | None] | None = None) -> None:
        """Train both models for up to `epochs` more epochs.

        `on_epoch(run)` is called after each epoch; returning False stops (the models keep
        what they learned). Raises `TrainingDiverged` when a loss explodes (far above the
        untrained loss, or NaN/inf); the models are then back at their last sane epoch.
        """
        for _epoch in range(epochs):
            self.task.train_rnn_epoch(self)
            if self.train_mlp:
                self._mlp_epoch()
            if on_epoch is not None and on_epoch(self) is False:
                self.stopped = True
                return
