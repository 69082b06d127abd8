"""Out of range: held-out values a model never saw the like of in training, said in numbers.

Min-max scaling maps the training part to [0, 1]; a test value outside the training range maps
outside [0, 1] too, where the network has never been trained. tanh units saturate there (the
RNN's output flattens), ReLU units continue linearly (the MLP can overshoot), and persistence,
which only repeats the last value, does not care. A class should see this, not discover it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_core.i18n import N_, _


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


def beyond(part: str, values, train_lo: float, train_hi: float) -> OutOfRange | None:
    """How `values` leave [train_lo, train_hi], or None when they stay inside."""
    vals = np.asarray(values, dtype=np.float64)
    below, above = vals < train_lo, vals > train_hi
    if not len(vals) or not (below.any() or above.any()):
        return None
    return OutOfRange(part, len(vals), int(below.sum()), int(above.sum()),
                      float(train_lo - vals.min()) if below.any() else 0.0,
                      float(vals.max() - train_hi) if above.any() else 0.0, train_lo, train_hi)


def true_future(prepared) -> np.ndarray | None:
    """The known true curve over the points the models extrapolate to (None for real data)."""
    from rnn_core.datasets import true_curve
    from rnn_core.evaluate import future_index

    f = true_curve(prepared.cfg)
    if f is None:
        return None
    n = prepared.cfg.horizon * prepared.task.points_per_step(prepared.cfg)
    return f(np.asarray(future_index(prepared.index, n), dtype=np.float64))


def out_of_range(prepared) -> list[OutOfRange]:
    """The held-out parts (and the true curve past the data, when it is known) that leave the
    training range; an empty list when everything stays inside it."""
    train = prepared.part_values("train")
    lo, hi = float(np.min(train)), float(np.max(train))
    found = [beyond(part, prepared.part_values(part), lo, hi) for part in ("val", "test")]
    future = true_future(prepared)
    if future is not None:
        found.append(beyond("future", future, lo, hi))
    return [r for r in found if r is not None]


PART_NAMES = {"val": N_("validation values"), "test": N_("test values"),
              "future": N_("values of the true curve past the data")}  # shown with _()


def describe(report: OutOfRange, units: str = "") -> str:
    """One plain sentence with the numbers, e.g. '12 of 20 test values lie below …'."""
    u = f" {units}" if units else ""
    sides = []
    if report.n_below:
        sides.append(_("{n} below its minimum (by up to {by:.3g}{units})").format(
            n=report.n_below, by=report.below, units=u))
    if report.n_above:
        sides.append(_("{n} above its maximum (by up to {by:.3g}{units})").format(
            n=report.n_above, by=report.above, units=u))
    return _("{n} of {total} {part} lie outside the training range {lo:.3g} … {hi:.3g}{units}: "
             "{sides} — {reach:.0f}{pct} of the range's width beyond it.").format(
        n=report.n_outside, total=report.n, part=_(PART_NAMES[report.part]), lo=report.train_lo,
        hi=report.train_hi, units=u, sides=_(" and ").join(sides), reach=100 * report.reach,
        pct="%")


def effect(activation: str) -> str:
    """What values outside the training range do to each model, for the RNN's activation."""
    rnn = (_("the RNN's tanh units saturate, so its predictions tend to flatten near the edge "
             "of what it saw") if activation == "tanh" else
           _("the RNN's ReLU units go on in straight lines, so its predictions can overshoot"))
    return _("The models never trained on such values: {rnn}; the MLP's ReLU units go on in "
             "straight lines and can overshoot; persistence only repeats the last value, so it "
             "is not affected. Expect both networks to lose ground to persistence there.").format(
        rnn=rnn)
