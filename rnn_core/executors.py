"""Where sweeps run: local worker processes (loky), or a Dask cluster when one is configured.

Both are offered through the standard `concurrent.futures.Executor` interface (`submit` returns
a `Future`), so `rnn_core.sweep` is written once and does not care which one it is given.

    get_engine()                       -> loky: one worker process per local core
    get_engine("tcp://10.0.0.5:8786")  -> the Dask scheduler at that address
    RNNLAB_DASK_ADDRESS=tcp://...      -> the same, chosen by the environment

A server needs one engine for all its visitors. A Dask `Client` is awaitable, which
`st.cache_resource` refuses to cache, so the app caches the small `Engine` holder instead.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import Executor

from rnn_core.i18n import _
from rnn_core.words import counted

ADDRESS_ENV = "RNNLAB_DASK_ADDRESS"
IDLE_TIMEOUT = 300  # seconds an idle loky worker waits before exiting (a restart costs ~1 s)
CONNECT_TIMEOUT = 10  # seconds to wait for a Dask scheduler to answer


class EngineError(ValueError):
    """The configured Dask scheduler could not be reached; the message says what to do."""


class Engine:
    """One executor for the whole server, with a name to show and a way to close it.

    executor: a `concurrent.futures.Executor`; name: "loky" or "dask"; address: the Dask
    scheduler's address (None for loky); n_workers: tasks that can run at the same time;
    note: plain words for the page ("" when there is nothing to say); max_in_flight: how
    many runs a sweep should keep submitted at once (None: all, see `Feeder`).
    """

    def __init__(self, executor: Executor, name: str, *, n_workers: int, address: str | None = None,
                 client=None, note: str = ""):
        self.executor = executor
        self.name = name
        self._n_workers = n_workers
        self.address = address
        self.client = client  # the Dask Client, kept so close() can release it
        self.note = note
        self.max_in_flight = None if client is not None else n_workers + 1

    @property
    def n_workers(self) -> int:
        """Runs that can execute at once; a Dask cluster's count follows workers joining."""
        if self.client is not None:
            return sum(self.client.nthreads().values())
        return self._n_workers

    def describe(self) -> str:
        """One line for the page, e.g. 'dask at tcp://127.0.0.1:8786, 4 workers'."""
        where = _(" at {address}").format(address=self.address) if self.address \
            else _(" on this machine")
        return _("{engine}{where}, {workers}").format(engine=self.name, where=where,
                                                      workers=counted(self.n_workers, 'worker'))

    def close(self) -> None:
        """Release the workers (loky) or the connection to the scheduler (Dask)."""
        self.executor.shutdown(wait=False)  # Dask: also cancels this client's unfinished runs
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Engine({self.describe()!r})"


def local_engine(n_workers: int | None = None) -> Engine:
    """Loky's reusable process pool on this machine: `n_workers` processes (default: all cores).

    Workers are separate processes, so NumPy code runs truly in parallel (no GIL), and they
    stay alive between sweeps, so only the first sweep pays for starting them.
    """
    from joblib.externals.loky import cpu_count, get_reusable_executor

    n = cpu_count() if n_workers is None else int(n_workers)
    if n < 1:
        raise ValueError(f"A local engine needs at least 1 worker, not {n_workers!r}")
    executor = get_reusable_executor(max_workers=n, timeout=IDLE_TIMEOUT)
    return Engine(executor, "loky", n_workers=n)


