"""Generic mini-batch trainer for the RNN and the MLP, and truncated BPTT on one long series.

The trainer only loops: the model computes loss and gradients, the optimizer steps, and the
caller watches progress through `on_epoch(epoch, history)` (return False to stop). It also
watches for divergence (see `_Guard`): a run whose loss explodes ends in `TrainingDiverged`,
with the model put back to the end of its last sane epoch.
"""
import copy
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from rnn_core.i18n import _

from .optim import Adam, clip_grad_norm, global_norm
from .rnn import RNN, finite_array, positive_int

# When a loss counts as exploded. The reference is the run's starting loss: the loss of the
# untrained model on all of the training data, measured once before the first update and kept
# in History.start_loss, so a run continued epoch by epoch (`history=` passed back) is judged
# against the same number as one long call. (Not the first mini-batch's loss: in fit_tbptt that
# is the first window along the curve, 10-50x below the whole curve's loss in our runs, against
# which a blocks run that learned well looked like a 50x rise.)
#
# * EPOCH_FACTOR: an epoch's mean training loss above 100x the starting loss. A model that is
#   learning does not go there. Measured over 960 runs of the app's pipeline, 20 epochs each (4
#   synthetic series on two x ranges x next/seq/blocks x min-max/standard x Adam 0.01 and 0.1,
#   SGD 0.1 and 1, momentum 0.1 x clip 1 and none x 2 seeds): of the 1,546 trainings that ended
#   below their starting loss, one peaked at 70x (a spike that recovered: a random walk, blocks
#   task, momentum without clipping), every other one at 10x or less; the worst finite run that
#   did not learn reached 66x. Exploding runs pass 100x at once: SGD with learning rate 10 and
#   clip 1 on the default data averages 2,000x-3,000x in its first epoch.
# * BATCH_FACTOR: one mini-batch can be noisy (a few hard windows, the step right after a
#   spike), so a single batch gets more room: 1e4x. The same runs never passed 1,000x.
# * MAX_LOSS: targets are scaled to about [0, 1] (min-max) or to unit spread (standard), so a
#   mean squared error above 1e6 is nonsense whatever the start (errors of 1000 ranges).
# * MIN_REFERENCE: a model that is already trained (continued from a file) starts near 0, and
#   ordinary noise would look like a 100x explosion; below 0.01 (errors of 10% of the scaled
#   range, what a model that has learned nothing makes) the reference counts as 0.01.
EPOCH_FACTOR = 100.0
BATCH_FACTOR = 1e4
MAX_LOSS = 1e6
MIN_REFERENCE = 1e-2


class TrainingDiverged(ValueError):
    """The loss exploded (or became NaN or infinite) and the run was stopped.

    epoch: the 0-based epoch it happened in; loss: the offending loss (an epoch mean, one
    mini-batch's, or NaN/inf); start_loss: the run's starting loss (None if it could not be
    measured); kept_epochs: the epochs the model and its History keep (the sane ones);
    model: the class name of the model whose loss exploded ("RNN", "GRU", "MLP"…), if known.
    """

    def __init__(self, epoch, loss, start_loss=None, kept_epochs=None, message=None,
                 model=None):
        self.epoch, self.loss = epoch, loss
        self.start_loss = start_loss
        self.kept_epochs = epoch if kept_epochs is None else kept_epochs
        self.model = model
        super().__init__(message or _("Training diverged in epoch {value}: the loss became "
                                      "{loss}.").format(value=epoch + 1, loss=loss))

    def __reduce__(self):  # picklable (sweep workers), although __init__ takes several arguments
        return type(self), (self.epoch, self.loss, self.start_loss, self.kept_epochs, str(self),
                            self.model)


@dataclass(eq=False)
class History:
    """Per-epoch curves. `val_loss` is NaN without validation data; `grad_norm` is the mean
    global gradient norm before clipping; `seconds` the wall time of each epoch; `start_loss`
    the loss before the first update, the reference for divergence."""
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    stopped: bool = False
    start_loss: float | None = None

    def __len__(self):
        return len(self.train_loss)

    def to_dict(self):
        """Plain dict (JSON-able); History(**d) rebuilds it."""
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


def _num(x):
    """3 significant digits in plain notation (0.149, 1,890), scientific beyond a million."""
    if not np.isfinite(x) or x == 0 or not 1e-3 <= abs(x) < 1e6:
        return f"{x:.3g}"
    return f"{x:,.{max(0, 2 - int(np.floor(np.log10(abs(x)))))}f}"


def _times(ratio):
    return f"{ratio:,.0f}×" if ratio < 1e6 else f"{ratio:.1e}×"


