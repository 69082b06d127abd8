"""Checks a student can run on their own model: is the gradient right, what does fitting the
scaler on all the data change, why is the prediction a flat line, and how RNN and MLP differ.

Each returns numbers and plain words; the Inside page draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnn_core.evaluate import evaluate
from rnn_core.experiment import Prepared, Run, prepare
from rnn_core.gradcheck import rel_error
from rnn_core.i18n import N_, _
from rnn_core.inside import last_step_targets, part_windows
from rnn_core.scaling import MinMaxScaler
from rnn_core.words import counted

GRADCHECK_OK = 1e-5  # a correct backward agrees with centred differences far below this
FLAT_RATIO = 0.1  # predictions varying less than a tenth as much as the targets: a flat line
SATURATED = 0.95  # |h| beyond this sits where tanh is nearly flat (tanh' = 1 - h^2 < 0.1)


# ----- gradient check --------------------------------------------------------------------------
def verify_gradients(model, X, Y, *, max_entries: int = 30, eps: float = 1e-6,
                     seed: int = 0) -> pd.DataFrame:
    """Backprop against centred finite differences, parameter by parameter.

    X (N, T, I), Y (N, O) or (N, T, O). At most `max_entries` entries of each parameter are
    checked (drawn with `seed`; all of them when there are fewer), each costing two forward
    passes. Works on a copy, so the model is never left perturbed. Returns one row per
    parameter: shape, entries checked, largest relative error (gradcheck.rel_error).
    """
    if max_entries < 1:
        raise ValueError(f"max_entries must be at least 1, got {max_entries}.")
    m = model.copy()
    _loss, analytic = m.loss_and_grads(X, Y)
    rng = np.random.default_rng(seed)
    rows = {}
    for name, p in m.params.items():
        flat = p.reshape(-1)  # a view: writing flat[i] perturbs the parameter
        picks = (np.arange(p.size) if p.size <= max_entries
                 else np.sort(rng.choice(p.size, max_entries, replace=False)))
        numeric = np.empty(len(picks))
        for j, i in enumerate(picks):
            old = flat[i]
            flat[i] = old + eps
            up = m.loss(X, Y)
            flat[i] = old - eps
            down = m.loss(X, Y)
            flat[i] = old
            numeric[j] = (up - down) / (2.0 * eps)  # dL/dp ~ (L(p+eps) - L(p-eps)) / 2 eps
        err = rel_error(analytic[name].reshape(-1)[picks], numeric)
        rows[name] = {N_("shape"): "×".join(map(str, p.shape)), N_("entries checked"): len(picks),
                      N_("of"): p.size, N_("largest relative error"): err}  # headings: N_
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(N_("parameter"))


# ----- leakage ---------------------------------------------------------------------------------
def leaky_prepare(series: pd.Series, cfg, units: str = "") -> Prepared:
    """Like `prepare`, but with the tutorials' mistake: the scaler is fitted on ALL the data,
    so the training part already knows the range of the test part (the x scaler too, where the
    task has one). Same split and windows otherwise."""
    honest = prepare(series, cfg, units)
    scaler = type(honest.scaler)().fit(honest.values[:, None])  # every point, test included
    x_scaler = None
    if honest.x_scaler is not None:
        x_scaler = MinMaxScaler().fit(np.asarray(honest.index, dtype=np.float64)[:, None])
    return honest.task.with_scaler(honest, scaler, x_scaler)


@dataclass(frozen=True)
class Leakage:
    """Test metrics (rows RNN, MLP, Persistence; data units) of two runs that differ only in
    where the scaler was fitted; `epochs` each, same seed, same initial weights."""

    honest: pd.DataFrame
    leaky: pd.DataFrame
    honest_scaler: object
    leaky_scaler: object
    epochs: int


def leakage_comparison(series: pd.Series, cfg, *, epochs: int = 10, units: str = "") -> Leakage:
    """Train the same configuration twice for `epochs` epochs: scaler fitted on the training
    part (honest) and on all the data (leaky). Returns both test-metric tables."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    cfg = cfg.replace(epochs=epochs)
    tables, scalers = [], []
    for prepared in (prepare(series, cfg, units), leaky_prepare(series, cfg, units)):
        run = Run(prepared)  # same cfg.seed: the same initial weights and shuffles
        run.train(epochs)
        tables.append(evaluate(run).metrics)
        scalers.append(prepared.scaler)
    return Leakage(tables[0], tables[1], scalers[0], scalers[1], epochs)


