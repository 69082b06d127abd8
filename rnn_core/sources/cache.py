"""A small disk cache of downloaded series, so a repeat request is instant and works offline.

One JSON file per request, named by a hash of everything that changes the answer (source, id,
date range, field, interval). Each file carries a SHA-256 of its payload: a file cut short by a
crash or edited by hand fails the check and is ignored, never read as truth. Files are written
to a temporary name first and then renamed over the old one (`os.replace` is atomic), so a
reader sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from rnn_core.i18n import DEFAULT_LANGUAGE, _, current_language, format_date

from .series import SeriesData, SourceUnreachable, now_utc

CACHE_ENV = "RNNLAB_CACHE_DIR"
_FORMAT = "rnnlab-series-cache"
_VERSION = 1


def _user_cache_home() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
        return True
    except OSError:
        return False


def cache_dir() -> Path | None:
    """The folder used for cached series, or None when nothing on disk is writable.

    Order: $RNNLAB_CACHE_DIR, the user cache folder (~/.cache/rnnlab on Linux), then the system
    temp folder — a read-only hosted deploy still gets a cache in /tmp.
    """
    candidates = []
    if os.environ.get(CACHE_ENV):
        candidates.append(Path(os.environ[CACHE_ENV]))
    candidates += [_user_cache_home() / "rnnlab", Path(tempfile.gettempdir()) / "rnnlab-cache"]
    for folder in candidates:
        if _writable(folder):
            return folder
    return None


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def cache_path(key: dict, directory: Path) -> Path:
    """The file for one request: '<source>-<first 20 hex digits of sha256(key)>.json'."""
    digest = hashlib.sha256(_canonical(key)).hexdigest()[:20]
    return Path(directory) / f"{key.get('source', 'series')}-{digest}.json"


def write_cache(key: dict, data: SeriesData, directory: Path | None = None) -> Path | None:
    """Save `data` under `key`; returns the file, or None when the disk refused (no error)."""
    directory = Path(directory) if directory is not None else cache_dir()
    if directory is None:
        return None
    index = data.values.index
    is_dates = isinstance(index, pd.DatetimeIndex)
    payload = {
        "key": key,
        "name": data.name, "units": data.units, "frequency": data.frequency, "note": data.note,
        "fetched_at": (data.fetched_at or now_utc()).isoformat(),
        "index_kind": "datetime" if is_dates else "float",
        "index": [t.isoformat() for t in index] if is_dates else [float(v) for v in index],
        "values": [float(v) for v in data.values.to_numpy()],  # JSON floats round-trip exactly
    }
    body = {"format": _FORMAT, "version": _VERSION,
            "sha256": hashlib.sha256(_canonical(payload)).hexdigest(), "payload": payload}
    target = cache_path(key, directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_canonical(body))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)  # atomic: readers never see a half-written file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, ValueError):  # ValueError: NaN/inf cannot be stored as JSON
        return None
    return target


def read_cache(key: dict, directory: Path | None = None) -> SeriesData | None:
    """The cached series for `key` (provenance 'cache'), or None if absent, corrupt or foreign."""
    directory = Path(directory) if directory is not None else cache_dir()
    if directory is None:
        return None
    try:
        body = json.loads(cache_path(key, directory).read_bytes())
        payload = body["payload"]
        if (body.get("format") != _FORMAT or body.get("version") != _VERSION
                or body.get("sha256") != hashlib.sha256(_canonical(payload)).hexdigest()
                or payload["key"] != key):
            return None
        if payload["index_kind"] == "datetime":
            index = pd.DatetimeIndex(pd.to_datetime(payload["index"]).as_unit("ns"), name="date")
        else:
            index = pd.Index(np.asarray(payload["index"], dtype=np.float64), name="x")
        values = pd.Series(np.asarray(payload["values"], dtype=np.float64), index=index,
                           name=payload["name"])
        if len(values) != len(payload["index"]):
            return None
        fetched_at = datetime.fromisoformat(payload["fetched_at"])
        if fetched_at.tzinfo is None:
            fetched_at = fetched_at.replace(tzinfo=timezone.utc)
        return SeriesData(values=values, name=payload["name"], units=payload["units"],
                          frequency=payload["frequency"], provenance="cache",
                          fetched_at=fetched_at, note=payload["note"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or damaged: behave as if there were no cache


def fetch_with_cache(key: dict, fetch: Callable[[], SeriesData], *, refresh: bool = False,
                     directory: Path | None = None,
                     max_age: timedelta | None = None) -> SeriesData:
    """Serve `key` from the cache, or call `fetch()` and cache what it returns.

    The cache is skipped when `refresh` is true or the entry is older than `max_age` (None:
    never too old — a closed date range does not change). If `fetch` raises SourceUnreachable
    and any cached copy exists, that copy is served with a note saying so.
    """
    if current_language() != DEFAULT_LANGUAGE:  # a copy holds its notes' words: one per language
        key = {**key, "lang": current_language()}
    cached = read_cache(key, directory)
    fresh = cached is not None and (max_age is None or now_utc() - cached.fetched_at <= max_age)
    if fresh and not refresh:
        return cached
    try:
        live = fetch()
    except SourceUnreachable as err:
        if cached is None:
            raise
        return cached.with_note(_("{err} Showing the copy saved on {date} {time} UTC.").format(
            err=err, date=format_date(cached.fetched_at), time=f"{cached.fetched_at:%H:%M}"))
    write_cache(key, live, directory)
    return live
