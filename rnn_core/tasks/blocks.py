"""Seed 001's task: blocks of x in, blocks of y out, the hidden state carried along the curve.

The series y(x) is cut into B consecutive blocks of `block` points. Time step b reads the block's
x values and predicts its y values; the hidden state runs along the whole curve, so the network
learns a function of x *and* of where it is. Training is truncated BPTT(k1 = 1 block,
k2 = `window` blocks) over all B blocks — the tutorial trains on the whole curve — and the lesson
is the extrapolation: from the last state, x values past the data go in, and the forecast is
compared with the true curve. It drifts, and the error grows with the distance.

There is no held-out part and no persistence baseline: persistence would read the true previous
y, which this network never sees, so "beating" it would mean nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rnn_core.evaluate import Evaluation, LiveView, future_index, metrics_frame, to_units
from rnn_core.forecast import stateful_rollout
from rnn_core.i18n import N_, _
from rnn_core.metrics import rmse
from rnn_core.prepared import Prepared
from rnn_core.scaling import MinMaxScaler
from rnn_core.split import Split
from rnn_core.tasks.base import Task, checked_values, make_scaler
from rnn_core.train import fit_tbptt
from rnn_core.windows import Windows
from rnn_core.words import counted



class XBlocks(Task):
    key = "blocks"
    label = N_("x-blocks → y (seed 001)")
    controls = ("block", "window")
    shape = "many_to_many"
    free_running = False
    held_out = False
    unit_name = "blocks"
    rnn_loss_label = N_("training loss (newest block of each update)")
    mlp_loss_label = N_("training loss (y block from its x block)")
    one_step_text = N_("The RNN runs along the whole curve from a zero state, reading the real x "
                       "values block by block; the MLP maps each x block to its y block.")

    def reading(self, cfg) -> str:
        return (_("The RNN reads one block of {values} per step and carries its state along the "
                  "whole curve, backpropagating through the last {blocks} after each block; the "
                  "MLP maps each x block to its y block, with no memory. Same optimizer.").format(
                    values=counted(cfg.block, 'x value'), blocks=counted(cfg.window, 'block')))

    # ----- data ------------------------------------------------------------------------------
    def prepare(self, series: pd.Series, cfg, units: str = "") -> Prepared:
        values = checked_values(series)
        if not pd.api.types.is_numeric_dtype(series.index):
            raise ValueError(_("The x-blocks task needs a numeric x axis: use a synthetic "
                               "series."))
        n_blocks = len(values) // cfg.block
        self.check_window(len(values), cfg, cfg.window)
        usable = n_blocks * cfg.block
        values = values[:usable]
        x = np.asarray(series.index, dtype=np.float64)[:usable]
        scaler = make_scaler(cfg.scaler).fit(values[:, None])  # every block is training data
        x_scaler = MinMaxScaler().fit(x[:, None])
        split = Split(n_blocks, n_blocks, n_blocks)  # all training: the test is the extrapolation
        return self._arrays(Prepared(cfg, self, values, series.index[:usable], split, scaler,
                                     scaler.transform(values[:, None]), x_scaler=x_scaler,
                                     units=units))

    def _arrays(self, p: Prepared) -> Prepared:
        """Fill inputs (B, block) = scaled x blocks, targets (B, block) = scaled y blocks."""
        b = p.cfg.block
        x = np.asarray(p.index, dtype=np.float64)[:, None]
        p.inputs = p.x_scaler.transform(x)[:, 0].reshape(-1, b)
        p.targets = p.scaled[:, 0].reshape(-1, b)
        return p

    def n_in(self, cfg) -> int:
        return cfg.block

    def mlp_in(self, cfg) -> int:
        return cfg.block

    def points_per_step(self, cfg) -> int:
        return cfg.block

    def check_window(self, n_points: int, cfg, window: int) -> None:
        n_blocks = n_points // cfg.block
        if n_blocks < max(window, 2):
            raise ValueError(_("{points} make {blocks} of {block}; backpropagating through "
                               "{blocks2} needs at least {window}: use a smaller window or "
                               "block, or more points.").format(
                                 points=counted(n_points, 'point'),
                                 blocks=counted(n_blocks, 'block'), block=cfg.block,
                                 blocks2=counted(window, 'block'), window=max(window, 2)))

    def n_train_windows(self, prepared) -> int:
        return len(prepared.inputs)

    def cost_shape(self, prepared) -> tuple[int, int]:
        cfg = prepared.cfg
        return len(prepared.inputs) - cfg.window + 1, cfg.window  # one update per block

    # ----- training --------------------------------------------------------------------------
    def train_rnn_epoch(self, run) -> None:
        p, cfg = run.prepared, run.cfg
        run.rnn_history = fit_tbptt(
            run.rnn, p.inputs, p.targets, k1=1, k2=cfg.window, epochs=1,
            optimizer=run.rnn_opt, clip=cfg.clip or None, history=run.rnn_history)

    def mlp_data(self, prepared, part: str):
        lo, hi = prepared.split.bounds(part)
        if hi <= lo:
            return None, None
        return prepared.inputs[lo:hi, None, :], prepared.targets[lo:hi]  # (B, 1, block), (B, block)

    # ----- evaluation ------------------------------------------------------------------------
    def _along_and_beyond(self, run, true_function=None):
        """(fit along the whole curve from a zero state, extrapolation from its last state)."""
        p, cfg = run.prepared, run.cfg
        outputs, h_last = stateful_rollout(run.rnn, p.inputs, None)  # (B, block)
        predictions = pd.DataFrame({
            "actual": p.values, "RNN": to_units(p, outputs).ravel(),
            "MLP": to_units(p, run.mlp.predict(p.inputs[:, None, :])).ravel(), "part": "train",
        }, index=p.index)
        fut = future_index(p.index, cfg.horizon * cfg.block)
        x_future = p.x_scaler.transform(np.asarray(fut, dtype=np.float64)[:, None])[:, 0]
        x_future = x_future.reshape(cfg.horizon, cfg.block)
        rnn_future, _h = stateful_rollout(run.rnn, x_future, h_last)
        extrapolation = pd.DataFrame({
            "RNN": to_units(p, rnn_future).ravel(),
            "MLP": to_units(p, run.mlp.predict(x_future[:, None, :])).ravel(),
        }, index=fut)
        if true_function is not None:
            extrapolation["true"] = true_function(np.asarray(fut, dtype=np.float64))
        return predictions, extrapolation

    def live_view(self, run, true_function=None) -> LiveView:
        return LiveView(*self._along_and_beyond(run, true_function))

    def evaluate(self, run, true_function=None) -> Evaluation:
        """Run the RNN along the whole curve from a zero state (real x inputs), then go on from
        its last state with the x blocks past the end of the data."""
        cfg = run.cfg
        predictions, extrapolation = self._along_and_beyond(run, true_function)
        fut = extrapolation.index
        if true_function is None:
            empty = pd.DataFrame(index=pd.Index([], name="model"))
            return Evaluation(predictions, empty, "", {}, extrapolation, None, None,
                              notes=[_("This series has no known true curve past its end, so the "
                                       "extrapolation cannot be scored.")])
        truth = extrapolation["true"].to_numpy()
        models = {m: extrapolation[m].to_numpy() for m in ("RNN", "MLP")}
        # no MASE: its scale, the one-step change of y between neighbouring points (0.01
        # apart in x), says nothing about a forecast 120 points long
        metrics = metrics_frame(truth, models)
        horizon = block_errors(truth, models, cfg.block)
        x0, x1 = float(fut[0]), float(fut[-1])
        scope = (_("the extrapolation past the data (x {x0:.3g} … {x1:.3g}, {points}) against "
                   "the true curve").format(x0=x0, x1=x1, points=counted(len(fut), 'point')))
        return Evaluation(predictions, metrics, scope, {}, extrapolation, None, horizon)

    # ----- Inside views ----------------------------------------------------------------------
    def part_windows(self, prepared, part: str = "train", window: int | None = None) -> Windows:
        """T consecutive blocks of x as inputs X (N, T, block), their y blocks Y (N, T, block);
        target_idx is the series position of each window's last target point."""
        T = prepared.cfg.window if window is None else int(window)
        if T < 1:
            raise ValueError(f"The window must be at least 1 step, got {T}.")
        lo, hi = prepared.split.bounds(part)  # counted in blocks
        ends = np.arange(max(lo, T - 1), hi)  # index of each window's last block
        if len(ends) == 0:
            raise ValueError(_("The {part} part has no run of {blocks}: use a smaller "
                               "window.").format(part=part, blocks=counted(T, 'block')))
        idx = ends[:, None] - np.arange(T - 1, -1, -1)  # (N, T) block indices, oldest first
        return Windows(prepared.inputs[idx], prepared.targets[idx],
                       (ends + 1) * prepared.cfg.block - 1)

    def part_predictions(self, run, part: str):
        p = run.prepared
        Y, cache = run.rnn.forward(p.inputs[None])  # the whole curve, state carried
        lo, hi = p.split.bounds(part)
        return Y[0, lo:hi], p.targets[lo:hi], cache["H"][-1][0, lo:hi]

    def with_scaler(self, prepared, scaler, x_scaler=None) -> Prepared:
        scaled = scaler.transform(prepared.values[:, None])
        twin = dataclasses.replace(prepared, scaler=scaler, scaled=scaled,
                                   x_scaler=x_scaler or prepared.x_scaler)
        return self._arrays(twin)

    def mlp_reads(self, cfg) -> tuple[str, str]:
        return (_("one block of {values}, with no memory of the blocks before").format(
                    values=counted(cfg.block, 'x value')),
                _("no: it never sees more than one block"))


def block_errors(truth: np.ndarray, models: dict, block: int) -> pd.DataFrame:
    """RMSE against the true curve of each extrapolated block, one column per model; the index
    counts blocks past the end of the data (1 = the first block after it)."""
    n_blocks = len(truth) // block
    rows = {name: [rmse(truth[b * block:(b + 1) * block], pred[b * block:(b + 1) * block])
                   for b in range(n_blocks)] for name, pred in models.items()}
    return pd.DataFrame(rows, index=pd.Index(np.arange(1, n_blocks + 1),
                                             name=N_("blocks past the data")))
