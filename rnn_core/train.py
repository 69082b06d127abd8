"""Generic mini-batch trainer for the RNN and the MLP, and truncated BPTT on one long series.

The trainer only loops: the model computes loss and gradients, the optimizer steps, and the
caller watches progress through `on_epoch(epoch, history)` (return False to stop).
"""
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .optim import clip_grad_norm, global_norm
from .rnn import RNN, finite_array, positive_int


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite; `.epoch` is the 0-based epoch it happened in."""

    def __init__(self, epoch, loss):
        self.epoch = epoch
        super().__init__(
            f"Training diverged in epoch {epoch + 1}: the loss became {loss}. The model was "
            "put back to its last parameters with a finite loss. Try a learning rate 10 times "
            "lower, or turn on gradient clipping (for example clip = 1.0).")


@dataclass(eq=False)
class History:
    """Per-epoch curves. `val_loss` is NaN without validation data; `grad_norm` is the mean
    global gradient norm before clipping; `seconds` the wall time of each epoch."""
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    stopped: bool = False

    def __len__(self):
        return len(self.train_loss)

    def to_dict(self):
        """Plain dict of lists (JSON-able); History(**d) rebuilds it."""
        return asdict(self)


def _check_common(epochs, optimizer, clip, on_epoch, history):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a whole number of 0 or more, got {epochs!r}.")
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError("optimizer must be an optimizer object such as Adam(0.01) "
                         "(see make_optimizer).")
    if clip is not None and not (np.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be a positive number such as 1.0, or None; got {clip!r}.")
    if on_epoch is not None and not callable(on_epoch):
        raise ValueError("on_epoch must be a function on_epoch(epoch, history), or None.")
    return History() if history is None else history


def _update(model, grads, optimizer, clip, backup, epoch, loss):
    """Clip, remember the current parameters, step. Raises TrainingDiverged on NaN/inf."""
    norm = global_norm(grads) if clip is None else clip_grad_norm(grads, clip)
    if not (np.isfinite(loss) and np.isfinite(norm)):
        for name, p in model.params.items():   # back to the last parameters with a finite loss
            p[...] = backup[name]
        raise TrainingDiverged(epoch, loss if not np.isfinite(loss) else "finite, but its "
                               "gradient overflowed")
    for name, p in model.params.items():
        np.copyto(backup[name], p)
    optimizer.step(model.params, grads)
    return norm


def _end_epoch(history, epoch, losses, norms, weights, val_loss, t0, on_epoch):
    """Append one epoch to the history; returns False if the caller asked to stop."""
    history.train_loss.append(float(np.average(losses, weights=weights)))
    history.val_loss.append(val_loss)
    history.grad_norm.append(float(np.mean(norms)))
    history.seconds.append(time.perf_counter() - t0)
    if on_epoch is not None and on_epoch(epoch, history) is False:
        history.stopped = True
        return False
    return True


def fit(model, X, Y, *, epochs, batch_size, optimizer, clip=None, shuffle=True, seed=0,
        X_val=None, Y_val=None, on_epoch=None, bptt_steps=None, history=None):
    """Train `model` on windows X (N, T, I) -> Y (N, O) or (N, T, O) with mini-batches.

    The shuffle of epoch e uses np.random.default_rng([seed, e]), so passing `history` and the
    same optimizer back in continues the run exactly. Each epoch's train loss is the mean of its
    mini-batch losses (weighted by batch size), measured while the parameters move.
    """
    history = _check_common(epochs, optimizer, clip, on_epoch, history)
    X, Y = model._check_data(X, Y)
    batch_size = positive_int("batch_size", batch_size)
    if bptt_steps is not None:
        if not isinstance(model, RNN):
            raise ValueError("bptt_steps applies to recurrent models only; leave it empty for "
                             "the MLP.")
        bptt_steps = positive_int("bptt_steps", bptt_steps)
    if (X_val is None) != (Y_val is None):
        raise ValueError("Give both X_val and Y_val for validation, or neither.")
    if X_val is not None:
        model._check_data(X_val, Y_val)
    N = X.shape[0]
    backup = {name: p.copy() for name, p in model.params.items()}
    start = len(history)
    for epoch in range(start, start + epochs):
        t0 = time.perf_counter()
        order = np.random.default_rng([seed, epoch]).permutation(N) if shuffle else np.arange(N)
        losses, norms, sizes = [], [], []
        for b in range(0, N, batch_size):
            idx = order[b:b + batch_size]
            with np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
                loss, grads = model._grads(X[idx], Y[idx], bptt_steps)
            norms.append(_update(model, grads, optimizer, clip, backup, epoch, loss))
            losses.append(loss)
            sizes.append(len(idx))
        val = np.nan if X_val is None else model.loss(X_val, Y_val)
        if not _end_epoch(history, epoch, losses, norms, sizes, val, t0, on_epoch):
            break
    return history


def fit_tbptt(model, x_seq, y_seq, *, k1, k2, epochs, optimizer, clip=None, on_epoch=None,
              history=None):
    """Truncated BPTT(k1, k2) along one long sequence x_seq (T, I) -> y_seq (T, O).

    Every k1 steps: run k2 steps forward from the carried hidden state, score the newest k1
    outputs, backpropagate through all k2 steps, update. The state after the first k1 steps of
    the window is carried to the next window, which starts k1 steps later. The state restarts
    at zero each epoch. Seed 001: k1 = 1 block, k2 = 5 blocks -> 96 updates over 100 blocks.
    """
    history = _check_common(epochs, optimizer, clip, on_epoch, history)
    if not isinstance(model, RNN):
        raise ValueError("fit_tbptt trains a recurrent model (RNN); use fit for the MLP.")
    x_seq = finite_array("x_seq", x_seq, (2,))
    y_seq = finite_array("y_seq", y_seq, (2,))
    k1, k2 = positive_int("k1", k1), positive_int("k2", k2)
    T = x_seq.shape[0]
    if x_seq.shape[1] != model.n_in or y_seq.shape != (T, model.n_out):
        raise ValueError(f"x_seq must be (T, {model.n_in}) and y_seq (T, {model.n_out}) with the "
                         f"same T; got {x_seq.shape} and {y_seq.shape}.")
    if k1 > k2:
        raise ValueError(f"k1 ({k1}) must not exceed k2 ({k2}): each update backpropagates "
                         "at least through the steps it scores.")
    if k2 > T:
        raise ValueError(f"k2 = {k2} steps is longer than the series ({T} steps); use a "
                         "shorter k2 or a longer series.")
    backup = {name: p.copy() for name, p in model.params.items()}
    start = len(history)
    for epoch in range(start, start + epochs):
        t0 = time.perf_counter()
        h = np.zeros((model.n_layers, 1, model.n_hidden))      # state at the window start
        losses, norms = [], []
        for s in range(0, T - k2 + 1, k1):
            Xw = x_seq[None, s:s + k2]                           # (1, k2, I)
            Yw = y_seq[None, s + k2 - k1:s + k2]                 # (1, k1, O): newest k1 targets
            with np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
                loss, grads, states, _ = model._loss_and_grads(Xw, Yw, h)
            h = np.stack([Hs[k1 - 1] for Hs in states])          # carried: state at s + k1 - 1
            norms.append(_update(model, grads, optimizer, clip, backup, epoch, loss))
            losses.append(loss)
        if not _end_epoch(history, epoch, losses, norms, None, np.nan, t0, on_epoch):
            break
    return history