class _Guard:
    """Watches one call of fit / fit_tbptt for divergence (the rules above EPOCH_FACTOR).

    At the start of each epoch it copies the parameters and the optimizer's state (cheap: once
    per epoch); when a check fails it puts both back, so the model is the one at the end of the
    last sane epoch, the one the History's last entry describes, and raises TrainingDiverged.
    """

    def __init__(self, model, optimizer, clip, history, measure_start):
        self.model, self.optimizer, self.clip, self.history = model, optimizer, clip, history
        self._measure_start = measure_start
        self.backup = model.params.flat.copy()     # every parameter: one flat buffer
        self.opt_state = None
        self.reference = None

    def start_epoch(self):
        h = self.history
        if h.start_loss is None:
            if len(h):            # a History from before start_loss existed (a model file)
                h.start_loss = float(h.train_loss[0])
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    loss = float(self._measure_start())
                h.start_loss = loss if np.isfinite(loss) else None
        if h.start_loss is not None:
            self.reference = max(h.start_loss, MIN_REFERENCE)
        np.copyto(self.backup, self.model.params.flat)
        self.opt_state = copy.deepcopy(vars(self.optimizer))

    def update(self, epoch, loss, grads):
        """Clip, check this mini-batch, step; returns the gradient norm before clipping."""
        norm = global_norm(grads) if self.clip is None else clip_grad_norm(grads, self.clip)
        if not math.isfinite(loss):
            self.fail(epoch, loss, _("the {name}'s loss became {value}").format(
                name=self.name, value=_("NaN (not a number)") if np.isnan(loss) else _("infinite")))
        if not math.isfinite(norm):
            self.fail(epoch, loss, _("the {name}'s loss was still {loss}, but its gradient "
                                     "overflowed to infinity").format(
                                       name=self.name, loss=_num(loss)))
        if self._too_big(loss, BATCH_FACTOR):
            self.fail(epoch, loss, self._rose(_("loss on one mini-batch"), loss, BATCH_FACTOR))
        self.optimizer.step(self.model.params, grads)
        return norm

    def end_epoch(self, epoch, loss, val_loss=None):
        """Check an epoch's mean training loss, the parameters and the validation loss."""
        if not np.isfinite(loss):
            self.fail(epoch, loss, _("the {name}'s training loss became {loss}").format(
                                       name=self.name, loss=loss))
        if self._too_big(loss, EPOCH_FACTOR):
            self.fail(epoch, loss, self._rose(_("training loss"), loss, EPOCH_FACTOR))
        if not np.isfinite(self.model.params.flat).all():
            self.fail(epoch, loss, _("the {name}'s parameters overflowed to infinity").format(
                                       name=self.name))
        if val_loss is not None and not np.isfinite(val_loss):
            self.fail(epoch, val_loss, _("the {name}'s validation loss became {val_loss}").format(
                                           name=self.name, val_loss=val_loss))

    @property
    def name(self):
        return type(self.model).__name__

    def _too_big(self, loss, factor):
        return loss > MAX_LOSS or (self.reference is not None and loss > factor * self.reference)

    def _rose(self, what, loss, factor):
        start = self.history.start_loss
        if start is None:
            return _("the {name}'s {what} reached {loss}").format(
                       name=self.name, what=what, loss=_num(loss))
        if loss <= factor * self.reference:  # over MAX_LOSS from an already huge start
            return (_("the {name}'s {what} reached {loss}, far beyond any sensible value for "
                      "data scaled to about [0, 1]").format(
                        name=self.name, what=what, loss=_num(loss)))
        return (_("the {name}'s {what} rose from {start} to {loss} ({value} its starting "
                  "value)").format(
                    name=self.name, what=what, start=_num(start), loss=_num(loss),
                    value=_times(loss / start)))

    def fail(self, epoch, loss, what):
        np.copyto(self.model.params.flat, self.backup)
        if self.opt_state is not None:
            state = vars(self.optimizer)
            state.clear()
            state.update(self.opt_state)
        kept = len(self.history)
        if kept:
            back = (_("The {name} is back to its parameters at the end of epoch {kept}, the last "
                      "epoch before the loss exploded.").format(name=self.name, kept=kept))
        else:
            back = (_("The {name} is back to its parameters from before training (the loss "
                      "exploded in its first epoch).").format(name=self.name))
        lr = getattr(self.optimizer, "lr", None)
        tips = [_("a learning rate 10 times lower ({value:g} instead of {lr:g})").format(
                    value=lr / 10, lr=lr)
                if lr is not None else _("a learning rate 10 times lower")]
        tips.append(_("gradient clipping (for example clip = 1.0)") if self.clip is None else
                    _("stronger gradient clipping (a clip below {clip:g})").format(clip=self.clip))
        if not isinstance(self.optimizer, Adam):
            tips.append(_("the Adam optimizer, which adapts the size of every step"))
        advice = _("Try {tips} or {last}.").format(tips=_(", ").join(tips[:-1]), last=tips[-1])
        raise TrainingDiverged(
            epoch, float(loss), self.history.start_loss, kept,
            _("Training diverged in epoch {value}: {what}. {back} {advice}").format(
                value=epoch + 1, what=what, back=back, advice=advice), model=self.name)


