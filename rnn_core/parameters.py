"""What every model shares: named parameter arrays that are views into one flat buffer.

    flat = [ ...every parameter's numbers, one block after another... ]     (P,)
    params["W_hh"]  ->  a view of part of `flat`, shaped (H, H)

Reading or writing `params[name]` in place changes `flat`, and the other way round. The
gradients come in the same layout, so an optimizer step, global-norm clipping and the
trainer's backup of the parameters are a few NumPy calls on one long array instead of a loop
over names (at the tutorial sizes each NumPy call costs about as much as the arithmetic).
Each model decides how its parameters sit in the buffer (`_shapes`); the RNN stores, per
layer, the block that its forward product reads (see rnn.py, "Speed notes").
"""
import math

import numpy as np


class FlatParams(dict):
    """dict name -> array, every array a view into the 1-D buffer `self.flat`.

    Optimizers and clipping use `flat` when parameters and gradients both have one (they then
    share one layout: both made by the same model); any plain dict of arrays works too.
    """

    def __init__(self, flat, views):
        super().__init__(views)
        self.flat = flat


def carve(flat, shapes):
    """Consecutive blocks of the 1-D array `flat` with the given shapes (C order), as views."""
    blocks, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        blocks.append(flat[start:start + size].reshape(shape))
        start += size
    if start != flat.size:
        raise ValueError(f"The blocks hold {start} numbers but the buffer has {flat.size}.")
    return blocks


def check_dtype(dtype):
    """np.float64 or np.float32 from a name or dtype; ValueError for anything else."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.float64, np.float32):
        raise ValueError(f"dtype must be 'float64' (the default) or 'float32', got {dtype!r}.")
    return dt


class ParameterDict:
    """Mixin for models whose learned state is `self._params`, a FlatParams laid out by
    `self._shapes()` (name -> shape, in buffer order), and whose architecture is `self.config`
    (a dict with "kind" plus the constructor's arguments). `self.dtype` is the dtype of every
    parameter."""

    def _n_flat(self):
        """How many numbers the flat buffer holds."""
        return sum(math.prod(s) for s in self._shapes().values())

    def _views(self, flat):
        """The named parameters as consecutive C-ordered views of `flat`."""
        shapes = self._shapes()
        return FlatParams(flat, dict(zip(shapes, carve(flat, shapes.values()))))

    @property
    def params(self):
        """dict name -> array; the live views (optimizers update them in place). `.flat` is
        the one buffer they all view."""
        return self._params

    @property
    def n_params(self):
        return self._params.flat.size

    def _new_params(self, fill=np.empty):
        """A FlatParams in this model's layout over a new buffer (np.empty or np.zeros)."""
        return self._views(fill(self._n_flat(), dtype=self.dtype))

    def copy(self):
        """An independent model with the same architecture and a copy of the parameters."""
        twin = type(self)(**{k: v for k, v in self.config.items() if k != "kind"})
        np.copyto(twin._params.flat, self._params.flat)
        return twin

    # Pickling and copy.deepcopy would turn every view into an array of its own; keep the
    # buffer and rebuild the views from it instead. Work buffers are not part of the state.
    def __getstate__(self):
        state = {k: v for k, v in vars(self).items() if k not in ("_params", "_work")}
        state["_flat"] = self._params.flat
        return state

    def __setstate__(self, state):
        state = dict(state)
        flat = state.pop("_flat")
        vars(self).update(state)
        self._params = self._views(flat)
        self._work = {}
