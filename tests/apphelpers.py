"""Shared helpers for the page tests (AppTest) and the browser tests (real server + Chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def app_test(page: str = "app.py", timeout: float = 120) -> AppTest:
    """An AppTest of one page of the app (paths relative to the repository root)."""
    return AppTest.from_file(str(ROOT / page), default_timeout=timeout)


def open_with_link(page: str, params: dict | None = None, timeout: float = 120) -> AppTest:
    """The app opened with a link's query parameters, then `page` (path from the root), as a
    student following a teacher's link; fails on any uncaught exception."""
    at = app_test("app.py", timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "app.py":
        at.switch_page(page).run()
    assert not page_errors(at), page_errors(at)
    return at


def page_errors(at: AppTest) -> list[str]:
    """Uncaught exceptions of the last run (a page must never show one)."""
    return [e.message for e in at.exception]


def texts(at: AppTest) -> str:
    """Every piece of text the page showed, in one string, for substring assertions."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "subheader", "latex", "text", "metric"):
        for el in at.get(kind):
            value = getattr(el, "value", None)
            parts.append(str(value if value is not None else getattr(el, "body", "")))
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]


class StreamlitServer:
    """`streamlit run app.py` on a free 127.0.0.1 port, its log captured, stopped on exit."""

    def __init__(self, log_path: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "StreamlitServer":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return self
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                break
        self.__exit__()
        raise RuntimeError(f"streamlit did not start; log:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


def trace_values(data):
    """A Plotly trace's x or y from a chart's JSON: a plain list, or plotly's typed array
    {"dtype", "bdata"} (base64 of the raw numbers), as a NumPy array."""
    import base64

    import numpy as np

    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.array(data, dtype=float)
