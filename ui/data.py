"""The session's data: load it from the configured source, keep it, report failures in words.

A failed download or a bad upload never replaces data the student already has: the message is
shown and the previous series stays. An upload is parsed once: its columns are kept in the
session under the file's digest (and rnn_core caches the parse by digest too), so a rerun of
the page costs nothing.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from rnn_core.datasets import data_key, load_series
from rnn_core.i18n import N_, _
from rnn_core.sources.csv_upload import ROW_NUMBERS, CsvColumns, csv_columns, load_csv
from rnn_core.sources.series import DataSourceError, SeriesData
from ui import state
from ui.state import (
    DATA_KEY, LOAD_ERROR, UPLOAD, AUTOLOAD, UPLOAD_OPTIONS, UPLOAD_COLUMNS, UPLOAD_REFUSED)

DATE_ORDERS = {True: N_("day/month/year"), False: N_("month/day/year")}  # shown with _()
MISSING_RULES = {"drop": N_("drop"), "interpolate": N_("interpolate")}  # value -> its words
FETCHED = ("fred", "ticker")  # sources downloaded on request (the Data page's Fetch button);
# the others load as soon as their settings (or the uploaded file) allow


def current_series() -> SeriesData | None:
    """The loaded series; with none yet, the configured source is loaded (one try per setting,
    so an unreachable service is not asked again on every page)."""
    if state.SERIES not in st.session_state and st.session_state.get(AUTOLOAD) != _key():
        st.session_state[AUTOLOAD] = _key()
        load(quiet=True)
    return st.session_state.get(state.SERIES)


def _key() -> tuple:
    """Everything that determines the series: the settings, and for a CSV the file and choices."""
    cfg = state.cfg()
    if cfg.source != "csv":
        return data_key(cfg)
    upload = st.session_state.get(UPLOAD)
    return ("csv", upload and upload[2], st.session_state.get(UPLOAD_OPTIONS))


def is_stale() -> bool:
    """Do the data settings differ from those the loaded series came from?"""
    return st.session_state.get(DATA_KEY) != _key()


def load(refresh: bool = False, quiet: bool = False) -> bool:
    """Load the configured source into the session. Returns True on success."""
    cfg = state.cfg()
    try:
        if cfg.source == "csv":
            raw = st.session_state.get(UPLOAD)
            if raw is None:
                raise DataSourceError(_("Choose a CSV file to upload first."))
            refused = st.session_state.get(UPLOAD_REFUSED)
            if refused is not None and refused[0] == (_key(), cfg.window):  # a rerun: same
                raise DataSourceError(refused[1])  # file, choices and window (points needed)
            options = tuple(st.session_state.get(UPLOAD_OPTIONS) or ())
            time_column, value_column, missing, day_first = \
                options + (None, None, "drop", None)[len(options):]
            series = load_csv(raw[0], time_column=time_column, value_column=value_column,
                              missing=missing, min_points=cfg.window + 2, name=raw[1],
                              day_first=day_first)
        else:
            with st.spinner(_("Loading {source} data…").format(source=cfg.source)):
                series = load_series(cfg, refresh=refresh)
    except DataSourceError as err:
        st.session_state[LOAD_ERROR] = str(err)
        if cfg.source == "csv" and st.session_state.get(UPLOAD) is not None:
            st.session_state[UPLOAD_REFUSED] = ((_key(), cfg.window), str(err))
        if not quiet:
            state.flash("error", f"{err}{_kept()}")
        return False
    st.session_state[state.SERIES] = series
    st.session_state[DATA_KEY] = _key()
    return True


def _kept() -> str:
    return _(" Your previous data is kept.") if state.SERIES in st.session_state else ""


def loaded_source() -> str | None:
    """The source the loaded series came from (None before any load)."""
    return (st.session_state.get(DATA_KEY) or (None,))[0]


def next_step(cfg) -> str | None:
    """What the student does to load the configured data, in words ('press **Fetch data** …');
    None when nothing is needed (a synthetic curve, the offline sample, a file already chosen)."""
    if cfg.source == "fred":
        return _("press **Fetch data** to download the FRED series {id}").format(id=cfg.fred_id)
    if cfg.source == "ticker":
        return _("press **Fetch data** to download {ticker}").format(ticker=cfg.ticker)
    if cfg.source == "csv" and st.session_state.get(UPLOAD) is None:
        return _("choose a CSV file above")
    return None


def stale_note(cfg, series: SeriesData) -> tuple[str, str] | None:
    """(kind, words) when the series shown is not the one the settings name, else None."""
    if not is_stale():
        return None
    step = next_step(cfg)
    if loaded_source() != cfg.source:  # the source changed: say what is shown, not its notes
        return "info", (_("Shown below: **{name}**, the series loaded before.").format(
            name=series.name) + (_(" To replace it, {step}.").format(step=step) if step else ""))
    if step:
        return "warning", _("The settings above changed since this series was loaded: "
                            "{step}.").format(step=step)
    return "info", _("Shown below: the series loaded before; the new settings could not be "
                     "loaded (the reason is above).")


def store_upload(name: str, raw: bytes) -> None:
    digest = hashlib.sha256(raw).hexdigest()[:16]
    if (st.session_state.get(UPLOAD) or (None, None, None))[2] != digest:
        st.session_state[UPLOAD] = (raw, name, digest)
        st.session_state.pop(UPLOAD_OPTIONS, None)


def _columns(upload) -> CsvColumns | str:
    """The upload's columns, or the words saying why it cannot be read: parsed once per file."""
    cached = st.session_state.get(UPLOAD_COLUMNS)
    if cached is not None and cached[0] == upload[2]:
        return cached[1]
    try:
        found = csv_columns(upload[0])
    except DataSourceError as err:
        found = str(err)
    st.session_state[UPLOAD_COLUMNS] = (upload[2], found)
    return found


