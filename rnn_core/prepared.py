"""A series made ready for training: split, scaled on its training part, windowed by its task.

`Prepared` is what flows from the data steps to the models: the task that made it (an object
from `rnn_core.tasks`) knows how to train on it, forecast from it and score it, so nothing
downstream asks which task it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rnn_core.scaling import MinMaxScaler, StandardScaler
from rnn_core.split import Split
from rnn_core.windows import Windows

if TYPE_CHECKING:  # annotations only: config and tasks import this module
    from rnn_core.config import LabConfig


@dataclass
class Prepared:
    """values: (n,) in the data's units; index: the pandas index for plots; scaled: (n, 1).

    `split` counts the task's steps (points, or blocks for the x-blocks task); `windows` holds
    `Windows(X (N, window, n_in), Y, target_idx)` per part for windowed tasks; `inputs`,
    `targets` hold a task's own arrays (the x-blocks task: (B, block) each, scaled).
    """

    cfg: "LabConfig"
    task: Any  # a rnn_core.tasks Task
    values: np.ndarray
    index: pd.Index
    split: Split
    scaler: MinMaxScaler | StandardScaler
    scaled: np.ndarray  # (n, 1)
    windows: dict[str, Windows] = field(default_factory=dict)
    x_scaler: MinMaxScaler | None = None
    inputs: np.ndarray | None = None  # (B, block) for the x-blocks task
    targets: np.ndarray | None = None  # (B, block)
    units: str = ""  # the data's units, for axis titles
    source_digest: str = ""  # series_digest of the series this was prepared from
    data_name: str = ""  # what the data is called on screen ("GS10: 10-year treasury …")

    @property
    def n_in(self) -> int:
        """Numbers the RNN reads per time step."""
        return self.task.n_in(self.cfg)

    def bounds(self) -> dict[str, tuple]:
        """Index labels (first, last) of each non-empty part, for shading charts."""
        scale = self.task.points_per_step(self.cfg)
        return {part: (self.index[sl.start * scale], self.index[sl.stop * scale - 1])
                for part, sl in self.split.slices().items() if sl.stop > sl.start}

    def part_values(self, part: str) -> np.ndarray:
        """The series' values (data units) inside one part."""
        scale = self.task.points_per_step(self.cfg)
        lo, hi = self.split.bounds(part)
        return self.values[lo * scale:hi * scale]

    def part(self, name: str) -> Windows | None:
        w = self.windows.get(name)
        return w if w is not None and len(w.X) else None


def series_digest(series: pd.Series) -> str:
    """A digest of a series' values and index: equal only for the same data (fast: vectorised)."""
    hashed = pd.util.hash_pandas_object(series, index=True).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]
