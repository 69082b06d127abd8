"""The reveals: each reads one run's numbers (an `Observation`) and returns a `Reveal`.

The answer a reveal gives is computed from this run alone, with the same core functions the
pages use (evaluate, rnn_core.inside, the leakage check): a reveal never states a number the
run did not produce. The thresholds that turn a number into a choice are named constants, so
the questions in catalogue.py and the answers here say the same thing.
"""

from __future__ import annotations

import numpy as np

from rnn_core import inside
from rnn_core.experiment import Run, prepare
from rnn_core.cells import CELL_LABELS
from rnn_core.i18n import N_, _
from rnn_core.inside_checks import leakage_comparison
from rnn_core.lessons.model import Observation, Reveal

# How each gated cell can carry a gradient back unchanged: the gate that does it.
KEEPS_THE_GRADIENT = {
    "gru": N_("Its update gate can pass the state on almost unchanged, h_t ≈ h_(t−1), so the "
              "gradient is not squashed at every step."),
    "lstm": N_("Its forget gate can pass the cell state on almost unchanged, c_t ≈ c_(t−1), so "
               "the gradient along the cell is not squashed at every step."),
}

GRAD_BATCH = 16  # training windows averaged into a gradient-flow curve (as on Inside)
CLEAR_WIN = 0.85  # MAE ÷ persistence MAE below this: the model clearly beats persistence
WILD = 5.0  # MAE ÷ persistence MAE above this: the forecasts are far off
SAME = 0.02  # a relative change within ±2% is "about the same"
GRAD_SOME, GRAD_HALF = 0.03, 0.5  # share of the gradient reaching the first step
CELL_GAIN = 1.5  # a gated cell's share "larger" / "smaller" than the Elman's: by this factor


def _f(x: float, spec: str = ".3g") -> str:
    return format(float(x), spec)


# ----- windows and shapes ------------------------------------------------------------------------
def train_windows(obs: Observation) -> Reveal:
    """How many training windows the RNN reads, and their shape."""
    p = obs.prepared
    X = p.windows["train"].X  # (N, T, I)
    lo, hi = p.split.bounds("train")
    n, T, d = X.shape
    values = {"n_windows": n, "window": T, "n_in": d, "train_points": hi - lo,
              "val_windows": len(p.windows["val"].X), "test_windows": len(p.windows["test"].X)}
    text = _("The training part has {points} points. A window needs {T} values before its "
             "target, so the first target is point {T} and there are {points} − {T} = {n} "
             "training windows: the RNN reads an array X of shape ({n}, {T}, {d}), one value "
             "per step. Validation and test add {val} and {test} windows; their first windows "
             "look back into the part before them, but their targets never leave their part."
             ).format(points=hi - lo, T=T, n=n, d=d, val=values["val_windows"],
                      test=values["test_windows"])
    metrics = ((_("Training windows"), str(n)), (_("X shape"), f"({n}, {T}, {d})"))
    return Reveal(n, values, metrics, text)


def task_shape(obs: Observation) -> Reveal:
    """Which input/output shape the configured task trains, from the arrays it really builds."""
    p = obs.prepared
    w = p.windows["train"]
    shape = p.task.shape
    x_shape, y_shape = tuple(w.X.shape), tuple(w.Y.shape)
    if shape == "many_to_one":
        text = _("Y has shape {y}: one target per window, the value right after it. The RNN "
                 "reads all {T} steps and only its last output is scored — many to one."
                 ).format(y=y_shape, T=x_shape[1])
    else:
        text = _("Y has shape {y}: a target at every one of the {T} steps, each the value "
                 "after its input (targets shifted by one), and the loss averages them all — "
                 "many to many. Validation and test still score only the last step."
                 ).format(y=y_shape, T=x_shape[1])
    values = {"shape": shape, "X": x_shape, "Y": y_shape}
    return Reveal(shape, values, ((_("X shape"), str(x_shape)), (_("Y shape"), str(y_shape))),
                  text)


