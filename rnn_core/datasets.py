"""One entry point from a configuration to a series: dispatch to the configured source.

The app calls `load_series(cfg)`; which fields matter depends on the source: `SOURCE_FIELDS`
names exactly those, so the app can tell when the loaded series no longer matches the settings
(`data_key`) and a shared link leaves out the other sources' settings (config.relevant_fields).
"""

from __future__ import annotations

import os

from rnn_core.config import LabConfig
from rnn_core.i18n import _
from rnn_core.sources.series import DataSourceError, SeriesData

SOURCE_FIELDS: dict[str, tuple[str, ...]] = {  # source -> the settings that make its series
    "synthetic": ("synthetic_kind", "x_start", "x_stop", "n_points", "noise", "data_seed",
                  "echo_lag"),
    "fred": ("fred_id", "start", "end"),
    "ticker": ("ticker", "field", "interval", "start", "end"),
    "sample": ("sample_ticker",),
    "csv": (),
}


def data_key(cfg: LabConfig) -> tuple:
    """The settings that determine the series (changing any other setting keeps the data)."""
    return (cfg.source, *(getattr(cfg, name) for name in SOURCE_FIELDS[cfg.source]))


def true_curve(cfg: LabConfig):
    """The noiseless function y(x) behind the configured series, or None (real data)."""
    from rnn_core.sources.synthetic import has_true_function, true_function

    if cfg.source == "synthetic" and has_true_function(cfg.synthetic_kind):
        return lambda x: true_function(cfg.synthetic_kind, x)
    return None


def load_series(cfg: LabConfig, *, refresh: bool = False) -> SeriesData:
    """The series the configuration names. Raises DataSourceError in plain words."""
    if cfg.source == "synthetic":
        from rnn_core.sources.synthetic import synthetic_series

        return synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points,
                                cfg.noise, cfg.data_seed, cfg.echo_lag)
    if cfg.source == "fred":
        from rnn_core.sources.fred import FRED_URL, load_fred

        # RNNLAB_FRED_URL points the app at a mirror (or, in tests, at a loopback server).
        return load_fred(cfg.fred_id, cfg.start, cfg.end, refresh=refresh,
                         base_url=os.environ.get("RNNLAB_FRED_URL") or FRED_URL)
    if cfg.source == "ticker":
        from rnn_core.sources.ticker import load_ticker

        return load_ticker(cfg.ticker, cfg.start, cfg.end, field=cfg.field,
                           interval=cfg.interval, refresh=refresh)
    if cfg.source == "sample":
        from rnn_core.sources.stock_sample import stock_sample

        return stock_sample(cfg.sample_ticker)
    raise DataSourceError(_("An uploaded CSV file is loaded from the Data page."))
