"""Sweeps on Dask: a LocalCluster of worker processes, and real scheduler/worker processes
started by command line and reached by address, as a classroom server would use them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from rnn_core.config import LabConfig  # noqa: E402
from rnn_core.executors import get_engine  # noqa: E402
from rnn_core.runner import run_config  # noqa: E402
from rnn_core.sweep import expand_grid, run_sweep  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BASE = LabConfig(n_points=240, epochs=3, n_hidden=5, window=8, mlp_hidden=4, horizon=12)
ACTIVE = ("processing", "queued", "waiting", "no-worker")  # scheduler states of unfinished tasks


def without_timing(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "seconds"}


def wait_until(condition, what: str, limit: float = 120.0) -> None:
    """Poll `condition` until true; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def series() -> pd.Series:
    x = np.linspace(0.01, 6.0, BASE.n_points)
    return pd.Series(x * np.sin(x), index=x)


@pytest.fixture(scope="session")
def dask_client():
    """Two worker processes with one thread each, like the two cores of this machine."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    client = Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def active_tasks(client) -> int:
    """Tasks the scheduler still has to run (or is running)."""
    return client.run_on_scheduler(
        lambda dask_scheduler: sum(ts.state in ACTIVE for ts in dask_scheduler.tasks.values()))


def test_dask_sweep_equals_the_serial_loop_bit_for_bit(dask_client, series):
    grid = expand_grid(BASE, windows=[6, 10], hidden=[4, 6], lrs=[0.01, 0.05], seeds=[0, 1])
    serial = {c: without_timing(run_config(series, c)) for c in grid}
    executor = dask_client.get_executor(pure=False)
    with run_sweep(executor, series, grid) as sweep:
        assert len(sweep.futures) == len(grid)  # Dask gets every run at once
        distributed_rows = {c: without_timing(r) for c, r in sweep}
    assert distributed_rows == serial  # exact float equality, prediction lists included
    workers = dask_client.run(os.getpid)
    assert len(set(workers.values())) == 2 and os.getpid() not in workers.values()


def test_abandoning_a_dask_sweep_clears_the_scheduler_and_a_new_sweep_runs_next(
        dask_client, series):
    executor = dask_client.get_executor(pure=False)
    grid = expand_grid(BASE, windows=[6, 8], hidden=[4, 5, 6], lrs=[0.01, 0.03],
                       seeds=range(4))  # 48 runs
    sweep = run_sweep(executor, series, grid)
    futures = list(sweep.futures)
    wait_until(lambda: active_tasks(dask_client) > 0, "the sweep to reach the scheduler")
    next(sweep)
    sweep.close()
    assert all(f.done() for f in futures)  # every run finished or cancelled, none pending
    n_cancelled = sum(f.cancelled() for f in futures)
    assert n_cancelled >= len(grid) // 2
    # The scheduler forgets the cancelled runs: nothing of the old sweep queued or processing.
    wait_until(lambda: active_tasks(dask_client) == 0, "the scheduler to drop the backlog")
    assert all(not tasks for tasks in dask_client.processing().values())

    cfg = grid[0].replace(seed=99)
    with run_sweep(executor, series, [cfg]) as fresh:
        (got_cfg, result), = list(fresh)
    assert got_cfg == cfg and "error" not in result
    assert sum(f.cancelled() for f in futures) == n_cancelled  # no cancelled run came back


def test_real_scheduler_and_worker_processes_run_a_sweep_by_address(series, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    common = dict(cwd=REPO, env=env, start_new_session=True,
                  stdout=open(tmp_path / "out.log", "w"), stderr=subprocess.STDOUT)
    procs = []
    engine = None
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(port), "--no-dashboard"], **common))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], **common))
        engine = get_engine(address, timeout=60)
        engine.client.wait_for_workers(2, timeout=120)
        assert engine.name == "dask" and engine.address == address and engine.n_workers == 2
        assert engine.max_in_flight is None  # Dask gets the whole sweep; its scheduler queues it
        grid = expand_grid(BASE, windows=[6, 8], hidden=[4], lrs=[0.01], seeds=[0, 1])
        with run_sweep(engine, series, grid) as sweep:
            rows = {c: without_timing(r) for c, r in sweep}
        assert rows == {c: without_timing(run_config(series, c)) for c in grid}
        worker_pids = set(engine.client.run(os.getpid).values())
        assert len(worker_pids) == 2
        assert not worker_pids & ({p.pid for p in procs} | {os.getpid()})  # separate processes
    finally:
        if engine is not None:
            engine.close()
        for proc in reversed(procs):  # worker first, then the scheduler
            _stop(proc)
        common["stdout"].close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process we started (and the nannies it started) by its process-group id."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its children
            proc.wait()
    try:  # nannies of `dask worker` that outlived their parent
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
