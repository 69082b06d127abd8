"""A classroom at once: N real headless-Chromium students against one real `streamlit run`.

Each student opens the Data page from a link, picks a synthetic curve, goes to Train, presses
Train and waits for the run to finish. Meanwhile a probe asks the server's health endpoint every
0.25 s: if training starved the server's event loop, that answer would come late. Reported per N:
median / p95 time to first render and to training complete, sessions finished, error elements
on the pages, exceptions in the server log, health-probe latency and the server's CPU and memory.

    python bench/bench_load.py                      # N = 1, 5, 10, 20
    python bench/bench_load.py --sessions 1 5 --epochs 20
    python bench/bench_load.py --closed-tab         # CPU of a training whose tab was closed
    python bench/bench_load.py --server-env OPENBLAS_NUM_THREADS=2   # compare a setting

Uses the system chromium (never a downloaded browser) and Playwright's async API: one browser,
one context (own cookies, own Streamlit session) per student. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from apphelpers import CHROMIUM_ARGS, StreamlitServer, chromium_path  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# (option label, series name shown on the page) of the curves the students pick in turn
CURVES = (("Sine", "sin(x)"), ("Damped oscillation", "exp(-0.2x)·sin(3x)"),
          ("x·sin(x)", "x·sin(x)"))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Probe(threading.Thread):
    """Poll the health endpoint and the server's CPU / memory until stopped."""

    def __init__(self, url: str, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.url, self.every = url, every
        self.proc = psutil.Process(pid)
        self.latencies: list[float] = []
        self.failures = 0
        self.peak_rss = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=30) as r:
                    r.read()
                self.latencies.append(time.perf_counter() - start)
            except OSError:
                self.failures += 1
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join()


