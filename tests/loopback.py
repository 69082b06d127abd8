"""A tiny HTTP server on 127.0.0.1 that stands in for the internet in tests.

    with LoopbackServer(Reply(body=csv_bytes, content_type="text/csv")) as server:
        load_fred(base_url=server.url)
        assert server.hits == ["/graph/fredgraph.csv?id=GS10"]

Modes: "serve" answers normally; "stall" reads the request and never answers (until the server
closes); "drop" sends the headers and half of the body, then hangs up; "trickle" sends the
headers and then one byte of the body every `trickle_every` seconds, never finishing.
`closed_port()` gives a port where nothing listens: a stand-in for "offline".
`redirecting_session(url)` sends every https request of a library to the loopback server.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

MODES = ("serve", "stall", "drop", "trickle")


@dataclass(frozen=True)
class Reply:
    """One canned HTTP answer."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = field(default_factory=dict)


def closed_port() -> int:
    """A local port with no server behind it (connecting gets 'connection refused')."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackServer:
    """Serve canned replies on 127.0.0.1 at a free port; count what was asked.

    routes: one Reply (or bytes) for every path, or a dict {path prefix: Reply | bytes}; the
        longest matching prefix wins and an unmatched path gets 404.
    """

    def __init__(self, routes=b"", *, mode: str = "serve", trickle_every: float = 0.2):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.trickle_every = trickle_every
        self.routes = routes if isinstance(routes, dict) else {"": routes}
        self.hits: list[str] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # a short poll interval: shutdown() waits for the next poll
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.02})

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.hits)

    def reply_for(self, path: str) -> Reply:
        matches = [prefix for prefix in self.routes if path.startswith(prefix)]
        if not matches:
            return Reply(b"not found", status=404)
        reply = self.routes[max(matches, key=len)]
        return reply if isinstance(reply, Reply) else Reply(body=bytes(reply))

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()  # releases stalled and trickling handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                with server._lock:
                    server.hits.append(self.path)
                if server.mode == "stall":
                    server._closing.wait()
                    return
                reply = server.reply_for(self.path)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if server.mode == "serve":
                    self.wfile.write(reply.body)
                elif server.mode == "drop":
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                else:  # trickle: one byte at a time, never the whole body
                    for byte in reply.body[:-1]:
                        if server._closing.wait(server.trickle_every):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    server._closing.wait()

            do_POST = do_GET

        return Handler



class _Redirect(HTTPAdapter):
    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def redirecting_session(base_url: str) -> requests.Session:
    """A requests.Session whose every https:// request goes to `base_url` (path and query kept).

    For libraries that accept a session but not an address (yfinance): every Yahoo host —
    fc.yahoo.com, query1/query2.finance.yahoo.com — lands on the loopback server.
    """
    session = requests.Session()
    session.mount("https://", _Redirect(base_url))
    return session
