"""The long-memory table of bench/README.md: each cell's test error against the echo lag L.

    python bench/long_memory_table.py                 # L = 5, 10, 20, 30, 40; seeds 0-4
    python bench/long_memory_table.py --lags 5,20 --seeds 10

Every run is `rnn_core.long_memory.memory_task` with the experiment's settings (ECHO_SETTINGS:
1000 points, window L + 4, 20 hidden units, Adam 0.01, 100 epochs), on the local loky engine.
Prints a markdown table: per lag, each model's test MSE ÷ the no-memory forecast's (the
training mean), mean ± sd (lowest–highest) over the seeds, and the mean training time per cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.executors import local_engine  # noqa: E402
from rnn_core.long_memory import (BEST_RATIO, echo_config, memory_grid, memory_summary,  # noqa: E402
                                  memory_table, memory_task)
from rnn_core.sweep import run_sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lags", default="5,10,20,30,40")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    lags = [int(v) for v in args.lags.split(",")]
    configs = memory_grid(echo_config(), lags=lags, seeds=range(args.seeds))
    t0 = time.perf_counter()
    with local_engine(args.workers) as eng, run_sweep(eng, None, configs,
                                                      task=memory_task) as sweep:
        table = memory_table(r for _c, r in sweep)
    wall = time.perf_counter() - t0
    failed = table[table["error"] != ""]
    summary = memory_summary(table)
    seconds = table.groupby(["lag", "cell"])["seconds"].mean()
    models = list(dict.fromkeys(summary["model"]))
    print(f"{len(table)} runs in {wall:.0f} s on {args.workers} workers; {len(failed)} failed. "
          f"Best possible ratio {BEST_RATIO:.3f}; no memory = 1.\n")
    print("| L | " + " | ".join(models) + " | s per run (Elman / GRU / LSTM) |")
    print("|---" * (len(models) + 2) + "|")
    for lag, rows in summary.groupby("lag", sort=True):
        cells = {r.model: f"{r.mean:.2f} ± {r.sd:.2f} ({r.min:.2f}–{r.max:.2f})"
                 for r in rows.itertuples()}
        times = " / ".join(f"{seconds.get((lag, c), float('nan')):.1f}"
                           for c in ("rnn", "gru", "lstm"))
        print(f"| {lag} | " + " | ".join(cells.get(m, "—") for m in models) + f" | {times} |")


if __name__ == "__main__":
    main()