# ----- one step by hand --------------------------------------------------------------------------
def worked_step(obs: Observation) -> Reveal:
    """Seed 003's worked example through the engine's own step function."""
    s = inside.step_by_hand(**inside.WORKED_EXAMPLE)
    h1, h2, y = float(s.h[0]), float(s.h[1]), float(s.y[0])
    text = _("a₁ = 0.537·0.1 + 0.462·0.3 + 2.0·0.5 + 0.1 = {a1:.4f}, and tanh({a1:.4f}) = "
             "{h1:.4f}. The second unit gives a₂ = {a2:.4f}, h₂ = {h2:.4f}; the output is "
             "o = 1.0·h₁ + 2.0·h₂ + 0.1 = {y:.4f} — the tutorial's 0.8597, 0.8837 and 2.7270."
             ).format(a1=float(s.a[0]), a2=float(s.a[1]), h1=h1, h2=h2, y=y)
    values = {"a": s.a.tolist(), "h1": h1, "h2": h2, "y": y}
    metrics = (("h₁(t)", _f(h1, ".4f")), ("h₂(t)", _f(h2, ".4f")), ("o(t)", _f(y, ".4f")))
    return Reveal(round(h1, 4), values, metrics, text)


def model_step_parts(obs: Observation) -> Reveal:
    """The last step of the first test window in the trained model: input part vs memory."""
    p, run = obs.prepared, obs.run
    w = inside.part_windows(p, "test")
    T = w.X.shape[1]
    s = inside.model_step(run.rnn, w.X[0], T - 1)
    inp, mem = float(np.linalg.norm(s.input_part)), float(np.linalg.norm(s.recurrent_part))
    y = float(p.scaler.inverse_transform(s.y.reshape(1, -1))[0, 0])
    target = float(p.scaler.inverse_transform(
        inside.last_step_targets(w.Y[:1]).reshape(1, -1))[0, 0])
    answer = "memory" if mem > inp else "input"
    text = _("At step {t} the memory part ‖W_hh h_(t−1)‖ = {mem:.3g} and the input part "
             "‖W_xh x_t‖ = {inp:.3g}: the memory is {factor:.3g}× larger. The network "
             "predicts from what it has gathered over the window more than from the newest "
             "value. Its output {y:.4g} against the target {target:.4g}."
             ).format(t=T - 1, mem=mem, inp=inp, factor=mem / inp if inp else float("inf"),
                      y=y, target=target)
    values = {"input_norm": inp, "memory_norm": mem, "y": y, "target": target}
    metrics = (("‖W_xh x_t‖", _f(inp)), ("‖W_hh h_(t−1)‖", _f(mem)),
               (_("Prediction / target"), f"{y:.4g} / {target:.4g}"))
    return Reveal(answer, values, metrics, text)


# ----- training and the learning rate ------------------------------------------------------------
def _losses(obs: Observation) -> tuple[float, float]:
    h = obs.run.rnn_history
    return float(h.start_loss), float(h.train_loss[-1])


def loss_fall(obs: Observation) -> Reveal:
    start, end = _losses(obs)
    factor = start / end
    answer = "lt2" if factor < 2 else "2to10" if factor < 10 else "gt10"
    text = _("The RNN's training loss went from {start:.3g} before the first update to "
             "{end:.3g} after {epochs} epochs: {factor:.3g}× lower. Most of the fall comes in "
             "the first epochs; the end of the curve creeps down towards the noise floor."
             ).format(start=start, end=end, epochs=obs.run.epochs_done, factor=factor)
    metrics = ((_("Loss before training"), _f(start)), (_("Loss at the end"), _f(end)),
               (_("Fell by"), f"{factor:.3g}×"))
    return Reveal(answer, {"start": start, "end": end, "factor": factor}, metrics, text)


def _ratio_metrics(ratio: float, mae: float, naive: float) -> tuple:
    return ((_("RNN test MAE"), _f(mae, ".4g")), (_("Persistence test MAE"), _f(naive, ".4g")),
            (_("MAE ÷ persistence MAE"), _f(ratio)))


