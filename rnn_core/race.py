"""The cell race: the Elman RNN, the GRU and the LSTM trained on the same windows, side by side.

    race = Race(prepared)                 # one Run per cell, all on this one `prepared`
    race.train(epochs, on_epoch)          # every cell one epoch, then the next epoch
    ev = race.evaluate(true_function)     # one Evaluation: a column (or row) per cell + baselines

Same windows by construction: every cell's Run holds the *same* `prepared` object (one split,
one scaler, one set of windows) and the configuration `cfg.replace(cell=c)` — the same seed, so
the same shuffles and the same MLP baseline in every Run. A race is therefore three runs that
differ only in their recurrent cell, and each cell's numbers are bit for bit those of a Run of
that cell alone (tests/test_race.py).

A cell whose loss explodes is marked `diverged` with its message and stops (its Run stays at its
last sane epoch); the others go on. When every cell has diverged the race raises
TrainingDiverged, as a Run does.

A Race quacks like a Run where `rnn_core.pooled.LiveTraining` needs it (`epochs_done`,
`snapshot`, `train`, `prepared` get/set, `stopped`, `uid`, `cfg`), so the Train page trains it in
chunks on the same worker processes as a run.
"""

from __future__ import annotations

import copy
import uuid
from typing import Callable

import numpy as np
import pandas as pd

from rnn_core.cells import CELL_LABELS, CELLS
from rnn_core.config import MAX_COMPUTE, compute_cost
from rnn_core.evaluate import Evaluation, LiveView, evaluate, live_view
from rnn_core.experiment import MODEL_NAMES, ComputeCapExceeded, Prepared, Run
from rnn_core.i18n import _
from rnn_core.train import History, TrainingDiverged
from rnn_core.words import counted

BASELINES = ("MLP", "Persistence")  # the models every cell is compared with, in table order
_OWN = "RNN"  # the task code's name for a run's recurrent model, whatever its cell


def check_race_cost(prepared: Prepared) -> float:
    """The three cells' cost together; ComputeCapExceeded in plain words when over the cap."""
    n_windows, steps = prepared.task.cost_shape(prepared)
    cost = sum(compute_cost(prepared.cfg.replace(cell=c), n_windows=n_windows, steps=steps,
                            n_in=prepared.n_in) for c in CELLS)
    if cost > MAX_COMPUTE:
        raise ComputeCapExceeded(_(
            "Racing the three cells would need about {cost:.1e} operations, over the cap of "
            "{cap:.0e} per run on this shared server (a GRU costs about 3 and an LSTM 4 Elman "
            "cells). Use fewer epochs, fewer hidden units, a shorter window or less data.").format(
                cost=cost, cap=MAX_COMPUTE))
    return cost


