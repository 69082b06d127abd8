"""The outcome of the default experiment and of every preset over seeds 0–9, as a table.

    python bench/lesson_table.py

For each claim a card makes: how many seeds show it, and the metric behind it (mean ± sd,
min–max). Offline: GS10 is the bundled sample, stock presets that need Yahoo are skipped.
The same claims are asserted in tests/test_lessons.py; this prints the numbers behind them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.config import LabConfig  # noqa: E402
from rnn_core.datasets import load_series  # noqa: E402
from rnn_core.presets import DEFAULT_CLAIMS, PRESETS, SEEDS  # noqa: E402
from rnn_core.runner import run_config  # noqa: E402
from rnn_core.sources.fred import bundled_gs10  # noqa: E402


def series_of(cfg: LabConfig):
    return bundled_gs10().values if cfg.source == "fred" else load_series(cfg).values


def spread(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3g} ± {v.std(ddof=1):.2g} ({v.min():.3g}–{v.max():.3g})"


def main() -> None:
    cases = [("default", LabConfig(), DEFAULT_CLAIMS)]
    cases += [(k, p.config(), p.claims) for k, p in PRESETS.items() if p.claims]
    print("| experiment | claim | seeds that show it | RNN MAE ÷ persistence MAE | "
          "RNN MASE | MLP MAE ÷ persistence MAE | first-block RMSE |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for key, cfg, claims in cases:
        series = series_of(cfg)
        results = [run_config(series, cfg.replace(seed=s)) for s in SEEDS]
        for claim in claims:
            cols = [spread([r[c] for r in results]) if c in results[0] else "—"
                    for c in ("RNN_REL_MAE", "RNN_MASE", "MLP_REL_MAE")]
            first = (spread([r["horizon_RNN"][0] for r in results])
                     if "horizon_RNN" in results[0] and "RNN_REL_MAE" not in results[0]
                     else "—")
            print(f"| {key} | {claim.text} | {claim.count(results)} of {len(SEEDS)} "
                  f"(needs {claim.at_least}) | {' | '.join(cols)} | {first} |")
        if key == "xsinx_blocks":
            err = np.array([r["extrapolation_rnn"] for r in results])  # (10, 120)
            x = np.linspace(6.01, 7.20, err.shape[1])
            truth = x * np.sin(x)
            groups = [np.sqrt(np.mean((err[:, a:a + 20] - truth[a:a + 20]) ** 2, axis=1))
                      for a in range(0, err.shape[1], 20)]
            print("\nseed 001 extrapolation RMSE per 20 points (x 6.01–6.20, …, 7.01–7.20), "
                  "median over seeds 0–9 [min–max]:")
            print(", ".join(f"{np.median(g):.2f} [{g.min():.2f}–{g.max():.2f}]" for g in groups))
            print("seed 0:", ", ".join(f"{g[0]:.2f}" for g in groups), "\n")


if __name__ == "__main__":
    main()
