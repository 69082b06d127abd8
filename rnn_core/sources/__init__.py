"""Data sources -> `SeriesData`: synthetic curves, FRED, stock tickers and CSV uploads.

    from rnn_core.sources import synthetic_series, load_fred, load_ticker, load_csv, describe

Every loader returns float64 values with their provenance ('live', 'cache', 'bundled',
'synthetic', 'upload') and raises DataSourceError (a ValueError) with a plain-words message.
Network loaders never wait more than about 10 seconds and fall back to a cached copy (and, for
GS10, to the sample bundled with the package).
"""

from .cache import CACHE_ENV, cache_dir, read_cache, write_cache
from .csv_read import MAX_UPLOAD_BYTES
from .csv_upload import ROW_NUMBERS, CsvColumns, csv_columns, load_csv
from .fred import bundled_gs10, load_fred
from .series import PROVENANCES, DataSourceError, SeriesData, SeriesSummary, SourceUnreachable, \
    describe, infer_frequency, provenance_line
from .synthetic import SYNTHETIC_KINDS, has_true_function, synthetic_series, true_function
from .ticker import load_ticker, normalise_download
from .validate import FIELDS, INTERVALS, fred_id, ticker_symbol

__all__ = [
    "CACHE_ENV", "FIELDS", "INTERVALS", "MAX_UPLOAD_BYTES", "PROVENANCES", "ROW_NUMBERS",
    "SYNTHETIC_KINDS",
    "CsvColumns", "DataSourceError", "SeriesData", "SeriesSummary", "SourceUnreachable",
    "bundled_gs10", "cache_dir", "csv_columns", "describe", "fred_id", "has_true_function",
    "infer_frequency", "load_csv", "load_fred", "load_ticker", "normalise_download",
    "provenance_line", "read_cache", "synthetic_series", "ticker_symbol", "true_function",
    "write_cache",
]