# ----- the flat line ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Diagnosis:
    """Is the RNN's prediction a flat line, and what in the model points to why.

    pred_std, target_std: spread of the one-step predictions and of the targets on `part`
    (scaled units); ratio = pred_std / target_std; flat = ratio < FLAT_RATIO. saturated:
    share of hidden values with |h| > SATURATED (tanh) or None; dead: share of ReLU units that
    are 0 on every step of every window, or None; grad_ratio: ||dL/dh_0|| / ||dL/dh_{T-1}||,
    what survives the trip back through a training window; last_grad_norm: the last epoch's
    mean gradient norm (None before training). advice: plain sentences, most relevant first.
    """

    flat: bool
    part: str
    pred_std: float
    target_std: float
    ratio: float
    saturated: float | None
    dead: float | None
    grad_ratio: float
    last_grad_norm: float | None
    lr: float
    optimizer: str
    epochs: int
    summary: str
    advice: tuple


def _predictions(run: Run, part: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predictions, targets, hidden states (.., H)) of one part, scaled units."""
    return run.task.part_predictions(run, part)


def diagnose_flat(run: Run, part: str | None = None) -> Diagnosis:
    """Measure whether the RNN's predictions on `part` (default: test, else the last
    non-empty part) are nearly constant, and collect the evidence with advice."""
    p, cfg = run.prepared, run.cfg
    if part is None:
        part = next(n for n in ("test", "val", "train")
                    if p.split.bounds(n)[1] > p.split.bounds(n)[0])
    pred, target, states = _predictions(run, part)
    pred_std, target_std = float(np.std(pred)), float(np.std(target))
    ratio = pred_std / target_std if target_std > 0 else float("nan")
    flat = bool(target_std > 0 and ratio < FLAT_RATIO)
    # the Elman cell's activation; a gated cell's h is bounded by tanh too (its gates are fixed)
    tanh = getattr(run.rnn, "activation", "tanh") == "tanh"
    saturated = float(np.mean(np.abs(states) > SATURATED)) if tanh else None
    units = states.reshape(-1, states.shape[-1])  # (samples, H)
    dead = None if tanh else float(np.mean(np.all(units <= 0.0, axis=0)))
    train = part_windows(p, "train")
    norms = run.rnn.hidden_grad_norms(train.X[:32], last_step_targets(train.Y[:32]))
    grad_ratio = float(norms[0] / norms[-1]) if norms[-1] > 0 else float("nan")
    h = run.rnn_history
    last_grad = float(h.grad_norm[-1]) if h is not None and len(h) else None
    advice = _advice(flat, run.epochs_done, saturated, dead, grad_ratio, cfg)
    if target_std == 0:
        summary = _("The targets in the {part} part are constant, so any model predicts a "
                    "line.").format(part=part)
    elif flat:
        summary = (_("Flat line: the predictions spread only {ratio:.1%} as much as the targets "
                     "in the {part} part ({pred_std:.3g} against {target_std:.3g}).").format(
                       ratio=ratio, part=part, pred_std=pred_std, target_std=target_std))
    else:
        summary = (_("Not a flat line: the predictions vary {ratio:.2f}× as much as the targets "
                     "in the {part} part.").format(ratio=ratio, part=part))
    return Diagnosis(flat, part, pred_std, target_std, ratio, saturated, dead, grad_ratio,
                     last_grad, cfg.lr, cfg.optimizer, run.epochs_done, summary, tuple(advice))


def _advice(flat, epochs, saturated, dead, grad_ratio, cfg) -> list[str]:
    tips = []
    if epochs == 0:
        tips.append(_("The model has not been trained: its weights are random, so its outputs "
                      "mean nothing yet. Train it first."))
    if saturated is not None and saturated > 0.5:
        tips.append(_("{saturated:.0%} of the hidden values are beyond ±{SATURATED}, where "
                      "tanh is almost flat and lets almost no gradient through. Try a learning "
                      "rate 10× smaller, or gradient clipping at 1.0.").format(
                        saturated=saturated, SATURATED=SATURATED))
    if dead is not None and dead > 0.5:
        tips.append(_("{dead:.0%} of the ReLU units output 0 for every input: they get no "
                      "gradient and never recover. Try tanh, or a smaller learning rate.").format(
                        dead=dead))
    if grad_ratio == 0.0:
        tips.append(_("No gradient at all reaches the first step of a window: the early steps "
                      "cannot learn. Look for saturated or dead units, or try a shorter window."))
    elif np.isfinite(grad_ratio) and grad_ratio < 1e-4:
        tips.append(_("The gradient shrinks about {value:.0e}× on its way back through a "
                      "window, so the early steps barely learn. Try a shorter window or "
                      "truncated BPTT.").format(value=1 / grad_ratio))
    if cfg.lr >= 0.05:
        tips.append(_("The learning rate {lr:g} is large: try {value:g}.").format(
                        lr=cfg.lr, value=cfg.lr / 10))
    elif cfg.lr <= 1e-4 or (cfg.optimizer == "sgd" and cfg.lr < 1e-2):
        tips.append(_("The learning rate {lr:g} is small for {optimizer}: the weights hardly "
                      "move. Train longer or try a 10× larger rate.").format(
                        lr=cfg.lr, optimizer=cfg.optimizer))
    if 0 < epochs < 10:
        tips.append(_("Only {epochs} so far: train longer.").format(
                        epochs=counted(epochs, 'epoch')))
    if flat and not tips:
        tips.append(_("Nothing in the weights stands out: try more epochs, more hidden units, or "
                      "check that the series is not nearly constant in this part."))
    return tips


# ----- RNN against MLP -------------------------------------------------------------------------
# The table's headings (English, translated where shown): parameters and the two errors.
HEADINGS = (N_("parameters"), N_("test RMSE"), N_("test MAE"), N_("extrapolation RMSE"),
            N_("extrapolation MAE"))

def rnn_vs_mlp(run: Run, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """The two models side by side: parameters, what each reads of a window, how its size
    depends on the window, and (given evaluate's `metrics`) their test RMSE and MAE."""
    T, cfg = run.cfg.window, run.cfg
    step_in = run.prepared.n_in
    mlp_reads, mlp_grows = run.task.mlp_reads(cfg)
    rows = {
        "RNN": {"parameters": run.rnn.n_params,
                "weights": ", ".join(f"{k} {'×'.join(map(str, v.shape))}"
                                     for k, v in run.rnn.params.items()),
                "reads": _("one step at a time ({numbers} per step, {steps}), carrying a "
                           "memory h of {numbers2}").format(
                             numbers=counted(step_in, 'number'), steps=counted(T, 'step'),
                             numbers2=counted(cfg.n_hidden, 'number')),
                "grows with the window": _("no: the same weights at every step")},
        "MLP": {"parameters": run.mlp.n_params,
                "weights": ", ".join(f"{k} {'×'.join(map(str, v.shape))}"
                                     for k, v in run.mlp.params.items()),
                "reads": mlp_reads,
                "grows with the window": mlp_grows},
    }
    if metrics is not None and len(metrics):
        scored = "test" if run.task.held_out else "extrapolation"
        for name in rows:
            rows[name][f"{scored} RMSE"] = float(metrics.loc[name, "RMSE"])
            rows[name][f"{scored} MAE"] = float(metrics.loc[name, "MAE"])
    return pd.DataFrame.from_dict(rows, orient="index")