def upload_options() -> bool:
    """Column choices for the uploaded file (detected ones preselected), or why it cannot work
    (said here, once). True when there is a file whose columns could be read."""
    upload = st.session_state.get(UPLOAD)
    if upload is None:
        return False
    cols = _columns(upload)
    if isinstance(cols, str):
        st.error(f"{upload[1]}: {cols}{_kept()}")
        return False
    token = upload[2]
    c1, c2, c3 = st.columns(3)
    time_column = c1.selectbox(
        _("Time column"), cols.time_candidates, key=f"csv_time_{token}",
        index=cols.time_candidates.index(cols.time_column),
        format_func={c: _("(none: number the rows)") if c == ROW_NUMBERS else c
                     for c in cols.time_candidates}.get,
        help=_("The dates (or x values) of the series; rows are sorted by it."))
    value_column = c2.selectbox(
        _("Value column"), cols.value_candidates, key=f"csv_value_{token}",
        index=cols.value_candidates.index(cols.value_column),
        help=_("The numbers the network learns to predict."))
    missing = c3.radio(_("Missing values"), ("drop", "interpolate"), key=f"csv_missing_{token}",
                       horizontal=True, format_func={m: _(w) for m, w in MISSING_RULES.items()}.get,
                       help=_("Drop rows with a missing value, or fill them by straight lines "
                              "between their neighbours."))
    sep = {"\t": _("tab")}.get(cols.separator, repr(cols.separator))
    st.caption(_("Detected: separator {sep}, decimal mark {decimal}, {header}.").format(
        sep=sep, decimal=repr(cols.decimal),
        header=_("a header row") if cols.header else _("no header row")))
    if cols.time_column == ROW_NUMBERS:
        st.info(_("No column could be read as dates or x values, so the rows are numbered 0, 1, "
                  "2, … in file order. Dates must look like 2024-01-31 (best), 31.01.2024, "
                  "31/01/2024, 01/31/2024 or 31 Jan 2024 — one way for the whole column."))
    day_first = None
    guessed = cols.guessed_day_first(time_column)
    if guessed is not None:  # the values do not say whether 01/02 is 1 February or 2 January
        chosen = st.radio(_("Date order"), tuple(DATE_ORDERS), key=f"csv_dayfirst_{token}",
                          index=tuple(DATE_ORDERS).index(guessed), horizontal=True,
                          format_func={k: _(w) for k, w in DATE_ORDERS.items()}.get,
                          help=_("No day above 12 shows whether 01/02/2020 is 1 February or "
                                 "2 January; the order preselected is a guess."))
        day_first = None if chosen == guessed else chosen
    st.session_state[UPLOAD_OPTIONS] = (time_column, value_column, missing, day_first)
    return True
