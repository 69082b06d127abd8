"""Windowed tasks: the series cut into windows of `window` past values, each predicting ahead.

    next (many-to-one):   X = values[t-T : t]  ->  Y = values[t]             loss: last output
    seq  (many-to-many):  X = values[t-T : t]  ->  Y = values[t-T+1 : t+1]   loss: every output

A window belongs to the part its *last* target lies in. For validation and test only that last
target is scored — for both tasks and both models — because a sequence window's earlier targets
lie before its last one, often inside the training part: scoring them would "validate" on
training data (seed 004's bug). So every held-out number is the next-value error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_core.evaluate import (Evaluation, LiveView, future_index, metrics_frame, to_units,
                                unit_factor)
from rnn_core.forecast import horizon_errors, recursive_forecast
from rnn_core.i18n import N_, _
from rnn_core.metrics import rmse
from rnn_core.prepared import Prepared
from rnn_core.split import PARTS, split_points
from rnn_core.tasks.base import Task, checked_values, make_scaler
from rnn_core.train import fit
from rnn_core.windows import Windows, make_windows, windows_for_split
from rnn_core.words import counted

HORIZONS = (1, 2, 4, 8, 16, 32)


def last_step(Y: np.ndarray) -> np.ndarray:
    """Targets (N, D) or (N, T, D) -> the next value of each window, (N, D)."""
    return Y[:, -1, :] if Y.ndim == 3 else Y


class NextValue(Task):
    key = "next"
    label = N_("Next value (many-to-one)")
    controls = ("window",)
    training_controls = ("bptt_steps",)
    shape = "many_to_one"
    many_to_many = False
    rnn_loss_label = N_("training loss (next value)")
    mlp_loss_label = N_("training loss (next value)")
    one_step_text = N_("Every window fed to the models is real data (*teacher forcing*). "
                       "Persistence simply repeats the last value.")

    def reading(self, cfg) -> str:
        return (_("The RNN reads each window of {values} one step at a time; the MLP sees the "
                  "whole window at once. Both learn from the same windows with the same "
                  "optimizer.").format(values=counted(cfg.window, 'value')))

    # ----- data ------------------------------------------------------------------------------
    def prepare(self, series: pd.Series, cfg, units: str = "") -> Prepared:
        """Split chronologically, fit the scaler on the training part only, window each part."""
        values = checked_values(series)
        split = split_points(len(values), val_frac=cfg.val_frac, test_frac=cfg.test_frac,
                             window=cfg.window)
        scaler = make_scaler(cfg.scaler).fit(values[: split.train_end, None])
        scaled = scaler.transform(values[:, None])  # (n, 1); the test part never touched the fit
        windows = windows_for_split(scaled, split, cfg.window, many_to_many=self.many_to_many)
        if not len(windows["train"].X):
            raise ValueError(_("With a window of {window} the training part has no windows: "
                               "use a smaller window or more data.").format(window=cfg.window))
        return Prepared(cfg, self, values, series.index, split, scaler, scaled, windows,
                        units=units)

    def mlp_in(self, cfg) -> int:
        return cfg.window

    def check_window(self, n_points: int, cfg, window: int) -> None:
        split_points(n_points, val_frac=cfg.val_frac, test_frac=cfg.test_frac, window=window)

    def n_train_windows(self, prepared) -> int:
        return len(prepared.windows["train"].X)

    # ----- training --------------------------------------------------------------------------
    def train_rnn_epoch(self, run) -> None:
        cfg, p = run.cfg, run.prepared
        train, val = p.part("train"), p.part("val")
        run.rnn_history = fit(
            run.rnn, train.X, train.Y, epochs=1, batch_size=cfg.batch_size,
            optimizer=run.rnn_opt, clip=cfg.clip or None, seed=cfg.seed,
            X_val=None if val is None else val.X,
            Y_val=None if val is None else last_step(val.Y),  # held out: only targets in val
            bptt_steps=cfg.bptt_steps or None, history=run.rnn_history)

    def mlp_data(self, prepared, part: str):
        w = prepared.part(part)
        if w is None:
            return None, None
        return w.X, last_step(w.Y)  # the MLP predicts the next value

    # ----- evaluation ------------------------------------------------------------------------
    def _one_step(self, run, parts=PARTS) -> pd.DataFrame:
        """One row per target of the given parts: actual, RNN, MLP, Persistence, part."""
        p = run.prepared
        frames = []
        for part in parts:
            w = p.part(part)
            if w is None:
                continue
            idx = w.target_idx
            frames.append(pd.DataFrame({
                "actual": p.values[idx],
                "RNN": to_units(p, run.rnn.predict(w.X))[:, 0],  # teacher forcing: real inputs
                "MLP": to_units(p, run.mlp.predict(w.X))[:, 0],
                "Persistence": p.values[idx - 1],  # tomorrow = today
                "part": part,
            }, index=p.index[idx]))
        return pd.concat(frames)

    def _extrapolation(self, run, true_function=None) -> pd.DataFrame:
        """Each model fed its own outputs for `horizon` steps past the last real window."""
        p, cfg = run.prepared, run.cfg
        context = p.scaled[-cfg.window:]  # (window, 1): the last real window
        fut = future_index(p.index, cfg.horizon)
        extrapolation = pd.DataFrame({
            "RNN": to_units(p, recursive_forecast(run.rnn, context, cfg.horizon))[:, 0],
            "MLP": to_units(p, recursive_forecast(run.mlp, context, cfg.horizon))[:, 0],
        }, index=fut)
        if true_function is not None:
            extrapolation["true"] = true_function(np.asarray(fut, dtype=np.float64))
        return extrapolation

    def live_view(self, run, true_function=None) -> LiveView:
        held_out = [part for part in ("val", "test") if run.prepared.part(part) is not None]
        return LiveView(self._one_step(run, held_out or ["train"]),
                        self._extrapolation(run, true_function))

    def evaluate(self, run, true_function=None) -> Evaluation:
        p, cfg = run.prepared, run.cfg
        predictions = self._one_step(run)
        test = predictions[predictions["part"] == "test"]
        metrics = metrics_frame(test["actual"].to_numpy(),
                                {m: test[m].to_numpy() for m in ("RNN", "MLP")},
                                y_naive=test["Persistence"].to_numpy(),
                                y_train=p.part_values("train"))
        val = predictions[predictions["part"] == "val"]
        val_rmse = ({m: rmse(val["actual"].to_numpy(), val[m].to_numpy())
                     for m in ("RNN", "MLP", "Persistence")} if len(val) else {})
        extrapolation = self._extrapolation(run, true_function)

        start, n = p.split.val_end, len(p.values)
        steps = n - start
        origin = p.scaled[start - cfg.window:start]
        free_run = pd.DataFrame({
            "actual": p.values[start:],
            "RNN": to_units(p, recursive_forecast(run.rnn, origin, steps))[:, 0],
            "MLP": to_units(p, recursive_forecast(run.mlp, origin, steps))[:, 0],
        }, index=p.index[start:])

        horizons = [k for k in HORIZONS if k <= steps]
        factor = unit_factor(p)
        rows = {}
        for name, model in (("RNN", run.rnn), ("MLP", run.mlp)):
            errs = horizon_errors(model, p.scaled, start, n, cfg.window, horizons)
            rows[name] = {k: errs[k] * factor for k in horizons}
        # Persistence k steps ahead repeats the value k steps back.
        rows["Persistence"] = {k: rmse(p.values[start:], p.values[start - k:n - k])
                               for k in horizons}
        horizon = pd.DataFrame(rows).rename_axis(N_("steps ahead"))
        scope = _("the test part ({points}, one step ahead)").format(
                    points=counted(len(test), 'point'))
        return Evaluation(predictions, metrics, scope, val_rmse, extrapolation, free_run,
                          horizon)

    # ----- Inside views ----------------------------------------------------------------------
    def part_windows(self, prepared, part: str = "train", window: int | None = None) -> Windows:
        """X (N, T, 1), Y (N, 1) or (N, T, 1) of one part, in scaled units."""
        T = prepared.cfg.window if window is None else int(window)
        if T < 1:
            raise ValueError(f"The window must be at least 1 step, got {T}.")
        lo, hi = prepared.split.bounds(part)
        return make_windows(prepared.scaled, T, start=lo, stop=hi,
                            many_to_many=self.many_to_many)

    def part_predictions(self, run, part: str):
        w = self.part_windows(run.prepared, part)
        X = w.X[-256:]  # the latest windows are plenty to measure a spread
        return run.rnn.predict(X), last_step(w.Y)[-256:], run.rnn.hidden_states(X)

    def with_scaler(self, prepared, scaler, x_scaler=None) -> Prepared:
        import dataclasses

        scaled = scaler.transform(prepared.values[:, None])  # (n, 1)
        windows = windows_for_split(scaled, prepared.split, prepared.cfg.window,
                                    many_to_many=self.many_to_many)
        return dataclasses.replace(prepared, scaler=scaler, scaled=scaled, windows=windows)

    def mlp_reads(self, cfg) -> tuple[str, str]:
        return (_("the whole window at once, as one vector of {numbers}; no memory").format(
                    numbers=counted(cfg.window, 'number')),
                _("yes: one input weight per window position"))


class Sequence(NextValue):
    key = "seq"
    label = N_("Sequence (many-to-many)")
    shape = "many_to_many"
    many_to_many = True
    rnn_loss_label = N_("training loss (every step of the window)")
