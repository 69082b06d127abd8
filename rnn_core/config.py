"""One experiment's configuration: every control of the dashboard, its default, bounds and help.

`LabConfig` is a flat frozen dataclass so that it maps one-to-one onto URL query parameters
(`?window=6&n_hidden=10`), onto presets, and onto the widgets (which read their bounds and help
text from `FIELDS`). Nothing here imports Streamlit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable

from rnn_core.i18n import N_, _
from rnn_core.sources import validate
from rnn_core.sources.stock_sample import SAMPLE_TICKERS
from rnn_core.tasks import TASK_KEYS, TASKS, get_task


@dataclass(frozen=True)
class Field:
    """How one configuration value may vary, and what it means in one plain sentence."""

    label: str
    help: str
    choices: tuple | None = None  # allowed values for a categorical field
    lo: float | None = None  # inclusive bounds for a numeric field
    hi: float | None = None
    log: bool = False  # numeric field best chosen on a log scale (learning rate)
    # free text: returns the value normalised ('gs10' -> 'GS10') or raises ValueError in plain
    # words, so a refused value never enters a configuration (nor the link that mirrors it)
    check: Callable[[str], str] | None = None


@dataclass(frozen=True)
class LabConfig:
    # --- data -----------------------------------------------------------------------------
    source: str = "synthetic"  # synthetic | fred | ticker | sample | csv
    # The first-load experiment: a noisy sine over 16 periods. Its test part lies inside the
    # training range, and the RNN beats persistence there in every seed 0-9 (tests/
    # test_lessons.py) — a lesson that holds, not one lucky seed.
    synthetic_kind: str = "sine"
    x_start: float = 0.0
    x_stop: float = 100.0
    n_points: int = 600
    noise: float = 0.1  # uniform noise in [-noise, noise]
    data_seed: int = 0
    echo_lag: int = 30  # the echo series: every value comes back this many points later
    fred_id: str = "GS10"
    ticker: str = "GOOGL"
    sample_ticker: str = "GOOG"  # the offline stock sample's company
    field: str = "Open"
    interval: str = "1d"
    start: str = "2018-02-01"
    end: str = "2022-12-31"
    # --- problem --------------------------------------------------------------------------
    task: str = "next"  # next: window -> next value; seq: targets shifted by one; blocks: seed 001
    window: int = 20
    block: int = 6  # x values per time step in the blocks task
    scaler: str = "minmax"
    val_frac: float = 0.1
    test_frac: float = 0.2
    # --- model ----------------------------------------------------------------------------
    cell: str = "rnn"  # rnn: the Elman cell; gru, lstm: gated cells (rnn_core.cells)
    n_hidden: int = 20
    n_layers: int = 1
    activation: str = "tanh"
    mlp_hidden: int = 10
    # --- training -------------------------------------------------------------------------
    optimizer: str = "adam"
    lr: float = 0.01
    epochs: int = 100  # enough for the default lesson in every seed; about a second
    batch_size: int = 16
    clip: float = 1.0  # 0 turns clipping off
    bptt_steps: int = 0  # 0 = backpropagate through the whole window
    seed: int = 0
    # --- forecasting ----------------------------------------------------------------------
    horizon: int = 60  # steps extrapolated past the end of the data

    def replace(self, **changes: Any) -> "LabConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _start_date(raw: str) -> str:
    validate.date_range(raw, None)  # raises DataSourceError (a ValueError) if it is no date
    return raw


def _end_date(raw: str) -> str:
    validate.date_range(None, raw)
    return raw


FIELDS: dict[str, Field] = {
    "source": Field(N_("Data source"), N_("Where the numbers come from: a synthetic curve, a FRED "
                       "economic series, a stock ticker (needs internet), real weekly stock prices "
                       "bundled with the app (works offline) or your own CSV file."),
                    choices=("synthetic", "fred", "ticker", "sample", "csv")),
    "synthetic_kind": Field(N_("Synthetic series"),
                            N_("x·sin(x) grows and oscillates; a sine repeats exactly; a damped "
                               "oscillation fades; a random walk cannot be predicted better than "
                               "'tomorrow = today'; an echo repeats each value L points later, "
                               "so only a model with memory predicts it."),
                            choices=("xsinx", "sine", "damped", "random_walk", "echo")),
    "echo_lag": Field(N_("Echo lag L"),
                      N_("Echo series only: every value comes back 0.95 times as large this many "
                         "points later, over fresh noise. A model must remember L steps to "
                         "predict it; the window must be at least L to see the echo."),
                      lo=2, hi=200),
    "x_start": Field(N_("x from"),
                     N_("First x coordinate of the synthetic curve."), lo=-100.0, hi=100.0),
    "x_stop": Field(N_("x to"),
                    N_("Last x coordinate of the synthetic curve."), lo=-100.0, hi=100.0),
    "n_points": Field(N_("Points"),
                      N_("How many samples of the curve: more points give more training windows "
                         "but slower epochs."), lo=20, hi=20_000),
    "noise": Field(N_("Noise amplitude"),
                   N_("Uniform noise in [-a, a] added to every point; 0 gives the clean curve."),
                   lo=0.0, hi=10.0),
    "data_seed": Field(N_("Data seed"),
                       N_("Seed of the noise, so the same curve can be drawn again."),
                       lo=0, hi=2**31 - 1),
    "fred_id": Field(N_("FRED series id"),
                     N_("A FRED series id such as GS10 (10-year treasury yield) or UNRATE "
                        "(unemployment rate)."), check=validate.fred_id),
    "ticker": Field(N_("Ticker symbol"), N_("A Yahoo Finance symbol such as GOOGL, MSFT or ^GSPC."),
                    check=validate.ticker_symbol),
    "sample_ticker": Field(N_("Company"),
                           N_("Weekly closes 2018–2019 from plotly's bundled sample, each divided "
                              "by its first week's close."), choices=SAMPLE_TICKERS),
    "field": Field(N_("Price field"),
                   N_("Which daily number to model: opening price, closing price, and so on."),
                   choices=("Open", "High", "Low", "Close", "Adj Close", "Volume")),
    "interval": Field(N_("Frequency"), N_("Daily or weekly prices."), choices=("1d", "1wk")),
    "start": Field(N_("From date"), N_("First date to download (YYYY-MM-DD)."), check=_start_date),
    "end": Field(N_("To date"), N_("Last date to download (YYYY-MM-DD)."), check=_end_date),
    "task": Field(N_("Task"),
                  N_("Window -> next value trains on the last output only (many-to-one); sequence "
                     "trains every step to predict the following value (many-to-many) — "
                     "validation and test score the next value only, for both; x-blocks -> y is "
                     "seed 001's experiment: blocks of x in, blocks of y out, the hidden state "
                     "carried along the whole curve, trained on all of it and tested by "
                     "extrapolating past its end."),
                  choices=TASK_KEYS),
    "window": Field(N_("Window"),
                    N_("How many past steps the network reads before predicting: longer windows "
                       "see more history but train slower and leave fewer samples. In the "
                       "x-blocks task, the number of blocks backpropagated through."),
                    lo=1, hi=500),
    "block": Field(N_("Block size"),
                   N_("x-blocks task only: how many consecutive x values form one time step's "
                      "input."), lo=1, hi=50),
    "scaler": Field(N_("Scaling"),
                    N_("Min-max maps the training part to [0, 1]; standard scaling to mean 0, "
                       "spread 1. Both are fitted on the training part only."),
                    choices=("minmax", "standard")),
    "val_frac": Field(N_("Validation share"),
                      N_("Share of the series (after the training part) used to watch for "
                         "over-fitting while training."), lo=0.0, hi=0.4),
    "test_frac": Field(N_("Test share"), N_("Share at the end of the series kept unseen until the "
                          "comparison."), lo=0.05, hi=0.5),
    "cell": Field(N_("Cell"), N_("Elman RNN: h_t = tanh(W x_t + U h_{t-1} + b), the textbook cell. "
                     "GRU and LSTM add gates that decide what to keep and what to forget, so a "
                     "gradient can survive many steps: they remember further back."),
                  choices=("rnn", "gru", "lstm")),
    "n_hidden": Field(N_("Hidden units"),
                      N_("Size of the hidden state h_t: more units remember more but train slower "
                         "and over-fit sooner."), lo=1, hi=256),
    "n_layers": Field(N_("Layers"), N_("Stacked recurrent layers; the second reads the first one's "
                         "hidden states."), lo=1, hi=3),
    "activation": Field(N_("Activation"),
                        N_("tanh keeps h_t in (-1, 1); relu can grow without bound and explode."),
                        choices=("tanh", "relu")),
    "mlp_hidden": Field(N_("MLP hidden units"),
                        N_("Size of the baseline MLP's hidden layer; the MLP sees the whole "
                           "window at once and has no memory."), lo=1, hi=256),
    "optimizer": Field(N_("Optimizer"),
                       N_("Adam adapts each weight's step size and is the safe choice; SGD is the "
                          "textbook rule; momentum smooths SGD's steps."),
                       choices=("adam", "sgd", "momentum")),
    "lr": Field(N_("Learning rate"),
                N_("Step size of each update: too small learns slowly, too large makes the loss "
                   "jump or explode."), lo=1e-5, hi=10.0, log=True),
    "epochs": Field(N_("Epochs"), N_("How many passes over the training windows."), lo=1, hi=2000),
    "batch_size": Field(N_("Batch size"),
                        N_("Windows per update: small batches update more often but more noisily."),
                        lo=1, hi=1024),
    "clip": Field(N_("Gradient clipping"),
                  N_("Largest allowed global gradient norm; rescales bigger gradients to stop "
                     "them exploding. 0 turns clipping off."), lo=0.0, hi=1000.0),
    "bptt_steps": Field(N_("Truncation (BPTT steps)"),
                        N_("Each prediction's error flows back through at most this many steps "
                           "(the last ones up to and including its own); the state before them is "
                           "treated as a constant. 0 uses the whole window. Shorter cannot learn "
                           "longer dependencies."), lo=0, hi=500),
    "seed": Field(N_("Seed"),
                  N_("Seed of the initial weights and the shuffling: the same seed gives the same "
                     "run."), lo=0, hi=2**31 - 1),
    "horizon": Field(N_("Extrapolation steps"),
                     N_("How many steps past the end of the data each model forecasts by feeding "
                        "its own predictions back."), lo=1, hi=1000),
}

# The compute cap: one run may cost at most this many `epochs x windows x n_hidden^2` units,
# so a single visitor cannot stall a shared hosted demo. About a minute of training here.
MAX_COMPUTE = 6e10


# Weight blocks of each cell's step: a GRU computes 3 gate pre-activations, an LSTM 4.
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def compute_cost(cfg: LabConfig, *, n_windows: int, steps: int, n_in: int) -> float:
    """Rough multiply-adds of one training run: epochs x windows x steps x G H (H + I + 1) x 3.

    G counts the cell's weight blocks (GATES); the factor 3 counts the forward pass and the two
    products of the backward pass.
    """
    per_step = GATES[cfg.cell] * cfg.n_hidden * (cfg.n_hidden + n_in + 1) * cfg.n_layers
    return 3.0 * cfg.epochs * n_windows * steps * per_step


def _coerce(name: str, raw: Any, default: Any) -> Any:
    """Turn a raw value (a string from a URL, a number from a widget) into the field's type."""
    spec = FIELDS[name]
    label = _(spec.label)
    example = getattr(LabConfig, name, default)  # the field's default, e.g. 20 hidden units
    if isinstance(default, bool):
        value = str(raw).lower() in ("1", "true", "yes")
    elif isinstance(default, (int, float)):
        whole = isinstance(default, int)
        try:  # float('abc') would say "could not convert string to float": not for students
            as_float = float(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            message = _("{label} must be a whole number such as {example}, not {raw}") if whole \
                else _("{label} must be a number such as {example}, not {raw}")
            raise ValueError(message.format(label=label, example=example, raw=repr(raw))) from None
        if whole and not as_float.is_integer():
            raise ValueError(_("{label} must be a whole number such as {example}, not {raw}")
                             .format(label=label, example=example, raw=repr(raw)))
        if not math.isfinite(as_float):
            raise ValueError(_("{label} must be a finite number such as {example}, not {raw}")
                             .format(label=label, example=example, raw=repr(raw)))
        value = int(as_float) if whole else as_float
    else:
        value = str(raw).strip()
        if len(value) > 40:
            raise ValueError(_("{label} is too long").format(label=label))
        if spec.check is not None:
            value = spec.check(value)
    if spec.choices is not None and value not in spec.choices:
        raise ValueError(_("{label} must be one of {choices}").format(
            label=label, choices=", ".join(map(str, spec.choices))))
    if spec.lo is not None and value < spec.lo:
        raise ValueError(_("{label} must be at least {lo}").format(label=label, lo=spec.lo))
    if spec.hi is not None and value > spec.hi:
        raise ValueError(_("{label} must be at most {hi}").format(label=label, hi=spec.hi))
    return value


def validated(cfg: LabConfig) -> LabConfig:
    """Check every field against its bounds; raise ValueError naming the first bad one.

    Returns the configuration with free text normalised (' gs10 ' -> 'GS10')."""
    cfg = cfg.replace(**{f.name: _coerce(f.name, getattr(cfg, f.name), f.default)
                         for f in dataclasses.fields(LabConfig)})
    if cfg.x_stop <= cfg.x_start:
        raise ValueError(_("'x to' must be larger than 'x from'"))
    if cfg.val_frac + cfg.test_frac >= 0.8:
        raise ValueError(_("Validation and test shares leave too little data for training: "
                           "keep their sum below 0.8"))
    validate.date_range(cfg.start, cfg.end)  # the start date must come before the end date
    return cfg


def from_mapping(values: dict[str, Any],
                 base: LabConfig | None = None) -> tuple[LabConfig, list[str]]:
    """Build a config from loose values (URL query parameters, a preset, an uploaded JSON).

    Unknown keys are ignored; an invalid value keeps the base value and adds a plain-words note,
    so a broken link still opens the app.
    """
    base = base or LabConfig()
    defaults = {f.name: f.default for f in dataclasses.fields(LabConfig)}
    changes: dict[str, Any] = {}
    notes: list[str] = []
    for name, raw in values.items():
        if name not in defaults:
            continue
        try:
            changes[name] = _coerce(name, raw, defaults[name])
        except (TypeError, ValueError) as err:
            notes.append(_("Ignored {setting}: {why}; using {value}.").format(
                setting=f"{name}={str(raw)[:40]!r}", why=str(err).rstrip("."),
                value=repr(getattr(base, name))))
    cfg = base.replace(**changes)
    try:
        cfg = validated(cfg)
    except ValueError as err:
        notes.append(_("Ignored the link's settings ({why}); using the defaults.").format(
            why=str(err).rstrip(".")))
        cfg = base
    return cfg, notes


def relevant_fields(cfg: LabConfig) -> tuple[str, ...]:
    """The fields that matter for `cfg`'s source and task: every common setting, the current
    source's own (FRED's id, not the ticker) and the current task's own (`block` for x-blocks,
    `bptt_steps` where the task truncates). What the other sources and tasks would use is left
    out, so a shared link carries nothing the recipient's experiment ignores."""
    from rnn_core.datasets import SOURCE_FIELDS  # datasets reads LabConfig from this module

    task = get_task(cfg.task)
    specific = {n for names in SOURCE_FIELDS.values() for n in names} | {
        n for t in TASKS.values() for n in (*t.controls, *t.training_controls)}
    own = {*SOURCE_FIELDS[cfg.source], *task.controls, *task.training_controls}
    return tuple(f.name for f in dataclasses.fields(LabConfig)
                 if f.name not in specific or f.name in own)


def to_query_params(cfg: LabConfig, *, only_relevant: bool = False) -> dict[str, str]:
    """The fields that differ from the defaults, as URL-ready strings; with `only_relevant`,
    only those of `relevant_fields(cfg)` (the link the app shows)."""
    default = LabConfig()
    names = relevant_fields(cfg) if only_relevant else tuple(cfg.to_dict())
    return {k: _fmt(getattr(cfg, k)) for k in names if getattr(cfg, k) != getattr(default, k)}


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def parse_values(text: str, name: str, kind: type = float) -> list:
    """'5, 10, 20' -> [5, 10, 20]: a comma-separated list typed by a student, checked against
    the field's bounds. Raises ValueError naming the bad entry."""
    spec = FIELDS[name]
    out = []
    for raw in str(text).replace(";", ",").split(","):
        raw = raw.strip()
        if not raw:
            continue
        try:
            value = _coerce(name, raw, kind(0))
        except (TypeError, ValueError) as err:
            raise ValueError(_("{label}: {raw} is not valid ({why}).").format(
                label=_(spec.label), raw=repr(raw), why=err)) from None
        out.append(value)
    if not out:
        raise ValueError(_("{label}: give at least one value, e.g. 10, 20.").format(
            label=_(spec.label)))
    return list(dict.fromkeys(out))
