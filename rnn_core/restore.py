"""A downloaded model file turned back into a run: the inverse of the Compare page's download.

The file holds the trained RNN, its scaler and `{"lab": settings, "history": curves}`. The
MLP baseline is not stored: training is seeded and deterministic, so retraining it with the same
settings on the same data gives back exactly the MLP of the original run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnn_core.config import LabConfig, from_mapping
from rnn_core.experiment import Run, prepare
from rnn_core.i18n import _
from rnn_core.io import LoadedModel, ModelFileError
from rnn_core.train import History


def run_file_config(run: Run) -> dict:
    """What the model file stores beside the weights (JSON-able: NaN becomes None)."""
    history = {k: ([None if isinstance(v, float) and math.isnan(v) else v for v in vals]
                   if isinstance(vals, list) else vals)
               for k, vals in run.rnn_history.to_dict().items()} if run.rnn_history else None
    return {"lab": run.cfg.to_dict(), "history": history}


def settings_of(loaded: LoadedModel) -> LabConfig:
    """The RNN Lab settings saved in a model file; ModelFileError if there are none."""
    lab = (loaded.config or {}).get("lab")
    if not isinstance(lab, dict):
        raise ModelFileError(_("This model file has no RNN Lab settings, so the app cannot tell "
                               "which data and window it was trained with. Use a file downloaded "
                               "from the Compare page."))
    cfg, notes = from_mapping(lab)
    if notes:
        raise ModelFileError(_("This model file's settings are not valid here: {value}").format(
                                 value=notes[0]))
    return cfg


def _same_scaling(saved: dict | None, fitted: dict) -> bool:
    """Was the file's scaler fitted on the same training part as the one fitted now?"""
    if saved is None or saved.get("kind") != fitted.get("kind"):
        return False
    a, b = saved.get("fitted", {}), fitted.get("fitted", {})
    return a.keys() == b.keys() and all(np.allclose(a[k], b[k]) for k in a)


def restore_run(loaded: LoadedModel, series: pd.Series, units: str = "") -> Run:
    """Rebuild the run a model file came from, on `series` (the data it was trained on)."""
    cfg = settings_of(loaded)
    run = Run(prepare(series, cfg, units))
    if loaded.model.config != run.rnn.config:
        raise ModelFileError(_("The network in this file does not match the settings saved with "
                               "it; the file was changed after it was downloaded."))
    saved = loaded.scaler.to_dict() if loaded.scaler is not None else None
    if not _same_scaling(saved, run.prepared.scaler.to_dict()):
        raise ValueError(_("This model was trained on other data than the series loaded now (its "
                           "scaling differs). Load the same data first, then the model."))
    run.rnn = loaded.model
    curves = (loaded.config or {}).get("history") or {}
    run.rnn_history = History(
        **{k: [np.nan if v is None else v for v in curves.get(k, [])]
           for k in ("train_loss", "val_loss", "grad_norm", "seconds")},
        stopped=bool(curves.get("stopped", False)))
    for _epoch in range(len(run.rnn_history)):
        run._mlp_epoch()  # the baseline, retrained exactly as in the original run
    return run
