"""Capacity: N students press Train at once on one real `streamlit run` server on 127.0.0.1.

Each student is a real Streamlit session over the server's own websocket (`/_stcore/stream`,
the BackMsg / ForwardMsg protobufs the browser speaks): it opens the Train page with the
default experiment, and when every student is ready they all press Train at the same moment.
A student's training time runs from its press to the page's verdict ("Trained 100 epochs: …"),
which the server sends after the run finished. Reported per N and training mode:

* training p50 / p95 / max (s), sessions finished, errors (exception elements, error alerts,
  timeouts, dropped connections, tracebacks in the server's log), and whether every student got
  the same verdict as a solo in-process run of the same experiment (bit-identical losses);
* CPU seconds of the server's process tree (the server and its loky workers, sampled from
  /proc through psutil), of the Dask scheduler and workers (their own processes), and of the
  benchmark's own client process; the health endpoint's latency while the class trains.

Modes: `server` (RNNLAB_TRAIN_WORKERS=0: training in the server's interpreter, as before issue
13), `loky` (the default: chunks on loky worker processes, one per core), `dask` (a `dask
scheduler` and `dask worker --nworkers 2 --nthreads 1` started as separate processes on
127.0.0.1, the server pointed at them with RNNLAB_DASK_ADDRESS).

    python bench/bench_capacity.py                         # N = 1, 10, 30 x server, loky, dask
    python bench/bench_capacity.py --sessions 1 10 --modes loky
    python bench/bench_capacity.py --browser-check         # one real Chromium student as well

Why not Chromium for every student: on this 2-core machine one headless Chromium page used 2.6x
the CPU of the server's whole process tree for the same student (12.4 s against 4.7 s for three
page loads and trainings; bench/README.md, "Capacity"), so 30 pages would measure Chromium.
`--browser-check` runs the real browser for one student beside the websocket student.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import Probe, log_exceptions, percentile  # noqa: E402  (puts tests/ on the path)
from apphelpers import CHROMIUM_ARGS, ROOT, StreamlitServer, chromium_path  # noqa: E402

EPOCHS = 100  # the default experiment's epochs (LabConfig)
FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
ERROR_ALERT = 1  # Alert.Format.ERROR


class Student:
    """One Streamlit session driven over the websocket, as the browser drives it."""

    def __init__(self, url: str, timeout: float):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout = timeout
        self.page_hash = ""
        self.train_id = None  # the Train button's widget id
        self.errors: list[str] = []
        self.verdict = ""
        self.ws = None

    async def open(self, page: str = "Train", query: str = "") -> None:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"],
                                           max_size=None, open_timeout=self.timeout)
        await self._rerun(page_name=page, query=query)
        await self._until_finished()

    async def press_train(self) -> float:
        """Click Train; return the seconds until the verdict of the finished run arrived."""
        start = time.perf_counter()
        await self._rerun(widgets=[WidgetState(id=self.train_id, trigger_value=True)])
        self.verdict = ""
        while not self.verdict.startswith("Trained "):
            await self._until_finished()
        return time.perf_counter() - start

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _rerun(self, *, page_name: str = "", query: str = "", widgets=()) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_script_hash = self.page_hash
        state.page_name = page_name if not self.page_hash else ""
        state.widget_states.widgets.extend(widgets)
        await self.ws.send(msg.SerializeToString())

    async def _until_finished(self) -> None:
        """Read messages until a script run finishes successfully (a run that ends early for
        a rerun, as the training loop's st.rerun() does, is followed by another run)."""
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "navigation":  # the page this session is on (a rerun names it)
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._look_at(msg.delta.new_element)
            elif kind == "script_finished" and msg.script_finished == FINISHED:
                return

    def _look_at(self, el) -> None:
        what = el.WhichOneof("type")
        if what == "button" and el.button.label == "Train":
            self.train_id = el.button.id
        elif what == "exception":
            self.errors.append(f"exception: {el.exception.message[:200]}")
        elif what == "alert":
            if el.alert.format == ERROR_ALERT:
                self.errors.append(f"error alert: {el.alert.body[:200]}")
            elif el.alert.body.startswith("Trained "):
                self.verdict = el.alert.body


async def one_student(url: str, go: asyncio.Event, ready: list, timeout: float) -> dict:
    out = {"train": None, "finished": False, "errors": [], "verdict": ""}
    student = Student(url, timeout)
    try:
        await student.open()
        ready.append(1)
        await go.wait()
        out["train"] = await student.press_train()
        out["finished"] = True
    except Exception as err:  # a timeout or a dropped connection: an error, with its reason
        student.errors.append(f"{type(err).__name__}: {str(err)[:160]}")
    finally:
        await student.close()
    out["errors"], out["verdict"] = student.errors, student.verdict
    return out


async def classroom(url: str, n: int, timeout: float) -> list[dict]:
    go, ready = asyncio.Event(), []
    tasks = [asyncio.create_task(one_student(url, go, ready, timeout)) for _ in range(n)]
    while len(ready) < n and not all(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    go.set()  # everyone presses Train at the same moment
    return list(await asyncio.gather(*tasks))


class TreeCPU(threading.Thread):
    """CPU seconds (user + system) of processes and all their descendants, sampled every
    0.2 s so that a process that exits meanwhile still counts with its last reading."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.roots = [psutil.Process(p) for p in pids]
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._halt = threading.Event()
        self._sample(into=self.base)

    def _sample(self, into: dict) -> None:
        for root in self.roots:
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for p in procs:
                try:
                    t = p.cpu_times()
                    into[p.pid] = t.user + t.system
                except psutil.NoSuchProcess:
                    pass

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self._sample(into=self.last)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        self._sample(into=self.last)
        return sum(v - self.base.get(pid, 0.0) for pid, v in self.last.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """`dask scheduler` and `dask worker` as separate processes, reached by address."""

    def __init__(self, log: Path, n_workers: int = 2):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log, self.n_workers = log, n_workers
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> "DaskCluster":
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1"}
        self._out = open(self.log, "w")
        common = dict(cwd=ROOT, env=env, start_new_session=True, stdout=self._out,
                      stderr=subprocess.STDOUT)
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-dashboard"], **common))
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nworkers",
             str(self.n_workers), "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            **common))
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(self.n_workers, timeout=120)
        return self

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):  # the worker (and its nannies) first
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
            except ProcessLookupError:
                pass
            proc.wait()
        self._out.close()


def reference_verdict() -> str:
    """The verdict a solo run of the default experiment in this process gets."""
    sys.path.insert(0, str(ROOT))
    from threadpoolctl import threadpool_limits

    from rnn_core.config import LabConfig
    from rnn_core.datasets import load_series
    from rnn_core.experiment import Run, prepare

    cfg = LabConfig()
    series = load_series(cfg)
    run = Run(prepare(series.values, cfg, series.units))
    with threadpool_limits(limits=1, user_api="blas"):
        run.train(cfg.epochs)
    r, m = run.rnn_history, run.mlp_history
    return (f"RNN {run.task.rnn_loss_label} {r.start_loss:.3g} → {r.train_loss[-1]:.3g}; "
            f"MLP {run.task.mlp_loss_label} {m.start_loss:.3g} → {m.train_loss[-1]:.3g}")


def measure(n: int, mode: str, timeout: float, expected: str) -> dict:
    env = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    if mode == "server":
        env["RNNLAB_TRAIN_WORKERS"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        env["RNNLAB_CACHE_DIR"] = f"{tmp}/cache"
        cluster = DaskCluster(Path(tmp) / "dask.log") if mode == "dask" else None
        try:
            if cluster is not None:
                cluster.__enter__()
                env["RNNLAB_DASK_ADDRESS"] = cluster.address
            with StreamlitServer(Path(tmp) / "server.log", env=env) as server:
                # one student first (not counted): workers started, modules imported, as on a
                # server that has been up for a while
                warm = asyncio.run(classroom(server.url, 1, timeout))[0]
                if not warm["finished"]:
                    raise RuntimeError(f"the warm-up student failed: {warm['errors']}")
                tree = TreeCPU([server.proc.pid])
                dask_cpu = TreeCPU([p.pid for p in cluster.procs]) if cluster else None
                probe = Probe(server.url, server.proc.pid)
                probe.start()
                tree.start()
                if dask_cpu:
                    dask_cpu.start()
                client0, wall = time.process_time(), time.perf_counter()
                results = asyncio.run(classroom(server.url, n, timeout))
                wall, client_cpu = time.perf_counter() - wall, time.process_time() - client0
                server_cpu = tree.stop()
                cluster_cpu = dask_cpu.stop() if dask_cpu else 0.0
                probe.stop()
                text = server.log()
        finally:
            if cluster is not None:
                cluster.__exit__()
    trains = [r["train"] for r in results if r["train"] is not None]
    errors = sorted({e for r in results for e in r["errors"]})
    return {
        "n": n, "mode": mode, "finished": sum(r["finished"] for r in results), "wall": wall,
        "p50": percentile(trains, 50), "p95": percentile(trains, 95),
        "max": max(trains, default=float("nan")),
        "errors": sum(len(r["errors"]) for r in results) + log_exceptions(text),
        "same": sum(expected in r["verdict"] for r in results),
        "server_cpu": server_cpu, "cluster_cpu": cluster_cpu, "client_cpu": client_cpu,
        "health_p95": percentile(probe.latencies, 95),
        "health_max": max(probe.latencies, default=float("nan")),
        "detail": errors[:5], "log_tail": text[-1500:] if log_exceptions(text) else "",
    }


def browser_check(timeout: float) -> dict:
    """One real Chromium student (N = 1, loky) against a fresh server: its press-to-verdict
    time, and the CPU the browser used meanwhile, next to the websocket student's."""
    from playwright.sync_api import sync_playwright

    env = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    with tempfile.TemporaryDirectory() as tmp:
        env["RNNLAB_CACHE_DIR"] = f"{tmp}/cache"
        with StreamlitServer(Path(tmp) / "server.log", env=env) as server:
            ws_times = [asyncio.run(classroom(server.url, 1, timeout))[0]["train"]
                        for _ in range(3)]  # before Playwright: it runs an event loop
            with sync_playwright() as pw:
                return _browser_student(pw, server, timeout, ws_times)


def _browser_student(pw, server, timeout: float, ws_times: list) -> dict:
    """Three presses of Train in one real Chromium page; the CPU of the browser's processes
    (started in the TreeCPU: the renderers are its children) and of the server meanwhile."""
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    chrome = TreeCPU([p.pid for p in psutil.Process().children(recursive=True)
                      if "chrom" in p.name().lower()])
    server_tree = TreeCPU([server.proc.pid])
    chrome.start()
    server_tree.start()
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.set_default_timeout(timeout * 1000)
    times = []
    for _ in range(3):
        page.goto(f"{server.url}/Train")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        start = time.perf_counter()
        page.locator(".st-key-train_btn").get_by_role("button", name="Train").click()
        page.wait_for_selector(f"text=Trained {EPOCHS} epochs")
        times.append(time.perf_counter() - start)
    browser_cpu, server_cpu = chrome.stop(), server_tree.stop()
    browser.close()
    return {"browser_train": times, "ws_train": ws_times, "browser_cpu": browser_cpu,
            "server_cpu_during_browser": server_cpu}


def table(rows: list[dict]) -> str:
    lines = ["| N | training on | finished | training p50 / p95 / max (s) | errors | same "
             "numbers as solo | server tree CPU (s) | Dask CPU (s) | client CPU (s) | health "
             "p95 / max (ms) | wall (s) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    where = {"server": "server (in-process)", "loky": "loky workers", "dask": "Dask cluster"}
    for r in rows:
        lines.append(
            f"| {r['n']} | {where[r['mode']]} | {r['finished']}/{r['n']} | {r['p50']:.2f} / "
            f"{r['p95']:.2f} / {r['max']:.2f} | {r['errors']} | {r['same']}/{r['n']} | "
            f"{r['server_cpu']:.1f} | {r['cluster_cpu']:.1f} | {r['client_cpu']:.1f} | "
            f"{r['health_p95'] * 1e3:.0f} / {r['health_max'] * 1e3:.0f} | {r['wall']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--modes", nargs="+", default=["server", "loky", "dask"],
                        choices=["server", "loky", "dask"])
    parser.add_argument("--timeout", type=float, default=600.0, help="per message, seconds")
    parser.add_argument("--browser-check", action="store_true",
                        help="also time one real Chromium student (needs /usr/bin/chromium)")
    args = parser.parse_args()
    print(f"cores: {psutil.cpu_count()}, load average: {psutil.getloadavg()}", flush=True)
    expected = reference_verdict()
    print(f"solo verdict: {expected}", flush=True)
    if args.browser_check:
        print(browser_check(args.timeout), flush=True)
    rows = []
    for n in args.sessions:
        for mode in args.modes:
            row = measure(n, mode, args.timeout, expected)
            rows.append(row)
            print(f"N={n} {mode}: {row['finished']}/{n} finished, p50 {row['p50']:.2f} s, "
                  f"errors {row['errors']} {row['detail'] or ''}, load {psutil.getloadavg()}"
                  + (f"\n{row['log_tail']}" if row["log_tail"] else ""), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
