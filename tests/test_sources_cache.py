"""Disk cache: a repeat is served from disk, survives a new process, refreshes on request, and a
damaged file is never believed."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from loopback import LoopbackServer, Reply, closed_port

from rnn_core.sources import CACHE_ENV, SourceUnreachable, cache_dir, describe, load_fred, \
    read_cache, synthetic_series, write_cache
from rnn_core.sources.cache import cache_path, fetch_with_cache
from rnn_core.sources.series import now_utc

FRED_CSV = (Path(__file__).parent / "fixtures" / "fredgraph_GS10.csv").read_bytes()
ROOT = Path(__file__).resolve().parents[1]
RANGE = ("2019-01-01", "2020-12-31")


def offline() -> str:
    return f"http://127.0.0.1:{closed_port()}"


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


def test_second_load_comes_from_disk_without_a_request(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        live = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        again = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        assert fred.count == 1
    assert (live.provenance, again.provenance) == ("live", "cache")
    assert again.values.index.equals(live.values.index)
    assert np.array_equal(again.values.to_numpy(), live.values.to_numpy())
    assert again.fetched_at == live.fetched_at
    assert (again.name, again.units, again.frequency) == (live.name, live.units, live.frequency)
    assert describe(again).provenance == f"cached {live.fetched_at:%Y-%m-%d %H:%M} UTC"


def test_cache_survives_a_fresh_process_that_is_offline(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        live = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
    script = ("import sys, json; from rnn_core.sources import load_fred\n"
              f"d = load_fred('GS10', {RANGE[0]!r}, {RANGE[1]!r}, base_url=sys.argv[1])\n"
              "print(json.dumps([d.provenance, d.values.tolist()]))")
    env = {**os.environ, CACHE_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, offline()], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    provenance, values = json.loads(done.stdout.strip().splitlines()[-1])
    assert provenance == "cache"
    assert values == live.values.tolist()


def test_refresh_bypasses_the_cache(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        fresh = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path, refresh=True)
        assert fred.count == 2
    assert fresh.provenance == "live"


def test_every_part_of_the_request_is_in_the_key(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        other = load_fred("GS10", "2019-01-01", "2021-12-31", base_url=fred.url,
                          cache_dir=tmp_path)
        assert fred.count == 2
    assert other.provenance == "live" and len(other.values) == 36
    assert len(cache_files(tmp_path)) == 2


@pytest.mark.parametrize("damage", ["truncate", "edit a value", "not json", "empty"])
def test_a_damaged_cache_file_is_ignored_and_replaced(damage, tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        live = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        (path,) = cache_files(tmp_path)
        raw = path.read_bytes()
        if damage == "truncate":  # a write cut short
            path.write_bytes(raw[: len(raw) // 2])
        elif damage == "edit a value":  # still valid JSON, but the checksum no longer matches
            body = json.loads(raw)
            body["payload"]["values"][0] = 99.0
            path.write_text(json.dumps(body))
        elif damage == "not json":
            path.write_bytes(b"\x00\xff garbage")
        else:
            path.write_bytes(b"")
        again = load_fred("GS10", *RANGE, base_url=fred.url, cache_dir=tmp_path)
        assert fred.count == 2  # refetched, not read from the damaged file
    assert again.provenance == "live"
    assert again.values.tolist() == live.values.tolist()
    assert read_cache(json.loads(path.read_bytes())["payload"]["key"], tmp_path) is not None


def test_when_the_live_fetch_fails_the_cache_is_served_with_a_note(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        live = load_fred("UNRATE", *RANGE, base_url=fred.url, cache_dir=tmp_path)
    again = load_fred("UNRATE", *RANGE, base_url=offline(), cache_dir=tmp_path, refresh=True)
    assert again.provenance == "cache"
    assert "could not be reached" in again.note and "copy saved on" in again.note
    assert again.values.tolist() == live.values.tolist()


def test_an_open_ended_range_is_refetched_after_a_day(tmp_path):
    with LoopbackServer(Reply(FRED_CSV)) as fred:
        load_fred("GS10", "2019-01-01", None, base_url=fred.url, cache_dir=tmp_path)
        assert load_fred("GS10", "2019-01-01", None, base_url=fred.url,
                         cache_dir=tmp_path).provenance == "cache"
        # age the saved copy by two days
        (path,) = cache_files(tmp_path)
        key = json.loads(path.read_bytes())["payload"]["key"]
        old = read_cache(key, tmp_path)
        write_cache(key, replace(old, fetched_at=now_utc() - timedelta(days=2)), tmp_path)
        again = load_fred("GS10", "2019-01-01", None, base_url=fred.url, cache_dir=tmp_path)
        assert fred.count == 2
    assert again.provenance == "live"


def test_writes_leave_no_temporary_files(tmp_path):
    key = {"source": "synthetic", "id": "xsinx"}
    data = synthetic_series()
    for _ in range(3):
        write_cache(key, data, tmp_path)
    assert cache_files(tmp_path) == [cache_path(key, tmp_path)]  # no '.tmp-*' left behind
    back = read_cache(key, tmp_path)
    assert back.values.index.equals(data.values.index)
    assert np.array_equal(back.values.to_numpy(), data.values.to_numpy())


def test_unreachable_without_any_cache_is_an_error(tmp_path):
    def fetch():
        raise SourceUnreachable("The service could not be reached.")

    with pytest.raises(SourceUnreachable, match="could not be reached"):
        fetch_with_cache({"source": "x"}, fetch, directory=tmp_path)


def test_cache_folder_comes_from_the_environment_and_falls_back_when_not_writable(
        tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # cannot be created
    fallback = cache_dir()
    assert fallback is not None and fallback != blocker / "cache"
    assert os.access(fallback, os.W_OK)