# _mean_loss runs the model on chunks of this many time steps (windows x steps per window), or
# of one mini-batch if that is larger: a few MB of work arrays however long the data, and few
# enough calls that measuring the starting loss of a per-sample run (batch 1) stays cheap.
LOSS_CHUNK_STEPS = 4096


def _mean_loss(model, X, Y, batch_size):
    """The model's loss on all of (X, Y), in chunks of at least batch_size windows (see
    LOSS_CHUNK_STEPS), weighted by chunk size."""
    steps = X.shape[1]                  # time steps (RNN) or inputs (MLP) per window
    chunk = max(batch_size, LOSS_CHUNK_STEPS // steps)
    losses, sizes = [], []
    for b in range(0, X.shape[0], chunk):
        losses.append(model.loss(X[b:b + chunk], Y[b:b + chunk]))
        sizes.append(min(chunk, X.shape[0] - b))
    return np.average(losses, weights=sizes)


def _end_epoch(history, epoch, train_loss, norms, val_loss, t0, on_epoch):
    """Append one epoch to the history; returns False if the caller asked to stop."""
    history.train_loss.append(train_loss)
    history.val_loss.append(val_loss)
    history.grad_norm.append(sum(norms) / len(norms))
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

    Raises TrainingDiverged when the loss explodes (an epoch's mean over EPOCH_FACTOR times the
    starting loss, one mini-batch's over BATCH_FACTOR times, any loss over MAX_LOSS, NaN or
    infinity anywhere): the model and optimizer are then back at the end of the last sane
    epoch, and `history` (if passed) holds exactly those epochs.
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
    guard = _Guard(model, optimizer, clip, history,
                   lambda: _mean_loss(model, X, Y, batch_size))
    start = len(history)
    for epoch in range(start, start + epochs):
        t0 = time.perf_counter()
        guard.start_epoch()
        order = np.random.default_rng([seed, epoch]).permutation(N) if shuffle else np.arange(N)
        losses, norms, sizes = [], [], []
        with np.errstate(over="ignore", invalid="ignore"):       # divergence is checked below
            for b in range(0, N, batch_size):
                idx = order[b:b + batch_size]
                loss, grads = model._batch_grads(X, Y, idx, bptt_steps)
                norms.append(guard.update(epoch, loss, grads))
                losses.append(loss)
                sizes.append(len(idx))
        train_loss = float(np.dot(losses, sizes)) / N           # weighted by batch size
        if X_val is None:
            val = np.nan
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                val = model.loss(X_val, Y_val)
        guard.end_epoch(epoch, train_loss, None if X_val is None else val)
        if not _end_epoch(history, epoch, train_loss, norms, val, t0, on_epoch):
            break
    return history


def fit_tbptt(model, x_seq, y_seq, *, k1, k2, epochs, optimizer, clip=None, on_epoch=None,
              history=None):
    """Truncated BPTT(k1, k2) along one long sequence x_seq (T, I) -> y_seq (T, O).

    Every k1 steps: run k2 steps forward from the carried hidden state, score the newest k1
    outputs, backpropagate through all k2 steps, update. The state after the first k1 steps of
    the window is carried to the next window, which starts k1 steps later. The state restarts
    at zero each epoch. Seed 001: k1 = 1 block, k2 = 5 blocks -> 96 updates over 100 blocks.
    Divergence is handled as in `fit`; the starting loss is the loss over the whole series.
    """
    history = _check_common(epochs, optimizer, clip, on_epoch, history)
    if not isinstance(model, RNN):
        raise ValueError("fit_tbptt trains a recurrent model (RNN); use fit for the MLP.")
    x_seq = finite_array("x_seq", x_seq, (2,), model.dtype)
    y_seq = finite_array("y_seq", y_seq, (2,), model.dtype)
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
    guard = _Guard(model, optimizer, clip, history,
                   lambda: model.loss(x_seq[None], y_seq[None]))   # the series from h = 0
    start = len(history)
    for epoch in range(start, start + epochs):
        t0 = time.perf_counter()
        guard.start_epoch()
        h = np.zeros((model.n_layers, 1, model.n_hidden))      # state at the window start
        losses, norms = [], []
        for s in range(0, T - k2 + 1, k1):
            Xw = x_seq[None, s:s + k2]                           # (1, k2, I)
            Yw = y_seq[None, s + k2 - k1:s + k2]                 # (1, k1, O): newest k1 targets
            with np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
                loss, grads, states, _cache = model._loss_and_grads(Xw, Yw, h, reuse=True)
            h = np.stack([Hs[k1 - 1] for Hs in states])          # carried: state at s + k1 - 1
            norms.append(guard.update(epoch, loss, grads))
            losses.append(loss)
        train_loss = float(np.mean(losses))
        guard.end_epoch(epoch, train_loss)
        if not _end_epoch(history, epoch, train_loss, norms, np.nan, t0, on_epoch):
            break
    return history