class Race:
    """One Run per cell (CELLS order), all on the same prepared data and settings but the cell.

    runs: cell key -> Run; names: cell key -> its name in tables and legends ("RNN", "GRU",
    "LSTM"). `train(epochs, on_epoch)` continues exactly where it stopped, as Run.train does.
    """

    def __init__(self, prepared: Prepared):
        self.cfg = prepared.cfg  # the settings as chosen (its `cell` is the Train page's choice)
        self.task = prepared.task
        self.uid = uuid.uuid4().hex  # names this race (and its snapshots) in caches
        self.runs: dict[str, Run] = {c: Run(prepared, cell=c) for c in CELLS}
        self.names = {c: MODEL_NAMES[c] for c in CELLS}
        self.stopped = False
        self.mlp_diverged: str | None = None  # the MLP baseline's divergence, said once

    # ----- what LiveTraining needs of a run ----------------------------------------------------
    @property
    def prepared(self) -> Prepared | None:
        """The one prepared object every cell trains on."""
        return next(iter(self.runs.values())).prepared

    @prepared.setter
    def prepared(self, prepared: Prepared | None) -> None:
        # a worker sends the race back without its data (None); the server re-attaches it
        for run in self.runs.values():
            run.prepared = prepared

    @property
    def epochs_done(self) -> int:
        """Race epochs trained: the epochs of the cells still training (a diverged cell keeps
        fewer, its sane ones)."""
        return max(run.epochs_done for run in self.runs.values())

    def snapshot(self) -> "Race":
        """A copy with independent runs (the prepared data, never mutated, is shared)."""
        twin = copy.copy(self)
        twin.runs = {c: run.snapshot() for c, run in self.runs.items()}
        return twin

    def differences(self, series: pd.Series | None, cfg) -> list[str]:
        """What differs between the race's data and settings and those given, in words; the
        cell is not a difference (a race trains every cell)."""
        first = next(iter(self.runs.values()))
        return first.differences(series, cfg.replace(cell=first.cfg.cell))

    @property
    def diverged(self) -> str | None:
        """The messages of the cells that diverged, one each, and whether the others went on
        (None when no cell diverged)."""
        said = [_("{cell}: {why}").format(cell=_(self.labels()[c]), why=run.diverged)
                for c, run in self.runs.items() if run.diverged]
        if said and self.training():
            said.append(_("The other cells went on."))
        if self.mlp_diverged:
            said.append(self.mlp_diverged)
        return " ".join(said) or None

    def _stop_mlp(self, err: TrainingDiverged) -> None:
        """The MLP baseline diverged (the same MLP in every cell's run, at its last sane epoch):
        it stops training in every run, and the race says so once; the cells go on."""
        for run in self.runs.values():
            run.train_mlp = False
        self.mlp_diverged = _("The MLP baseline diverged and stopped: {why} The cells went "
                              "on.").format(why=err)

    def training(self) -> list[str]:
        """The cells still training (not diverged)."""
        return [c for c, run in self.runs.items() if not run.diverged]

    def train(self, epochs: int, on_epoch: Callable[["Race"], bool | None] | None = None) -> None:
        """Train every cell still training for up to `epochs` more epochs, one epoch of each
        cell after the other. A cell that diverges is marked (`run.diverged`, its Run back at its
        last sane epoch) and left out from then on. on_epoch(race) after each epoch; False
        stops. Raises TrainingDiverged when the last cell still training diverges."""
        for _epoch in range(epochs):
            for cell in self.training():
                run = self.runs[cell]
                try:
                    run.train(1)
                except TrainingDiverged as err:
                    if err.model == "MLP":  # the baseline, not the cell: the cells go on
                        self._stop_mlp(err)
                        continue
                    run.diverged = _("{why} It stopped there, keeping its {epochs}.").format(
                        why=err, epochs=counted(run.epochs_done, "epoch"))
            if not self.training():
                raise TrainingDiverged(
                    self.epochs_done, float("nan"), kept_epochs=self.epochs_done,
                    message=_("Every cell diverged. {why}").format(why=self.diverged))
            if on_epoch is not None and on_epoch(self) is False:
                self.stopped = True
                return

    # ----- what a page shows -------------------------------------------------------------------
    def labels(self) -> dict[str, str]:
        """cell key -> its label in sentences ("Elman RNN", "GRU", "LSTM")."""
        return dict(CELL_LABELS)

    @property
    def screen_names(self) -> dict[str, str]:
        """The race's tables already use the names a page shows."""
        return {}

    def histories(self) -> dict[str, History | None]:
        """Every cell's loss curves and the MLP's, by name: {"RNN", "GRU", "LSTM", "MLP"}."""
        out = {self.names[c]: run.rnn_history for c, run in self.runs.items()}
        out["MLP"] = self._baseline_run().mlp_history
        return out

    def loss_labels(self) -> dict[str, str]:
        """What each model's training loss averages (the task's words), by name."""
        return {**{self.names[c]: self.task.rnn_loss_label for c in self.runs},
                "MLP": self.task.mlp_loss_label}

    def _baseline_run(self) -> Run:
        """The run whose MLP (and persistence) the race shows: every cell's MLP is the same
        (same seed, same windows, trained apart from the cell), but a diverged cell's stopped
        early, so the one trained longest."""
        return max(self.runs.values(),
                   key=lambda r: 0 if r.mlp_history is None else len(r.mlp_history))

    def _merge(self, frames: dict[str, pd.DataFrame | None], base: pd.DataFrame | None,
               axis: str = "columns") -> pd.DataFrame | None:
        """One table from each cell's (its "RNN" column or row renamed to the cell's name) and
        the baselines' part of `base`: cells first, then MLP and Persistence."""
        if base is None:
            return None
        take = (lambda f, k: f[k]) if axis == "columns" else (lambda f, k: f.loc[k])
        have = (lambda f, k: k in f.columns) if axis == "columns" else (lambda f, k: k in f.index)
        parts = {}
        lead = [k for k in ("actual",) if have(base, k)]
        for k in lead:
            parts[k] = take(base, k)
        for cell, frame in frames.items():
            if frame is not None and have(frame, _OWN):
                parts[self.names[cell]] = take(frame, _OWN)
        for k in (*BASELINES, "true", "part"):
            if have(base, k):
                parts[k] = take(base, k)
        if axis == "columns":
            return pd.DataFrame(parts, index=base.index)
        return pd.DataFrame(parts).T.rename_axis(base.index.name).astype(np.float64)

    def evaluate(self, true_function=None) -> Evaluation:
        """One Evaluation of the race, in the data's units (rnn_core.evaluate.Evaluation's shapes):

        predictions: one row per target point, columns actual, RNN, GRU, LSTM, MLP,
        [Persistence], part; metrics: rows RNN, GRU, LSTM, MLP, [Persistence], the app's metric
        columns; val_rmse: validation RMSE per model; extrapolation: (horizon rows) RNN, GRU,
        LSTM, MLP, [true]; free_run: actual, RNN, GRU, LSTM, MLP over the test part (or None);
        horizon: RMSE against distance, a column per model. Each cell's numbers are those of
        `evaluate(run)` of its own Run; MLP and persistence are the baseline run's.
        """
        evs = {c: evaluate(run, true_function) for c, run in self.runs.items()}
        base = evs[self._cell_of(self._baseline_run())]
        val_rmse = {}
        if base.val_rmse:
            val_rmse = {self.names[c]: ev.val_rmse[_OWN] for c, ev in evs.items()}
            val_rmse.update({k: base.val_rmse[k] for k in BASELINES if k in base.val_rmse})
        metrics = base.metrics
        if _OWN in metrics.index:
            metrics = self._merge({c: ev.metrics for c, ev in evs.items()}, metrics, axis="index")
        notes = list(base.notes) + [self._diverged_note(c) for c, run in self.runs.items()
                                    if run.diverged]
        if self.mlp_diverged:
            notes.append(self.mlp_diverged)
        return Evaluation(
            predictions=self._merge({c: ev.predictions for c, ev in evs.items()},
                                    base.predictions),
            metrics=metrics, metrics_scope=base.metrics_scope, val_rmse=val_rmse,
            extrapolation=self._merge({c: ev.extrapolation for c, ev in evs.items()},
                                      base.extrapolation),
            free_run=self._merge({c: ev.free_run for c, ev in evs.items()}, base.free_run),
            horizon=self._merge({c: ev.horizon for c, ev in evs.items()}, base.horizon),
            notes=notes)

    def live_view(self, true_function=None) -> LiveView:
        """What the training screen redraws: predictions (points shown, columns actual, RNN,
        GRU, LSTM, MLP, [Persistence], part) and extrapolation (RNN, GRU, LSTM, MLP, [true])."""
        views = {c: live_view(run, true_function) for c, run in self.runs.items()}
        base = views[self._cell_of(self._baseline_run())]
        return LiveView(self._merge({c: v.predictions for c, v in views.items()},
                                    base.predictions),
                        self._merge({c: v.extrapolation for c, v in views.items()},
                                    base.extrapolation))

    def _diverged_note(self, cell: str) -> str:
        run = self.runs[cell]
        kept = (_("Its numbers are from its last sane epoch.") if run.epochs_done else
                _("It diverged in its first epoch, so its numbers are those of its initial "
                  "weights."))
        return _("The {cell} diverged: {why} {kept}").format(cell=_(self.labels()[cell]),
                                                            why=run.diverged, kept=kept)

    def _cell_of(self, run: Run) -> str:
        return next(c for c, r in self.runs.items() if r is run)


# ----- over seeds ---------------------------------------------------------------------------------
def race_spread(executor, series: pd.Series, cfg, seeds, *, should_stop=None) -> dict:
    """Each cell's seed spread (rnn_core.sweep.seed_spread of `cfg.replace(cell=c)`): cell key
    -> SeedSpread, with test (S, n_test) and extrapolation (S, horizon) of that cell."""
    from rnn_core.sweep import seed_spread  # the sweep machinery, only when asked

    return {c: seed_spread(executor, series, cfg.replace(cell=c), seeds, should_stop=should_stop)
            for c in CELLS}
