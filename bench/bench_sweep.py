"""The same 100-run sweep serially, on loky, on a local Dask cluster and on a Dask cluster
reached by address (real `dask scheduler` / `dask worker` processes); prints a Markdown table.

    python bench/bench_sweep.py                       # from the repo root; ~5 min on 2 cores
    python bench/bench_sweep.py --epochs 3 --rounds 1 # a quick smoke run

Every engine's results are checked to be bit-identical to the serial loop's. Workers are
warmed up (started, rnn_core imported) before timing, as on a running server. The engines are
timed in turn, `--rounds` times, and each one's fastest sweep is reported: other programs on a
shared machine slow some rounds down, never speed one up.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rnn_core.config import LabConfig  # noqa: E402
from rnn_core.executors import get_engine, local_engine  # noqa: E402
from rnn_core.sweep import expand_grid, run_sweep, run_task  # noqa: E402


def grid(epochs: int) -> list[LabConfig]:
    """5 windows x 2 hidden sizes x 2 learning rates x 5 seeds = 100 runs of ~0.3-1 s."""
    return expand_grid(LabConfig(epochs=epochs), windows=[10, 20, 30, 40, 50], hidden=[10, 20],
                       lrs=[0.003, 0.01], seeds=range(5))


def strip(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "seconds"}


def timed_sweep(engine_or_executor, series, configs) -> tuple[float, float, dict]:
    """(wall seconds, mean seconds of one run measured inside the task, results)."""
    t0 = time.perf_counter()
    with run_sweep(engine_or_executor, series, configs) as sweep:
        results = dict(sweep)
    wall = time.perf_counter() - t0
    return wall, float(np.mean([r["seconds"] for r in results.values()])), \
        {c: strip(r) for c, r in results.items()}


def serial_loop(series, configs) -> tuple[float, float, dict]:
    """The plain loop in this process, BLAS limited to one thread like each sweep task."""
    t0 = time.perf_counter()
    results = {c: run_task(series, c) for c in configs}
    wall = time.perf_counter() - t0
    return wall, float(np.mean([r["seconds"] for r in results.values()])), \
        {c: strip(r) for c, r in results.items()}


def warm_up(engine_or_executor, series, n: int) -> None:
    """Start every worker and import rnn_core there, outside the timed part."""
    tiny = LabConfig(epochs=1, n_hidden=2, window=4)
    with run_sweep(engine_or_executor, series, [tiny.replace(seed=s) for s in range(2 * n)]) as sw:
        list(sw)


def busy_loop(_=None) -> float:
    """Seconds of a fixed pure-NumPy loop (small matrices, like one RNN step)."""
    a = np.random.default_rng(0).standard_normal((20, 20))
    t0 = time.perf_counter()
    for _ in range(40_000):
        a = np.tanh(a @ a * 0.05)
    return time.perf_counter() - t0


def cores_available(loky_engine) -> float:
    """How many cores the machine gives us now: 2 x (one loop alone) / (two loops at once).

    2.0 on an idle 2-core machine; about 1.0 when other programs keep one core busy. The best
    speed-up any engine can show is this number.
    """
    alone = busy_loop()
    together = [f.result() for f in [loky_engine.executor.submit(busy_loop) for _ in range(2)]]
    return 2 * alone / max(together)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster_processes(port: int) -> list[subprocess.Popen]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    address = f"tcp://127.0.0.1:{port}"
    opts = dict(cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    return [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                              "127.0.0.1", "--port", str(port), "--no-dashboard"], **opts),
            subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                              "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                              "--host", "127.0.0.1"], **opts)]


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # nannies left behind, if any
        except ProcessLookupError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25, help="epochs per run (default 25)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timings per engine, interleaved; the fastest is reported")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    x = np.linspace(0.01, 6.0, 600)
    series = pd.Series(x * np.sin(x), index=x)
    configs = grid(args.epochs)
    print(f"{len(configs)} runs, epochs={args.epochs}, {os.cpu_count()} cores, "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)

    port = free_port()
    procs = start_cluster_processes(port)
    loky = local_engine(2)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", host="127.0.0.1")
    client = Client(cluster, set_as_default=False)
    try:
        by_address = get_engine(f"tcp://127.0.0.1:{port}", timeout=60)
        by_address.client.wait_for_workers(2, timeout=120)
        engines = {
            "serial loop (this process)": None,
            "loky, 2 worker processes": loky,
            "Dask LocalCluster, 2 workers x 1 thread": client.get_executor(pure=False),
            "Dask by address: `dask scheduler` + `dask worker --nworkers 2 --nthreads 1`":
                by_address,
        }
        for engine in engines.values():
            if engine is not None:
                warm_up(engine, series, 2)
        best: dict[str, tuple[float, float]] = {}
        reference = None
        identical = {name: True for name in engines}
        capacity = []
        for r in range(args.rounds):
            capacity.append(cores_available(loky))
            print(f"round {r + 1}: cores available {capacity[-1]:.2f}", flush=True)
            for name, engine in engines.items():
                wall, per_run, rows = (serial_loop(series, configs) if engine is None
                                       else timed_sweep(engine, series, configs))
                reference = reference or rows
                identical[name] &= rows == reference
                if name not in best or wall < best[name][0]:
                    best[name] = (wall, per_run)
                print(f"round {r + 1}: {name}: {wall:.1f} s (one run {per_run:.2f} s), "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        by_address.close()
    finally:
        client.close()
        cluster.close()
        loky.close()
        stop(procs)

    serial = best["serial loop (this process)"][0]
    print(f"\nload average after: {os.getloadavg()[0]:.2f}; cores available per round "
          f"(the ceiling of any speed-up): {', '.join(f'{c:.2f}' for c in capacity)}\n")
    print("| engine | 100 runs (s) | runs / s | one run, inside the task (s) | speed-up vs "
          "serial | identical to serial |")
    print("|---|---:|---:|---:|---:|---|")
    for name, (wall, per_run) in best.items():
        print(f"| {name} | {wall:.1f} | {len(configs) / wall:.2f} | {per_run:.2f} | "
              f"{serial / wall:.2f}x | {'yes' if identical[name] else 'NO'} |")


if __name__ == "__main__":
    main()
