"""What every data source returns: a float64 series plus where it came from.

A classroom chart must say plainly whether its numbers are live, cached, a bundled sample,
synthetic or uploaded, so the provenance travels with the values in `SeriesData`, and
`describe()` turns it into one line a page can print.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from rnn_core.i18n import N_, _, format_date

PROVENANCES = ("live", "cache", "bundled", "synthetic", "upload")
_WORDS = (N_("live"), N_("synthetic"), N_("upload"), N_("unknown"), N_("irregular"))  # shown


class DataSourceError(ValueError):
    """A series could not be produced; the message says why and what would work."""


class SourceUnreachable(DataSourceError):
    """The service did not answer (offline, refused, timed out, cut off) — not a bad request."""


@dataclass(frozen=True)
class SeriesData:
    """One series ready for the pipeline.

    values: (n,) float64 pd.Series, index a sorted DatetimeIndex (dates) or a float64 Index
        (the x coordinate of a synthetic curve, or a numeric x column of a CSV file).
    provenance: one of PROVENANCES.
    fetched_at: when the numbers were downloaded (UTC), None when not downloaded.
    note: plain words the page shows next to the chart ("" when there is nothing to say).
    """

    values: pd.Series
    name: str
    units: str
    frequency: str
    provenance: str
    fetched_at: datetime | None = None
    note: str = ""

    def __post_init__(self):
        if self.provenance not in PROVENANCES:
            raise ValueError(f"provenance must be one of {PROVENANCES}, not {self.provenance!r}")

    def with_note(self, extra: str) -> SeriesData:
        """A copy whose note has `extra` appended as a new sentence."""
        note = f"{self.note} {extra}".strip() if extra else self.note
        return replace(self, note=note)


@dataclass(frozen=True)
class SeriesSummary:
    """What a page prints above the chart: size, span, spacing, origin."""

    points: int
    first: str
    last: str
    frequency: str
    provenance: str  # "live", "cached 2026-11-23 12:00 UTC", "bundled sample", ...

    @property
    def text(self) -> str:
        """The line in the current language (the fields stay English: they are data)."""
        frequency = self.frequency
        if frequency.startswith("step "):
            frequency = _("step {step}").format(step=frequency[5:])
        else:
            frequency = _(frequency)
        return _("{points} points, {first} .. {last}, {frequency} · {provenance}").format(
            points=self.points, first=self.first, last=self.last, frequency=frequency,
            provenance=self.provenance)


def provenance_line(data: SeriesData) -> str:
    """'live', 'cached 2026-11-23 12:00 UTC', 'bundled sample', 'synthetic' or 'upload'."""
    if data.provenance == "cache":
        if data.fetched_at is None:
            return _("cached")
        stamp = data.fetched_at.astimezone(timezone.utc)
        return _("cached {date} {time} UTC").format(date=format_date(stamp),
                                                   time=f"{stamp:%H:%M}")
    if data.provenance == "bundled":
        return _("bundled sample")
    return _(data.provenance)  # live, synthetic, upload (PROVENANCES)


def _label(position) -> str:
    if isinstance(position, pd.Timestamp):
        return format_date(position)
    return f"{float(position):g}"


def describe(data: SeriesData) -> SeriesSummary:
    """Summarise a series for display; `describe(data).text` is a ready-made line."""
    values = data.values
    first = _label(values.index[0]) if len(values) else "-"
    last = _label(values.index[-1]) if len(values) else "-"
    return SeriesSummary(len(values), first, last, data.frequency, provenance_line(data))


def infer_frequency(index: pd.Index) -> str:
    """Name the spacing of an index: 'daily', 'weekly', 'monthly', ..., 'step 0.01', 'irregular'.

    Uses the median gap, so a few missing days (weekends, holidays) do not change the answer.
    """
    if len(index) < 2:
        return "unknown"
    if isinstance(index, pd.DatetimeIndex):
        gaps = np.diff(index.as_unit("s").asi8) / 86_400.0  # gaps in days
        median = float(np.median(gaps))
        for name, lo, hi in ((N_("daily"), 0.9, 1.1), (N_("weekly"), 6.5, 7.5),
                             (N_("monthly"), 27.5, 31.5), (N_("quarterly"), 89.0, 92.5),
                             (N_("yearly"), 364.0, 366.5)):
            if lo <= median <= hi:
                return name
        return "irregular"
    gaps = np.diff(np.asarray(index, dtype=np.float64))
    step = float(np.median(gaps))
    # a regular grid: every gap equals the median up to float rounding of linspace
    if step > 0 and np.allclose(gaps, step, rtol=1e-6, atol=0.0):
        return f"step {step:.6g}"
    return "irregular"


def now_utc() -> datetime:
    """The current time in UTC, to the second (what `fetched_at` records)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def as_float_series(values: pd.Series, name: str) -> pd.Series:
    """A float64 copy named `name`, index sorted; datetime indexes in nanoseconds, tz-naive."""
    out = pd.Series(np.asarray(values, dtype=np.float64), index=values.index, name=name)
    if isinstance(out.index, pd.DatetimeIndex):
        index = out.index
        if index.tz is not None:
            index = index.tz_localize(None)
        out.index = pd.DatetimeIndex(index.as_unit("ns"), name="date")
    return out.sort_index()