async def one_student(browser, url: str, i: int, epochs: int, timeout_s: float) -> dict:
    """Open the link, pick a curve, train to the end; return the timings and errors seen."""
    out = {"first_render": None, "train": None, "finished": False, "errors": 0, "failure": ""}
    context = await browser.new_context(viewport={"width": 1100, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    label, shown = CURVES[i % len(CURVES)]
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/Data?epochs={epochs}&n_points=300&window=10&n_hidden=8&seed={i}")
        await page.wait_for_selector("h1:has-text('Data')")
        await page.wait_for_selector(IDLE)
        out["first_render"] = time.perf_counter() - start
        await page.locator(".st-key-w_synthetic_kind input").click()
        await page.get_by_role("option", name=label, exact=True).click()
        await page.wait_for_selector(f"strong:text-is('{shown}')")
        await page.wait_for_selector(IDLE)
        await page.locator('[data-testid="stSidebar"] a', has_text="Train").first.click()
        await page.wait_for_selector("h1:has-text('Train')")
        await page.wait_for_selector(IDLE)
        start = time.perf_counter()
        await page.locator(".st-key-train_btn").get_by_role("button", name="Train").click()
        await page.wait_for_selector(f"text=Trained {epochs} epochs")
        out["train"] = time.perf_counter() - start
        out["finished"] = True
    except Exception as err:  # a timeout or a crash counts as not finished, with its reason
        out["failure"] = f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"
    try:
        out["errors"] = await page.locator(ERRORS).count()
    except Exception:
        pass
    await context.close()
    return out


async def classroom(url: str, n: int, epochs: int, timeout_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        results = await asyncio.gather(*(one_student(browser, url, i, epochs, timeout_s)
                                         for i in range(n)))
        await browser.close()
    return list(results)


def log_exceptions(text: str) -> int:
    return len(re.findall(r"Traceback|Exception|Error:", text))


def measure(n: int, epochs: int, timeout_s: float, env: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with StreamlitServer(log, env={"RNNLAB_CACHE_DIR": f"{tmp}/cache", **env}) as server:
            probe = Probe(server.url, server.proc.pid)
            cpu0 = psutil.Process(server.proc.pid).cpu_times()
            probe.start()
            wall = time.perf_counter()
            results = asyncio.run(classroom(server.url, n, epochs, timeout_s))
            wall = time.perf_counter() - wall
            probe.stop()
            cpu1 = psutil.Process(server.proc.pid).cpu_times()
            text = server.log()
    renders = [r["first_render"] for r in results if r["first_render"] is not None]
    trains = [r["train"] for r in results if r["train"] is not None]
    return {
        "n": n, "finished": sum(r["finished"] for r in results), "wall": wall,
        "render_p50": percentile(renders, 50), "render_p95": percentile(renders, 95),
        "train_p50": percentile(trains, 50), "train_p95": percentile(trains, 95),
        "errors": sum(r["errors"] for r in results), "log_exceptions": log_exceptions(text),
        "health_p50": percentile(probe.latencies, 50), "health_p95": percentile(probe.latencies,
                                                                                95),
        "health_max": max(probe.latencies, default=float("nan")),
        "health_failures": probe.failures,
        "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "rss_mb": probe.peak_rss / 2**20,
        "failures": sorted({r["failure"] for r in results if r["failure"]}),
        "log_tail": text[-2000:] if log_exceptions(text) else "",
    }


def closed_tab(env: dict, busy_s: float = 3.0, settle_s: float = 2.0, idle_s: float = 5.0) -> dict:
    """Start a long training in a real tab, close the tab, sample the server's CPU time."""
    from playwright.sync_api import sync_playwright

    def cpu(proc: psutil.Process, seconds: float) -> float:
        a = proc.cpu_times()
        time.sleep(seconds)
        b = proc.cpu_times()
        return ((b.user - a.user) + (b.system - a.system)) / seconds

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with StreamlitServer(log, env={"RNNLAB_CACHE_DIR": f"{tmp}/cache", **env}) as server, \
                sync_playwright() as pw:
            proc = psutil.Process(server.proc.pid)
            before = cpu(proc, idle_s)
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{server.url}/Train?epochs=2000&n_points=1000&window=20&n_hidden=24")
            page.wait_for_selector(IDLE)
            page.locator(".st-key-train_btn").get_by_role("button", name="Train").click()
            page.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
            busy = cpu(proc, busy_s)
            left = re.search(r"about (\d+) s left", page.locator("body").inner_text())
            context.close()
            time.sleep(settle_s)
            after = cpu(proc, idle_s)
            browser.close()
    return {"idle_before": before, "training": busy, "after_close": after,
            "seconds_left_when_closed": int(left.group(1)) if left else None}


def table(rows: list[dict]) -> str:
    head = ("| N | finished | first render p50 / p95 (s) | training p50 / p95 (s) | "
            "health p50 / p95 / max (ms) | error elements | log exceptions | server CPU (s) | "
            "peak RSS (MB) | wall (s) |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['finished']}/{r['n']} | {r['render_p50']:.1f} / "
            f"{r['render_p95']:.1f} | {r['train_p50']:.1f} / {r['train_p95']:.1f} | "
            f"{r['health_p50'] * 1e3:.0f} / {r['health_p95'] * 1e3:.0f} / "
            f"{r['health_max'] * 1e3:.0f} | {r['errors']} | {r['log_exceptions']} | "
            f"{r['cpu']:.0f} | {r['rss_mb']:.0f} | {r['wall']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=300.0, help="per browser step, seconds")
    parser.add_argument("--server-env", nargs="*", default=[], metavar="KEY=VALUE",
                        help="extra environment for the server (e.g. OPENBLAS_NUM_THREADS=2)")
    parser.add_argument("--watch-files", action="store_true",
                        help="keep Streamlit's file watcher on (the development default)")
    parser.add_argument("--closed-tab", action="store_true",
                        help="measure the CPU of a training whose tab is closed, and exit")
    args = parser.parse_args()
    if chromium_path() is None:
        sys.exit("no chromium: apt-get install chromium")
    env = dict(item.split("=", 1) for item in args.server_env)
    if not args.watch_files:
        # A server whose source files are edited while sessions run evicts the changed modules
        # from sys.modules at the start of the next script run, racing other sessions' imports
        # (KeyError: 'ui.controls'). A deployed app's files do not change; measure that.
        env.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    print(f"cores: {psutil.cpu_count()}, load average: {psutil.getloadavg()}, env: {env}")
    if args.closed_tab:
        print(closed_tab(env))
        return
    rows = []
    for n in args.sessions:
        row = measure(n, args.epochs, args.timeout, env)
        rows.append(row)
        print(f"N={n}: {row['finished']}/{n} finished in {row['wall']:.0f} s"
              + (f"; failures: {row['failures']}" if row["failures"] else "")
              + (f"\n{row['log_tail']}" if row["log_tail"] else ""), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