def _test_maes(obs: Observation) -> tuple[float, float, float]:
    m = obs.evaluation.metrics
    return obs.evaluation.ratio("RNN"), float(m.loc["RNN", "MAE"]), \
        float(m.loc["Persistence", "MAE"])


def beats_persistence(obs: Observation) -> Reveal:
    ratio, mae, naive = _test_maes(obs)
    answer = "yes" if ratio < 1 else "no"
    if ratio < 1:
        text = _("The RNN's test MAE is {mae:.4g}, persistence's ('next = last') {naive:.4g}: "
                 "a ratio of {ratio:.3g}, below 1, so the RNN beat persistence on points it "
                 "never trained on.").format(mae=mae, naive=naive, ratio=ratio)
    else:
        text = _("The RNN's test MAE is {mae:.4g}, persistence's ('next = last') {naive:.4g}: "
                 "a ratio of {ratio:.3g}, so persistence wins on these points."
                 ).format(mae=mae, naive=naive, ratio=ratio)
    return Reveal(answer, {"ratio": ratio, "mae": mae, "naive": naive},
                  _ratio_metrics(ratio, mae, naive), text)


def lr_regime(obs: Observation) -> Reveal:
    start, end = _losses(obs)
    ratio, mae, naive = _test_maes(obs)
    answer = "good" if ratio < 1 else "wild" if ratio > WILD else "slow"
    lr = obs.cfg.lr
    if answer == "good":
        text = _("At learning rate {lr:g} the loss fell from {start:.3g} to {end:.3g} and the "
                 "RNN beat persistence (MAE ratio {ratio:.3g}).")
    elif answer == "wild":
        text = _("At learning rate {lr:g} each update overshoots: the loss ended at {end:.3g} "
                 "(it started at {start:.3g}) and the test MAE is {ratio:.3g}× persistence's. "
                 "Open the loss curve: it jumps instead of settling.")
    else:
        text = _("At learning rate {lr:g} the weights move too little: after {epochs} epochs "
                 "the loss is {end:.3g} (from {start:.3g}) and the RNN still loses to "
                 "persistence (MAE ratio {ratio:.3g}). It needs many more epochs.")
    text = text.format(lr=lr, start=start, end=end, ratio=ratio, epochs=obs.run.epochs_done)
    if obs.run.diverged:
        text += " " + _("The run stopped early: {why}").format(why=obs.run.diverged)
    values = {"start": start, "end": end, "ratio": ratio, "mae": mae, "naive": naive}
    metrics = ((_("Loss before training"), _f(start)), (_("Loss at the end"), _f(end)),
               (_("MAE ÷ persistence MAE"), _f(ratio)))
    return Reveal(answer, values, metrics, text)


# ----- teacher forcing, free running ------------------------------------------------------------
def free_vs_teacher(obs: Observation) -> Reveal:
    """RMSE of the free-running forecast at the end of the test part against one step ahead."""
    p = obs.prepared
    lo, hi = p.split.bounds("test")
    fr = obs.memo("free_run", lambda: inside.teacher_vs_free(obs.run.rnn, p, lo, hi - lo))
    k = int(fr.by_horizon.index[-1])
    free = float(fr.by_horizon["free running"].iloc[-1])
    teacher = float(fr.by_horizon["teacher forcing"].iloc[-1])
    factor = free / teacher
    answer = "same" if factor < 1.5 else "up3" if factor <= 3 else "gt3"
    text = _("One step ahead, with real inputs (teacher forcing), the RMSE over the test part "
             "is {teacher:.3g}. Fed its own predictions, {k} steps ahead it is {free:.3g}: "
             "{factor:.3g}× larger. Each prediction's error becomes part of the next input, "
             "so errors compound with distance.").format(teacher=teacher, k=k, free=free,
                                                         factor=factor)
    metrics = ((_("One step (teacher forcing)"), _f(teacher)),
               (_("{k} steps, free running").format(k=k), _f(free)), (_("Ratio"), _f(factor)))
    return Reveal(answer, {"teacher": teacher, "free": free, "k": k, "factor": factor},
                  metrics, text)


