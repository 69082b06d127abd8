"""Out of range: held-out values a model never saw the like of in training, said in numbers.

Min-max scaling maps the training part to [0, 1]; a test value outside the training range maps
outside [0, 1] too, where the network has never been trained. tanh units saturate there (the
RNN's output flattens), ReLU units continue linearly (the MLP can overshoot), and persistence,
which only repeats the last value, does not care. A class should see this, not discover it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutOfRange:
    """One held-out part's values against the training range [train_lo, train_hi].

    n: values in the part; n_below / n_above: how many lie under / over the range;
    below / above: the largest distance beyond it (data units, 0 if none).
    """

    part: str
    n: int
    n_below: int
    n_above: int
    below: float
    above: float
    train_lo: float
    train_hi: float

    @property
    def n_outside(self) -> int:
        return self.n_below + self.n_above

    @property
    def reach(self) -> float:
        """The largest distance beyond the training range, as a share of that range's width."""
        width = self.train_hi - self.train_lo
        return max(self.below, self.above) / width if width > 0 else float("inf")


def out_of_range(prepared) -> list[OutOfRange]:
    """The validation and test parts whose values leave the training range (possibly none)."""
    train = prepared.part_values("train")
    lo, hi = float(np.min(train)), float(np.max(train))
    found = []
    for part in ("val", "test"):
        vals = prepared.part_values(part)
        if not len(vals):
            continue
        below, above = vals < lo, vals > hi
        if below.any() or above.any():
            found.append(OutOfRange(
                part, len(vals), int(below.sum()), int(above.sum()),
                float(lo - vals.min()) if below.any() else 0.0,
                float(vals.max() - hi) if above.any() else 0.0, lo, hi))
    return found


PART_NAMES = {"val": "validation", "test": "test"}


def describe(report: OutOfRange, units: str = "") -> str:
    """One plain sentence with the numbers, e.g. '12 of 20 test values lie below …'."""
    u = f" {units}" if units else ""
    sides = []
    if report.n_below:
        sides.append(f"{report.n_below} below its minimum (by up to {report.below:.3g}{u})")
    if report.n_above:
        sides.append(f"{report.n_above} above its maximum (by up to {report.above:.3g}{u})")
    return (f"{report.n_outside} of {report.n} {PART_NAMES[report.part]} values lie outside the "
            f"training range {report.train_lo:.3g} … {report.train_hi:.3g}{u}: "
            f"{' and '.join(sides)} — {100 * report.reach:.0f}% of the range's width beyond it.")


EFFECT = ("The models never trained on such values: the RNN's tanh units saturate, so its "
          "predictions tend to flatten near the edge of what it saw; the MLP's ReLU units go on "
          "in straight lines and can overshoot; persistence only repeats the last value, so it "
          "is not affected. Expect both networks to lose ground to persistence there.")
