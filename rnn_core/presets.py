"""One-click presets: the experiments of the tutorials RNN Lab grew from.

Each preset is a set of `LabConfig` changes plus a sentence on what it reproduces. Settings the
tutorials got wrong are not reproduced (the scaler is always fitted on the training part only).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnn_core.config import LabConfig


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    what: str
    changes: dict

    def config(self) -> LabConfig:
        """The preset applied to the defaults: every control gets a value."""
        return LabConfig().replace(**self.changes)


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset(
        "xsinx_blocks", "x·sin(x) in blocks, extrapolated to 7.2 (seed 001)",
        "600 points of x·sin(x) + noise in [-0.01, 0.01] on x = 0.01..6.00, cut into 100 blocks "
        "of 6 x values; the hidden state (20 units) is carried along the curve, 5 blocks are "
        "backpropagated per update, learning rate 0.023; then 20 more blocks (x up to 7.20) are "
        "predicted from the last hidden state and compared with the true curve.",
        dict(source="synthetic", synthetic_kind="xsinx", x_start=0.01, x_stop=6.0,
             n_points=600, noise=0.01, task="blocks", block=6, window=5, n_hidden=20,
             optimizer="sgd", lr=0.023, epochs=150, batch_size=1, clip=5.0, bptt_steps=0,
             val_frac=0.0, test_frac=0.1, horizon=20, scaler="minmax", mlp_hidden=20),
    ),
    Preset(
        "gs10_rnn_vs_mlp", "GS10 yield: RNN vs MLP, sequence length 6 (seed 004)",
        "The 10-year treasury yield, 59 months 2018-02..2022-12; windows of 6 months; an MLP "
        "6-10-1 predicting the next month against an RNN with 10 hidden units trained on every "
        "step (targets shifted by one); batch 4, Adam, learning rate 0.01, 20 epochs.",
        dict(source="fred", fred_id="GS10", start="2018-02-01", end="2022-12-31", task="seq",
             window=6, n_hidden=10, activation="tanh", mlp_hidden=10, optimizer="adam", lr=0.01,
             epochs=20, batch_size=4, clip=0.0, val_frac=0.1, test_frac=0.2, horizon=12),
    ),
    Preset(
        "googl_window50", "Stock open price, 50-step window (seeds 000/002)",
        "GOOGL opening price 2020-04-01..2023-04-01, 80/20 chronological split, min-max scaling "
        "fitted on the training part; 50 days -> next day, 50 hidden units, plain SGD with "
        "learning rate 0.001 on one window at a time, 200 epochs.",
        dict(source="ticker", ticker="GOOGL", field="Open", interval="1d", start="2020-04-01",
             end="2023-04-01", task="next", window=50, n_hidden=50, optimizer="sgd", lr=1e-3,
             epochs=200, batch_size=1, clip=0.0, val_frac=0.0, test_frac=0.2, horizon=30),
    ),
    Preset(
        "stock_60_adam", "Stock, 60 steps, 5 hidden units, Adam (seed 003)",
        "60 days of opening prices -> the next day, a small RNN with 5 hidden units, Adam, "
        "100 epochs in batches of 100, 10% of the training windows held out for validation; "
        "errors reported in price units.",
        dict(source="ticker", ticker="GOOGL", field="Open", interval="1d", start="2018-01-01",
             end="2023-01-01", task="next", window=60, n_hidden=5, optimizer="adam", lr=1e-3,
             epochs=100, batch_size=100, clip=0.0, val_frac=0.1, test_frac=0.2, horizon=30),
    ),
)}
