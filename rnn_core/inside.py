"""Inside the RNN: the numbers behind the Inside page, computed on the student's own model.

Every function takes a model (or a prepared data set, or a Run) and arrays, and returns arrays
or small tables; the page only draws them. The recurrence they open up is

    a_t = W_xh x_t + W_hh h_{t-1} + b_h        pre-activation      (H,)
    h_t = act(a_t)                             new hidden state    (H,)
    y_t = W_hy h_t + b_y                       output              (O,)

The checks a student can run (gradient check, scaler leakage, the flat-line diagnosis, RNN
against MLP) live in `inside_checks.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnn_core.cells import CELL_LABELS, cell_of, takes_activation
from rnn_core.evaluate import unit_factor
from rnn_core.experiment import Prepared
from rnn_core.forecast import horizon_errors, teacher_forcing_vs_free_running
from rnn_core.i18n import N_, _
from rnn_core.optim import global_norm
from rnn_core.rnn import RNN, layer_names, rnn_step, spectral_radius
from rnn_core.windows import Windows
from rnn_core.words import counted

# Seed 003's worked step, in its own row-vector layout: a = [h1, h2, x] @ STACKED + b1.
WORKED_EXAMPLE = {
    "h_prev": [0.537, 0.462],
    "x": [2.0],
    "stacked": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],  # rows h1, h2, x
    "b_h": [0.1, -0.1],
    "V": [[1.0], [2.0]],
    "b_y": [0.1],
}


@dataclass(frozen=True)
class StepStages:
    """One step of the recurrence written out, stage by stage.

    x (I,), h_prev (H,); input_part = W_xh x (H,), recurrent_part = W_hh h_prev (H,), b_h (H,);
    a = their sum (H,); h = act(a) (H,); y = W_hy h + b_y (O,), or None for a layer below the
    top (only the top layer has an output). `weights` holds the matrices used, by name.
    """

    x: np.ndarray
    h_prev: np.ndarray
    input_part: np.ndarray
    recurrent_part: np.ndarray
    b_h: np.ndarray
    a: np.ndarray
    h: np.ndarray
    y: np.ndarray | None
    activation: str
    weights: dict


def _vector(name: str, value, size: int | None = None) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64)
    if v.ndim != 1 or (size is not None and v.size != size) or not np.isfinite(v).all():
        want = counted(size, "number") if size is not None else _("a list of numbers")
        raise ValueError(_("{name} must be {want} with no blanks, got {value}.").format(
                             name=name, want=want, value=np.asarray(value).tolist()))
    return v


def params_from_stacked(stacked, b_h, V, b_y, n_in: int) -> dict:
    """Seed 003's row-vector weights -> this app's parameter dict (layer-0 names).

    stacked: (H + I, H), rows h_1..h_H then x_1..x_I, used as a = [h_prev, x] @ stacked + b_h;
    V: (H, O) used as o = h @ V + b_y. Our column form reads W_hh = stacked[:H].T (H, H),
    W_xh = stacked[H:].T (H, I), W_hy = V.T (O, H): the same numbers, transposed.
    """
    S = np.asarray(stacked, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1] + n_in or not np.isfinite(S).all():
        raise ValueError(_("The stacked weights must have {rows} than columns (one row "
                           "per hidden unit, then one per input), all filled; got shape "
                           "{shape}.").format(rows=counted(n_in, 'more row'), shape=S.shape))
    H = S.shape[1]
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] != H or not np.isfinite(V).all():
        raise ValueError(_("V must have one row per hidden unit ({H}), all filled; got shape "
                           "{shape}.").format(H=H, shape=V.shape))
    return {"W_xh": S[H:].T.copy(), "W_hh": S[:H].T.copy(), "b_h": _vector("b1", b_h, H),
            "W_hy": V.T.copy(), "b_y": _vector("b2", b_y, V.shape[1])}


def _stages(params: dict, x, h_prev, activation: str, with_output: bool) -> StepStages:
    """The parts of a_t, and a_t, h_t, y_t, from layer-0-named parameters."""
    out = rnn_step(params, x, h_prev, activation)  # the engine's own step, so the page shows it
    W = {k: params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y") if k in params}
    return StepStages(x=np.asarray(x, dtype=np.float64), h_prev=np.asarray(h_prev, np.float64),
                      input_part=params["W_xh"] @ x,          # W_xh x_t
                      recurrent_part=params["W_hh"] @ h_prev,  # W_hh h_{t-1}
                      b_h=params["b_h"], a=out["a"], h=out["h"],
                      y=out["y"] if with_output else None, activation=activation, weights=W)


def step_by_hand(h_prev, x, stacked, b_h, V, b_y, activation: str = "tanh") -> StepStages:
    """Seed 003's worked step with any numbers: h_prev (H,), x (I,), stacked (H + I, H),
    b_h (H,), V (H, O), b_y (O,). With WORKED_EXAMPLE it gives h = [0.8597, 0.8837],
    y = [2.7270]."""
    h_prev = _vector("h(t-1)", h_prev)
    x = _vector("x(t)", x)
    params = params_from_stacked(stacked, b_h, V, b_y, n_in=x.size)
    if h_prev.size != params["W_hh"].shape[0]:
        raise ValueError(_("h(t-1) must have one number per hidden unit ({value}), got "
                           "{size}.").format(value=params['W_hh'].shape[0], size=h_prev.size))
    return _stages(params, x, h_prev, activation, with_output=True)


def model_step(model: RNN, window, t: int, *, layer: int | None = None) -> StepStages:
    """Step t of one window through `model`, as the trained weights compute it.

    window: (T, I), the inputs of one window, run from h0 = 0; t in 0..T-1; layer: which
    layer to open (default the top one, whose h_t feeds the output). h_prev is the state the
    forward pass reached at t-1 (zeros at t = 0).
    """
    if not takes_activation(cell_of(model)):  # a gated cell's step: cell_views.cell_step
        raise ValueError(_("This is the Elman cell's step (W_xh, W_hh); the model's cell is the "
                           "{value}.").format(value=CELL_LABELS[cell_of(model)]))
    X = np.asarray(window, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(_("The window must be a (T, I) array, got shape {shape}.").format(
                             shape=X.shape))
    T = X.shape[0]
    if not 0 <= t < T:
        raise ValueError(_("The time step must be between 0 and {value}, got {t}.").format(
                             value=T - 1, t=t))
    top = model.n_layers - 1
    layer = top if layer is None else layer
    if not 0 <= layer <= top:
        raise ValueError(_("This model has layers 0..{top}, not {layer}.").format(
                             top=top, layer=layer))
    _out, cache = model.forward(X[None])
    states = [H[0] for H in cache["H"]]  # one (T, H) array per layer
    inputs = X if layer == 0 else states[layer - 1]
    h_prev = states[layer][t - 1] if t > 0 else np.zeros(model.n_hidden)
    names = layer_names(layer)
    params = {"W_xh": model.params[names[0]], "W_hh": model.params[names[1]],
              "b_h": model.params[names[2]], "W_hy": model.params["W_hy"],
              "b_y": model.params["b_y"]}
    return _stages(params, inputs[t], h_prev, model.activation, with_output=layer == top)


def part_windows(prepared: Prepared, part: str = "train", window: int | None = None) -> Windows:
    """Every window of one part of the data, in scaled units, optionally with another length
    (the task decides their shape: see its `part_windows`)."""
    return prepared.task.part_windows(prepared, part, window)


def last_step_targets(Y: np.ndarray) -> np.ndarray:
    """Y (N, O) or (N, T, O) -> (N, O): the target of the last step only."""
    return Y if Y.ndim == 2 else Y[:, -1, :]


def unrolled(model: RNN, window) -> tuple[np.ndarray, np.ndarray]:
    """window (T, I) from h0 = 0 -> (states (T, H) of the top layer, outputs (T, O))."""
    Y, cache = model.forward(np.asarray(window, dtype=np.float64)[None])
    return cache["H"][-1][0], Y[0]


@dataclass(frozen=True)
class GradFlow:
    """How the gradient of the loss travels back through time.

    norms (T,): ||dL/dh_t|| for t = 0..T-1 (norms[-1] is the step next to the loss);
    grad_norm: global norm of the parameter gradient before clipping; clip_factor: what
    clipping multiplies the whole gradient by (1.0 when it is below the threshold);
    clipped (T,) = norms * clip_factor, or None without clipping; spectral_radius of the
    (rescaled) top-layer W_hh, None for a gated cell (it has no W_hh).
    """

    norms: np.ndarray
    grad_norm: float
    clip_factor: float
    clipped: np.ndarray | None
    spectral_radius: float | None


def variant(model: RNN, *, activation: str | None = None, w_hh_scale: float = 1.0) -> RNN:
    """A copy of `model` with another activation and/or every W_hh multiplied by w_hh_scale.

    Both what-ifs are the Elman cell's (its h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)); a GRU or
    an LSTM has no W_hh and no activation to choose, so for them only the plain copy exists."""
    if not (np.isfinite(w_hh_scale) and w_hh_scale > 0):
        raise ValueError(_("The W_hh scale must be a positive number, got "
                           "{w_hh_scale!r}.").format(w_hh_scale=w_hh_scale))
    if not takes_activation(cell_of(model)):
        if (activation not in (None, getattr(model, "activation", None))) or w_hh_scale != 1.0:
            raise ValueError(_("The activation and the W_hh scale are the Elman cell's: the "
                               "{value} has gates instead, so it has neither to change.").format(
                                 value=CELL_LABELS[cell_of(model)]))
        return model.copy()
    config = {k: v for k, v in model.config.items() if k != "kind"}
    config["activation"] = activation or model.activation
    twin = RNN(**config)
    for name, p in model.params.items():
        twin.params[name][...] = p
    for layer in range(twin.n_layers):
        twin.params[layer_names(layer)[1]] *= w_hh_scale  # scales every eigenvalue alike
    return twin


def grad_flow(model: RNN, X, Y, *, activation: str | None = None, w_hh_scale: float = 1.0,
              bptt_steps: int | None = None, clip: float | None = None) -> GradFlow:
    """||dL/dh_t|| at every step of X (N, T, I) for targets Y (N, O) or (N, T, O), on a copy
    of `model` changed as `variant` says. bptt_steps truncates as the trainer does; clip is
    the global-norm threshold (None: no clipping). The model itself is not changed."""
    m = variant(model, activation=activation, w_hh_scale=w_hh_scale)
    norms = m.hidden_grad_norms(X, Y, bptt_steps=bptt_steps)
    _loss, grads = m.loss_and_grads(X, Y, bptt_steps=bptt_steps)
    total = global_norm(grads)
    # Global-norm clipping multiplies every gradient by min(1, clip / ||g||): the signal from
    # every step shrinks by the same factor, so clipping tames explosions but cannot revive a
    # vanished gradient.
    factor = 1.0 if clip is None or total <= clip else clip / total
    radius = None
    if takes_activation(cell_of(m)):  # the Elman cell: the radius of its top layer's W_hh
        radius = spectral_radius(m.params[layer_names(m.n_layers - 1)[1]])
    return GradFlow(norms, float(total), float(factor),
                    None if clip is None else norms * factor, radius)


@dataclass(frozen=True)
class FreeRun:
    """Teacher forcing against free running from one start point, in the data's units.

    steps: DataFrame indexed by the series index of each forecast position, columns actual,
    teacher forcing, free running, teacher error, free error (absolute errors). by_horizon:
    DataFrame indexed by k = 1..n_steps, the RMSE over every start in the part of the free
    run k steps ahead ("free running") and of the one-step prediction ("teacher forcing").
    """

    steps: pd.DataFrame
    by_horizon: pd.DataFrame


def teacher_vs_free(model: RNN, prepared: Prepared, origin: int, n_steps: int,
                    part: str = "test") -> FreeRun:
    """The model's one-step predictions (real inputs) and its recursive forecast (its own
    outputs fed back) for positions origin..origin+n_steps-1 of the series."""
    cfg = prepared.cfg
    if not prepared.task.free_running:
        raise ValueError(_("The task '{label}' reads x coordinates, never its own "
                           "outputs, so it has no free-running mode to compare: use the "
                           "next or seq task.").format(label=prepared.task.label))
    tv = teacher_forcing_vs_free_running(model, prepared.scaled, origin, n_steps, cfg.window)
    inv = prepared.scaler.inverse_transform
    truth = inv(tv.truth)[:, 0]
    teacher = inv(tv.teacher_forced)[:, 0]
    free = inv(tv.free_running)[:, 0]
    # column names: English msgids (N_), translated where drawn
    steps = pd.DataFrame({"actual": truth, N_("teacher forcing"): teacher, N_("free running"): free,
                          "teacher error": np.abs(teacher - truth),
                          "free error": np.abs(free - truth)},
                         index=prepared.index[tv.target_idx])
    lo, hi = prepared.split.bounds(part)
    ks = list(range(1, n_steps + 1))
    factor = unit_factor(prepared)  # RMSE in scaled units -> data units (affine scalers)
    free_rmse = horizon_errors(model, prepared.scaled, lo, hi, cfg.window, ks)
    one_step = free_rmse[1]  # one step ahead, every input is real: teacher forcing
    by_horizon = pd.DataFrame({"free running": [free_rmse[k] * factor for k in ks],
                               "teacher forcing": one_step * factor},
                              index=pd.Index(ks, name="steps ahead"))
    return FreeRun(steps, by_horizon)