def dask_engine(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Engine:
    """Connect to a running Dask scheduler (e.g. "tcp://10.0.0.5:8786").

    Its workers must be able to `import rnn_core`: start them from the repository root, or after
    `pip install .`. Raises EngineError when nobody answers at the address.
    """
    from distributed import Client

    address = str(address).strip()
    if not address:
        raise EngineError(_("The Dask scheduler address is empty: give one like tcp://host:8786"))
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise EngineError(
            _("Could not reach a Dask scheduler at {address} ({err}). Start one with `dask "
              "scheduler` and `dask worker {address}`, or unset {ADDRESS_ENV} to run on this "
              "machine's cores.").format(address=address, err=err,
                                         ADDRESS_ENV=ADDRESS_ENV)) from err
    # pure=False: every submission is its own task, so cancelling one visitor's sweep can
    # never cancel an identical run that another visitor submitted.
    executor = client.get_executor(pure=False)
    n = sum(client.nthreads().values())
    note = "" if n else _("The Dask scheduler has no workers yet: runs wait until one joins.")
    return Engine(executor, "dask", n_workers=n, address=address, client=client, note=note)


def get_engine(address: str | None = None, *, fallback: bool = False,
               timeout: float = CONNECT_TIMEOUT) -> Engine:
    """The sweep engine: Dask at `address` (or $RNNLAB_DASK_ADDRESS) if given, else loky.

    fallback=True turns an unreachable scheduler into a local engine whose `note` says so
    (what a dashboard wants); otherwise EngineError is raised. timeout: seconds to wait for
    the scheduler to answer.
    """
    address = address or os.environ.get(ADDRESS_ENV, "").strip() or None
    if address is None:
        return local_engine()
    try:
        return dask_engine(address, timeout=timeout)
    except EngineError as err:
        if not fallback:
            raise
        engine = local_engine()
        engine.note = _("{err} Running on this machine's cores instead.").format(err=err)
        return engine


class Feeder:
    """Hands `fn(*args, item)` for each item to an executor, at most `limit` at a time.

    futures: dict Future -> item, every run submitted so far (in submission order); unseen:
    those not yet taken by the consumer. Each finished run submits the next one from a done
    callback, so the workers stay busy however slowly the results are read. limit=None submits
    everything at once (right for Dask, whose scheduler cancels a backlog cleanly). A limit
    matters for loky: runs already handed to its call queue (up to 2 × workers + 1) can no
    longer be cancelled, so keeping only workers + 1 submitted bounds what an abandoned sweep
    leaves behind to about one run per worker.
    """

    def __init__(self, executor: Executor, fn, items, *, args=(), limit: int | None = None):
        self.executor, self.fn, self.args = executor, fn, tuple(args)
        self.queue = deque(items)  # not yet submitted
        self.total = len(self.queue)
        self.limit = self.total if limit is None else max(int(limit), 1)
        self.futures: dict = {}
        self.unseen: dict = {}
        self.in_flight = 0
        self.closed = False
        self.error: BaseException | None = None  # a refill that the executor refused
        self.lock = threading.RLock()  # RLock: a future done at once runs its callback inline
        with self.lock:
            self._fill()
            if self.error is not None:
                self.close()
                raise self.error

    def _fill(self) -> None:
        """Submit until `limit` runs are in flight (the caller holds the lock)."""
        while self.queue and not self.closed and self.error is None and self.in_flight < self.limit:
            item = self.queue.popleft()
            try:
                future = self.executor.submit(self.fn, *self.args, item)
            except BaseException as err:  # e.g. the executor was shut down
                self.error = err
                return
            self.in_flight += 1
            self.futures[future] = item
            self.unseen[future] = item
            future.add_done_callback(self._on_done)

    def _on_done(self, future) -> None:
        with self.lock:
            self.in_flight -= 1
            self._fill()

    def take(self, future):
        """Mark a finished future as read; return its item."""
        with self.lock:
            return self.unseen.pop(future)

    def waiting(self) -> list:
        """Submitted futures not yet read, in submission order."""
        with self.lock:
            return list(self.unseen)

    def unfinished(self) -> list:
        """Submitted futures neither finished nor cancelled."""
        with self.lock:
            return [f for f in self.futures if not f.done()]

    def close(self) -> int:
        """Submit nothing more and cancel every run not finished; return how many cancelled."""
        with self.lock:
            self.closed = True
            self.queue.clear()
            futures = list(self.futures)
        return sum(f.cancel() for f in futures if not f.done())
