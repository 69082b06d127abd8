"""One-click presets: the experiments of the tutorials RNN Lab grew from, with their lessons.

Each preset is a set of `LabConfig` changes, a sentence on what it reproduces, and the outcomes
its card claims. A claim is a test on one run's plain numbers (`runner.run_config`'s result), and
`tests/test_lessons.py` checks it over seeds 0–9: a card never states what one lucky seed showed.
Settings the tutorials got wrong are not reproduced (the scaler is always fitted on the training
part only, validation never scores training targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from rnn_core.config import LabConfig
from rnn_core.i18n import N_, _
from rnn_core.long_memory import ECHO_SETTINGS, WINDOW_MARGIN

SEEDS = tuple(range(10))  # the seeds every claim is checked over


@dataclass(frozen=True)
class Claim:
    """An outcome a card states: `holds(result)` on one run, true in >= `at_least` of 10 seeds."""

    text: str  # English (a msgid, marked with N_); `card` is in the current language
    holds: Callable[[dict], bool]
    at_least: int

    @property
    def card(self) -> str:
        return _("{claim} (checked over seeds 0–9: in at least {n} of 10)").format(
            claim=_(self.text), n=self.at_least)

    def count(self, results: list[dict]) -> int:
        """In how many of these runs (one per seed) the claim holds."""
        return sum(bool(self.holds(r)) for r in results if "error" not in r)


def _beats_persistence(r: dict) -> bool:
    return r["RNN_REL_MAE"] < 1.0


def _loses_to_persistence(r: dict) -> bool:
    return r["RNN_REL_MAE"] > 1.0


def _mlp_within_twice_persistence(r: dict) -> bool:
    return r["MLP_REL_MAE"] < 2.0


def _first_block_close(r: dict) -> bool:
    return r["horizon_RNN"][0] <= 0.5


def _remembers_the_echo(r: dict) -> bool:
    return r["RNN_NO_MEMORY"] < 0.5


def _persistence_blind_to_the_echo(r: dict) -> bool:
    return r["Persistence_NO_MEMORY"] > 1.0


def _error_grows(r: dict) -> bool:
    err = np.asarray(r["horizon_RNN"])
    quarter = max(len(err) // 4, 1)
    return float(np.mean(err[-quarter:])) > 2.0 * float(np.mean(err[:quarter]))


BEATS_PERSISTENCE = Claim(N_("The RNN beats persistence on the test part (MAE ÷ persistence "
                                "MAE below 1)"), _beats_persistence, 9)
MLP_NEAR_PERSISTENCE = Claim(N_("The MLP baseline stays within 2× of persistence's test MAE"),
                             _mlp_within_twice_persistence, 9)
PERSISTENCE_WINS = Claim(N_("Persistence ('next = last') beats the RNN on the test part (MAE ÷ "
                               "persistence MAE above 1)"), _loses_to_persistence, 8)

# The first-load experiment (LabConfig's defaults) makes these claims too.
DEFAULT_CLAIMS = (BEATS_PERSISTENCE, MLP_NEAR_PERSISTENCE)


@dataclass(frozen=True)
class Preset:
    """`title`, `what` and `no_claim` are English msgids (N_): show them with _(...)."""

    key: str
    title: str
    what: str
    changes: dict
    claims: tuple[Claim, ...] = ()
    no_claim: str = ""  # why the card makes no claim, when it makes none

    def config(self) -> LabConfig:
        """The preset applied to the defaults: every control gets a value."""
        return LabConfig().replace(**self.changes)


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset(
        "xsinx_blocks", N_("x·sin(x) in blocks, extrapolated to 7.2 (seed 001)"),
        N_("600 points of x·sin(x) + noise in [-0.01, 0.01] on x = 0.01..6.00, cut into 100 blocks "
           "of 6 x values; the hidden state (20 units) is carried along the whole curve, 5 blocks "
           "are backpropagated per update, plain SGD with learning rate 0.023, trained on all 100 "
           "blocks; then 20 more blocks (x up to 7.20) are predicted from the last hidden state "
           "and compared with the true curve."),
        dict(source="synthetic", synthetic_kind="xsinx", x_start=0.01, x_stop=6.0,
             n_points=600, noise=0.01, task="blocks", block=6, window=5, n_hidden=20,
             optimizer="sgd", lr=0.023, epochs=150, batch_size=1, clip=5.0, bptt_steps=0,
             horizon=20, scaler="minmax", mlp_hidden=20),
        claims=(Claim(N_("The first extrapolated block (x 6.01–6.06) is within RMSE 0.5 of the "
                         "true curve"), _first_block_close, 7),
                Claim(N_("The error grows with distance: the last quarter of the extrapolation is "
                         "more than twice as far off as the first"), _error_grows, 9)),
    ),
    Preset(
        "gs10_rnn_vs_mlp", N_("GS10 yield: RNN vs MLP, sequence length 6 (seed 004)"),
        N_("The 10-year treasury yield, 59 months 2018-02..2022-12; windows of 6 months; an MLP "
           "6-10-1 predicting the next month against an RNN with 10 hidden units trained on every "
           "step (targets shifted by one); batch 4, Adam, learning rate 0.01, 20 epochs. The test "
           "part (2022) rises above anything in the training part."),
        dict(source="fred", fred_id="GS10", start="2018-02-01", end="2022-12-31", task="seq",
             window=6, n_hidden=10, activation="tanh", mlp_hidden=10, optimizer="adam", lr=0.01,
             epochs=20, batch_size=4, clip=0.0, val_frac=0.1, test_frac=0.2, horizon=12),
        claims=(PERSISTENCE_WINS,),
    ),
    Preset(
        "googl_window50", N_("Stock open price, 50-step window (seeds 000/002)"),
        N_("GOOGL opening price 2020-04-01..2023-04-01 from Yahoo Finance (needs internet), 80/20 "
           "chronological split, min-max scaling fitted on the training part; 50 days -> next "
           "day, 50 hidden units, plain SGD with learning rate 0.001 on one window at a time, "
           "200 epochs."),
        dict(source="ticker", ticker="GOOGL", field="Open", interval="1d", start="2020-04-01",
             end="2023-04-01", task="next", window=50, n_hidden=50, optimizer="sgd", lr=1e-3,
             epochs=200, batch_size=1, clip=0.0, val_frac=0.0, test_frac=0.2, horizon=30),
        no_claim=N_("Live data: the outcome is whatever these prices give — see Compare, "
                       "and 'Repeat over seeds' there for the spread."),
    ),
    Preset(
        "stock_60_adam", N_("Stock, 60 steps, 5 hidden units, Adam (seed 003)"),
        N_("GOOGL opening prices from Yahoo Finance (needs internet): 60 days -> the next day, a "
           "small RNN with 5 hidden units, Adam, 100 epochs in batches of 100, 10 percent of the "
           "series after the training part held out for validation; errors reported in price "
           "units."),
        dict(source="ticker", ticker="GOOGL", field="Open", interval="1d", start="2018-01-01",
             end="2023-01-01", task="next", window=60, n_hidden=5, optimizer="adam", lr=1e-3,
             epochs=100, batch_size=100, clip=0.0, val_frac=0.1, test_frac=0.2, horizon=30),
        no_claim=N_("Live data: the outcome is whatever these prices give — see Compare, "
                       "and 'Repeat over seeds' there for the spread."),
    ),
    Preset(
        "stock_offline", N_("Stock prices without internet: GOOG weekly 2018–2019"),
        N_("Real weekly closing prices bundled with the app (plotly's sample, each divided by its "
           "first week): 10 weeks -> the next week, 20 hidden units, Adam, learning rate 0.01, "
        "100 epochs. Can a network beat 'next week = this week' on a stock?"),
        dict(source="sample", sample_ticker="GOOG", task="next", window=10, n_hidden=20,
             optimizer="adam", lr=0.01, epochs=100, batch_size=16, clip=1.0, val_frac=0.1,
             test_frac=0.2, horizon=12),
        claims=(Claim(N_("Persistence ('next week = this week') beats the RNN on the test part"),
                      _loses_to_persistence, 9),),
    ),
    Preset(
        "echo_memory", N_("Echo: remember 30 steps back (GRU; race it against the Elman cell)"),
        N_("1000 points of an echo series: every value comes back 0.95 times as large 30 steps "
           "later, over fresh noise, so neighbouring values are unrelated and only a model that "
           "remembers 30 steps can predict the next one. Windows of 34 -> the next value, a GRU "
           "with 20 hidden units, Adam, learning rate 0.01, 100 epochs. Then race the cells on "
           "Train and repeat over seeds on Compare: at this lag the plain Elman cell fails to "
           "learn the echo in about half of the seeds. The Sweep page's 'Long memory' view "
           "sweeps the lag."),
        {**ECHO_SETTINGS, "window": ECHO_SETTINGS["echo_lag"] + WINDOW_MARGIN, "cell": "gru"},
        claims=(Claim(N_("The GRU predicts the echo: its test MSE is below half of the "
                         "no-memory forecast's (the training mean)"), _remembers_the_echo, 9),
                Claim(N_("Persistence cannot: its test MSE is above the no-memory forecast's"),
                      _persistence_blind_to_the_echo, 10)),
    ),
)}