def error_grows(obs: Observation) -> Reveal:
    """Seed 001's extrapolation: error of the last quarter of the blocks against the first."""
    err = obs.evaluation.horizon["RNN"].to_numpy()
    quarter = max(len(err) // 4, 1)
    first, last = float(np.mean(err[:quarter])), float(np.mean(err[-quarter:]))
    answer = "yes" if last > 2.0 * first else "no"
    text = _("Over the first {q} extrapolated blocks the RMSE is {first:.3g}; over the last "
             "{q} it is {last:.3g}, {factor:.3g}× larger. From x = 6 on the RNN reads x "
             "values it never saw and carries a state that drifts further from the truth at "
             "every block.").format(q=quarter, first=first, last=last, factor=last / first)
    metrics = ((_("First quarter RMSE"), _f(first)), (_("Last quarter RMSE"), _f(last)))
    values = {"first": first, "last": last, "factor": last / first, "errors": err.tolist()}
    return Reveal(answer, values, metrics, text)


# ----- persistence -----------------------------------------------------------------------------
def clear_win(obs: Observation) -> Reveal:
    ratio, mae, naive = _test_maes(obs)
    answer = "clear" if ratio < CLEAR_WIN else "no"
    text = _("MAE ÷ persistence MAE = {ratio:.3g}. A random walk's next step is a fresh coin "
             "toss: the best forecast is the last value, so no model can beat persistence by "
             "much — when the RNN's ratio dips below 1 it is luck on these test points, and "
             "in seeds 0–9 it never beat persistence by more than 15%.").format(ratio=ratio)
    return Reveal(answer, {"ratio": ratio, "mae": mae, "naive": naive},
                  _ratio_metrics(ratio, mae, naive), text)


# ----- leakage ---------------------------------------------------------------------------------
def leakage(obs: Observation) -> Reveal:
    """Test MAE with the scaler fitted on the training part against fitted on all the data."""
    cfg = obs.cfg
    leak = obs.memo("leakage", lambda: leakage_comparison(obs.series, cfg, epochs=cfg.epochs))
    honest, leaky = float(leak.honest.loc["RNN", "MAE"]), float(leak.leaky.loc["RNN", "MAE"])
    change = leaky / honest - 1.0
    answer = "lower" if change < -SAME else "higher" if change > SAME else "same"
    test = obs.prepared.values[slice(*obs.prepared.split.bounds("test"))][:, None]
    top_honest = float(leak.honest_scaler.transform(test).max())
    top_leaky = float(leak.leaky_scaler.transform(test).max())
    text = _("Scaler fitted on the training part: test MAE {honest:.4g}. Fitted on all the "
             "data: {leaky:.4g} ({change:+.1%}). The highest test value is {top_h:.3g} in the "
             "honest scaling and {top_l:.3g} in the leaky one.").format(
        honest=honest, leaky=leaky, change=change, top_h=top_honest, top_l=top_leaky)
    if top_leaky < top_honest - 0.01:
        text += " " + _("The leaky scaler has already seen how high the test part goes.")
    if answer == "same":
        text += " " + _("Here the test part lies inside the training range, so the two "
                        "scalings are almost the same and so are the numbers: the mistake "
                        "is invisible on this data — and harmful on data that leaves its "
                        "range.")
    elif answer == "lower":
        text += " " + _("A better-looking number, earned by peeking at the future: a real "
                        "forecast cannot know next year's range.")
    values = {"honest": honest, "leaky": leaky, "change": change, "top_honest": top_honest,
              "top_leaky": top_leaky}
    metrics = ((_("Test MAE, honest scaler"), _f(honest, ".4g")),
               (_("Test MAE, leaky scaler"), _f(leaky, ".4g")),
               (_("Change"), f"{change:+.1%}"))
    return Reveal(answer, values, metrics, text)


# ----- vanishing gradients -----------------------------------------------------------------------
def grad_windows(obs: Observation, window: int):
    """The first GRAD_BATCH training windows of length `window`: (X, Y last step)."""
    w = inside.part_windows(obs.prepared, "train", window)
    return w.X[:GRAD_BATCH], inside.last_step_targets(w.Y[:GRAD_BATCH])


def grad_reach(window: int):
    """A reveal: the share of ||dL/dh|| at the last step that reaches the first of `window`."""
    def reveal(obs: Observation) -> Reveal:
        flow = obs.memo(f"grad_{window}", lambda: inside.grad_flow(
            obs.run.rnn, *grad_windows(obs, window)))
        share = float(flow.norms[0] / flow.norms[-1])
        answer = "half" if share > GRAD_HALF else "some" if share >= GRAD_SOME else "tiny"
        text = _("Over {T} steps back the gradient norm fell from {last:.3g} to {first:.3g}: "
                 "{share:.2%} of it reaches the first step. Each step back multiplies it by "
                 "W_hh and tanh's slope (spectral radius of W_hh: {rho:.3g}); about "
                 "{per:.3g}× per step, compounded {n} times.").format(
            T=window, last=float(flow.norms[-1]), first=float(flow.norms[0]), share=share,
            rho=flow.spectral_radius, per=share ** (1.0 / max(window - 1, 1)), n=window - 1)
        values = {"share": share, "norms": flow.norms.tolist(), "rho": flow.spectral_radius}
        metrics = ((_("Reaches the first step"), f"{share:.2%}"),
                   (_("Spectral radius of W_hh"), _f(flow.spectral_radius)))
        return Reveal(answer, values, metrics, text)
    return reveal


def _share(model, obs: Observation, window: int) -> float:
    """||dL/dh_0|| ÷ ||dL/dh_(T-1)|| of `model` on the first training windows of `window`."""
    norms = model.hidden_grad_norms(*grad_windows(obs, window))
    return float(norms[0] / norms[-1])


def cell_vs_elman(window: int):
    """A reveal: the share reaching the first of `window` steps in this run's (gated) cell
    against an Elman RNN trained with the same data, settings and seed."""
    def reveal(obs: Observation) -> Reveal:
        cfg = obs.cfg

        def elman():
            twin = Run(prepare(obs.series, cfg.replace(cell="rnn"), obs.units))
            twin.train(cfg.epochs)
            return twin
        twin = obs.memo("elman", elman)
        gated, plain = _share(obs.run.rnn, obs, window), _share(twin.rnn, obs, window)
        factor = gated / plain
        answer = ("larger" if factor > CELL_GAIN else "smaller" if factor < 1 / CELL_GAIN
                  else "same")
        text = _("Back through {T} steps, {share_g:.2%} of the gradient reaches the first "
                 "step in this {cell}, and {share_e:.2%} in the Elman RNN trained with the same "
                 "data, settings and seed: {factor:.3g}×.").format(
            T=window, share_g=gated, share_e=plain, factor=factor,
            cell=_(CELL_LABELS[cfg.cell]))
        if answer == "larger":
            text += " " + _(KEEPS_THE_GRADIENT[cfg.cell])
        elif answer == "smaller":
            text += " " + _("Gates can keep a gradient alive, but only where training sets "
                            "them so: in this run it fades faster than in the Elman RNN. Which "
                            "cell remembers further depends on the data and the training — "
                            "measure it, never assume it.")
        values = {"share": gated, "elman_share": plain, "factor": factor}
        metrics = ((_("Reaches the first step"), f"{gated:.2%}"),
                   (_("Elman RNN, same seed"), f"{plain:.2%}"), (_("Ratio"), f"{factor:.3g}×"))
        return Reveal(answer, values, metrics, text)
    return reveal
