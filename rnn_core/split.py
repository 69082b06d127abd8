"""Chronological train / validation / test split of a time series.

A time series must not be shuffled before splitting: the model would then be tested on days that
sit between the days it trained on, which says nothing about forecasting the future. So the
series is cut in time order:

    train = [0, train_end)      validation = [train_end, val_end)      test = [val_end, n)

A validation or test window may *look back* into the earlier parts for its inputs (those values
are already known when the forecast is made); only its targets must lie inside the part.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from rnn_core.i18n import _
from rnn_core.words import counted

PARTS = ("train", "val", "test")


@dataclass(frozen=True)
class Split:
    """Cut points of a chronological split of `n` values (0 < train_end <= val_end <= n)."""

    train_end: int
    val_end: int
    n: int

    def __post_init__(self):
        if not 0 < self.train_end <= self.val_end <= self.n:
            raise ValueError(
                f"A split needs 0 < train_end <= val_end <= n, got train_end={self.train_end}, "
                f"val_end={self.val_end}, n={self.n}")

    @property
    def train(self) -> slice:
        return slice(0, self.train_end)

    @property
    def val(self) -> slice:
        return slice(self.train_end, self.val_end)

    @property
    def test(self) -> slice:
        return slice(self.val_end, self.n)

    @property
    def n_train(self) -> int:
        return self.train_end

    @property
    def n_val(self) -> int:
        return self.val_end - self.train_end

    @property
    def n_test(self) -> int:
        return self.n - self.val_end

    def bounds(self, part: str) -> tuple[int, int]:
        """(start, stop) of a part: "train", "val" or "test"."""
        if part not in PARTS:
            raise ValueError(f"Unknown part {part!r}: use one of {', '.join(PARTS)}")
        sl = getattr(self, part)
        return sl.start, sl.stop

    def slices(self) -> dict[str, slice]:
        """{"train": slice, "val": slice, "test": slice}, in time order."""
        return {part: getattr(self, part) for part in PARTS}


def _whole(value, name: str) -> int:
    try:
        return operator.index(value)  # accepts int and NumPy integers, refuses 2.5
    except TypeError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def _share(n: int, frac: float) -> int:
    """round(n * frac) with halves rounded up (Python's round() would round 2.5 to 2)."""
    return int(math.floor(n * frac + 0.5))


def split_points(n: int, *, val_frac: float = 0.1, test_frac: float = 0.2, min_part: int = 1,
                 window: int = 0) -> Split:
    """Cut `n` values into train / validation / test parts, in time order.

    val_frac, test_frac: shares of the series for the last two parts (val_frac may be 0; then
    the validation part is empty). min_part: the fewest targets (windows) each non-empty part
    must offer. window: the look-back length the parts will be windowed with; the training part
    then needs `window + min_part` points, because its first target comes after `window`
    inputs. Raises ValueError, in plain words, when a part would be too small.
    """
    n, min_part, window = (_whole(v, name) for v, name in
                           ((n, "The number of points"), (min_part, "min_part"),
                            (window, "window")))
    for name, frac in ((_("validation share"), val_frac), (_("test share"), test_frac)):
        if not (isinstance(frac, (int, float)) and math.isfinite(frac) and 0 <= frac < 1):
            raise ValueError(_("The {name} must be a number in [0, 1), got {frac!r}").format(
                                 name=name, frac=frac))
    if val_frac + test_frac >= 1:
        raise ValueError(_("Validation and test shares ({val_frac} + {test_frac}) leave nothing "
                           "for training: keep their sum below 1").format(
                             val_frac=val_frac, test_frac=test_frac))
    if min_part < 1 or window < 0:
        raise ValueError("min_part must be at least 1 and window at least 0")
    n_val, n_test = _share(n, val_frac), _share(n, test_frac)
    train_end = n - n_val - n_test
    val_end = n - n_test
    fix = _("use a smaller window or more data") if window else _("use more data")

    if val_frac > 0 and n_val < min_part:
        raise ValueError(_("Only {points}: a validation share of {val_frac:g} gives {points2} "
                           "(at least {min_part} needed); raise the share, set it to 0, or "
                           "{fix}").format(
                             points=counted(n, 'point'), val_frac=val_frac,
                             points2=counted(n_val, 'validation point'), min_part=min_part,
                             fix=fix))
    if test_frac > 0 and n_test < min_part:
        raise ValueError(_("Only {points}: a test share of {test_frac:g} gives {points2} (at "
                           "least {min_part} needed); raise the share or {fix}").format(
                             points=counted(n, 'point'), test_frac=test_frac,
                             points2=counted(n_test, 'test point'), min_part=min_part, fix=fix))
    # Training targets are positions window .. train_end-1, so there are train_end - window.
    n_train_windows = train_end - window
    if n_train_windows < min_part:
        with_window = _("with window {window} ").format(window=window) if window else ""
        raise ValueError(
            _("Only {points}: {with_window}the training part ({points2}) has {windows} (at least "
              "{min_part} needed); {fix}").format(
                points=counted(n, 'point'), with_window=with_window,
                points2=counted(max(train_end, 0), 'point'),
                windows=counted(max(n_train_windows, 0), 'window'), min_part=min_part, fix=fix))
    return Split(train_end, val_end, n)
