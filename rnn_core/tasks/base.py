"""What every task offers, and the steps all tasks share (checking and scaling a series)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import pandas as pd

from rnn_core.i18n import N_, _
from rnn_core.scaling import MinMaxScaler, StandardScaler


def make_scaler(kind: str) -> MinMaxScaler | StandardScaler:
    return MinMaxScaler() if kind == "minmax" else StandardScaler()


def checked_values(series: pd.Series) -> np.ndarray:
    """series (n,) -> float64 values, or a plain-words ValueError when it cannot be trained on."""
    values = np.asarray(series.to_numpy(), dtype=np.float64)
    if values.ndim != 1 or len(values) < 4:
        raise ValueError(_("The series needs at least a few numbers to train on."))
    if not np.all(np.isfinite(values)):
        raise ValueError(_("The series contains missing or infinite values; clean it first."))
    if values.min() == values.max():
        # nothing to learn, and every error ratio would be 0 / 0
        raise ValueError(_("All {count} values of the series are equal ({value:g}): there is "
                           "nothing to learn. Choose a series (or column) that changes.").format(
                             count=len(values), value=values[0]))
    # squared errors of numbers past 1e150 overflow to inf, of numbers under 1e-150 read 0
    from rnn_core.sources.validate import value_range_problem

    problem = value_range_problem(values)
    if problem:
        raise ValueError(problem)
    return values


class Task(ABC):
    """The interface; see `windowed.py` and `blocks.py` for the two implementations.

    Attributes a page reads: `key`, `label` (for the task menu), `controls` and
    `training_controls` (the problem and training settings this task uses beyond the common
    ones), `shape` ("many_to_one" | "many_to_many", for Inside),
    `free_running` (does the model ever read its own outputs?), `held_out` (are validation
    and test parts kept out of training?), `rnn_loss_label` / `mlp_loss_label` (what each
    training loss averages).
    """

    key: str = ""
    label: str = ""
    controls: tuple[str, ...] = ()
    training_controls: tuple[str, ...] = ()
    shape: str = "many_to_one"
    free_running: bool = True
    held_out: bool = True
    rnn_loss_label: str = N_("training loss")  # English msgids (N_), shown with _()
    mlp_loss_label: str = N_("training loss")
    unit_name: str = "windows"  # what one training example is called ("12 training windows")
    one_step_text: str = ""  # how the one-step predictions are made, in one sentence

    @abstractmethod
    def reading(self, cfg) -> str:
        """How the RNN and the MLP read the data and learn, in one or two sentences."""

    # ----- data ------------------------------------------------------------------------------
    @abstractmethod
    def prepare(self, series, cfg, units=""):
        """series -> Prepared: split, scaler fitted on the training part, the task's windows."""

    def n_in(self, cfg) -> int:
        """Numbers the RNN reads per time step (its outputs per step are the same count)."""
        return 1

    @abstractmethod
    def mlp_in(self, cfg) -> int:
        """Inputs of the MLP baseline."""

    def points_per_step(self, cfg) -> int:
        """Series points per split unit (1, or a block's size)."""
        return 1

    @abstractmethod
    def check_window(self, n_points: int, cfg, window: int) -> None:
        """Raise ValueError, in plain words, if `window` does not fit a series of n_points."""

    @abstractmethod
    def n_train_windows(self, prepared) -> int:
        """How many training examples (windows, or blocks) one epoch goes through."""

    def cost_shape(self, prepared) -> tuple[int, int]:
        """(training sequences per epoch, steps each) for the compute cap."""
        return self.n_train_windows(prepared), prepared.cfg.window

    # ----- training --------------------------------------------------------------------------
    @abstractmethod
    def train_rnn_epoch(self, run) -> None:
        """Train `run.rnn` for one epoch with `run.rnn_opt`, extending `run.rnn_history`."""

    @abstractmethod
    def mlp_data(self, prepared, part: str):
        """(X, Y) the MLP trains or is scored on in one part, or (None, None) when empty."""

    # ----- evaluation ------------------------------------------------------------------------
    @abstractmethod
    def evaluate(self, run, true_function=None):
        """An `rnn_core.evaluate.Evaluation` of the run, in the data's units."""

    @abstractmethod
    def live_view(self, run, true_function=None):
        """An `rnn_core.evaluate.LiveView`: the few predictions the training screen redraws."""

    @abstractmethod
    def part_windows(self, prepared, part: str = "train", window: int | None = None):
        """Every window of one part, scaled (Inside views), optionally with another length."""

    @abstractmethod
    def part_predictions(self, run, part: str):
        """(predictions, targets, hidden states) of one part in scaled units (Inside)."""

    @abstractmethod
    def with_scaler(self, prepared, scaler, x_scaler=None):
        """The same split and windows, scaled by another (already fitted) scaler (Inside)."""

    @abstractmethod
    def mlp_reads(self, cfg) -> tuple[str, str]:
        """(what the MLP reads, whether its size grows with the window), in words."""
