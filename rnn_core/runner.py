"""One configuration trained and evaluated headless, returning plain numbers.

The unit of work of sweeps and seed spreads: a pure function of (series, config), so it can run
in another process or on a Dask worker and give bit-identical results everywhere.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from rnn_core.config import LabConfig
from rnn_core.datasets import true_curve
from rnn_core.evaluate import evaluate, no_memory_ratios
from rnn_core.experiment import Run, check_cost, prepare
from rnn_core.metrics import LABELS


def run_config(series: pd.Series, cfg: LabConfig) -> dict:
    """Prepare, train and evaluate one configuration; return plain numbers (for sweeps).

    Deterministic: the same series and config give bit-identical results in any process.
    """
    t0 = time.perf_counter()
    prepared = prepare(series, cfg)
    check_cost(prepared)
    run = Run(prepared)
    run.train(cfg.epochs)
    ev = evaluate(run, true_curve(cfg))
    # "MAE ÷ persistence MAE" -> "REL_MAE": plain column names for tables and CSV files
    names = {label: key.upper() for key, label in LABELS.items()}
    out = {f"{model}_{names[col]}": float(ev.metrics.loc[model, col])
           for model in ev.metrics.index for col in ev.metrics.columns}
    out.update(val_rnn_rmse=ev.val_rmse.get("RNN", np.nan),
               val_mlp_rmse=ev.val_rmse.get("MLP", np.nan),
               val_persistence_rmse=ev.val_rmse.get("Persistence", np.nan),
               final_train_loss=float(run.rnn_history.train_loss[-1]),
               seconds=time.perf_counter() - t0,
               test_rnn=ev.predictions.loc[ev.predictions["part"] == "test", "RNN"].tolist(),
               extrapolation_rnn=ev.extrapolation["RNN"].tolist())
    if (ev.predictions["part"] == "test").any():  # test MSE ÷ the training mean's (no memory)
        ratios = no_memory_ratios(ev, prepared.part_values("train"))
        out.update({f"{model}_NO_MEMORY": ratio for model, ratio in ratios.items()})
    if ev.horizon is not None:  # error against distance, one list per model
        out.update({f"horizon_{m}": ev.horizon[m].tolist() for m in ev.horizon.columns})
    return out
