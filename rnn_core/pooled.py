"""Live training off the server's interpreter: a run trained in chunks of epochs on workers.

Streamlit runs every student's script in a thread of one Python process, so training there
gives a whole class one core (the interpreter lock). Here a run goes, pickled, to a worker of an
`Engine` (loky processes on this machine, or the Dask cluster), trains a chunk of epochs there
and comes back; the page redraws between chunks:

    trainer = LiveTraining(run, pool, lane)            # pool None: train in this process
    trainer.train(epochs, on_chunk=redraw, tick=keep_alive)
    trainer.run                                        # the newest state (also after an error)

* **Same numbers.** A chunk is `Run.train(k)` in another process: the trainer shuffles epoch e
  with `default_rng([seed, e])` (e counted from the start of the run), so how the epochs are cut
  into chunks changes nothing; BLAS runs on one thread in the worker, as in the server.
* **Chunk size.** The first chunk is FIRST_CHUNK epoch; then k = chunk_seconds ÷ the epoch time
  the worker measured, at most GROWTH times the previous chunk, so a redraw comes about every
  chunk_seconds. A chunk also lasts at least as long as the last redraw took: when many
  sessions share the server's interpreter their redraws slow down, and their chunks grow, so
  the server spends no more time drawing than the workers spend training.
* **Limits** (the policy). A session has one chunk in flight at a time (its `Lane`), so one
  student uses at most one worker. The server has at most `Pool.max_chunks` chunks in flight
  (default: one per worker); sessions beyond that wait in arrival order (`Gate`), so every
  student gets a chunk in turn and nobody's run starves.
* **Never stuck.** Every wait (for a turn, for a chunk) has a deadline; a worker that dies, a
  cluster that goes away or a deadline passed moves the rest of the run into this process,
  from the last chunk that came back, and `note` says so in plain words.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from typing import Callable

from threadpoolctl import threadpool_limits

from rnn_core.executors import IDLE_TIMEOUT, Engine
from rnn_core.i18n import current_language, in_language
from rnn_core.train import TrainingDiverged
from rnn_core.words import counted

WORKERS_ENV = "RNNLAB_TRAIN_WORKERS"  # "0": train in the server's process; N: at most N chunks
CHUNK_SECONDS = 0.2  # training time of one chunk: the page redraws between chunks
FIRST_CHUNK = 1  # epochs of the first chunk, before any epoch has been timed
GROWTH = 4  # a chunk has at most this many times the epochs of the one before
POLL_SECONDS = 0.25  # how often a waiting session calls tick() (Streamlit's yield point)
CHUNK_TIMEOUT = 60.0  # seconds a chunk may take beyond TIMEOUT_FACTOR x its expected time
TIMEOUT_FACTOR = 20
QUEUE_TIMEOUT = 120.0  # seconds a session waits for its turn before training here instead

Tick = Callable[[str], None]


def train_workers_setting(raw: str | None) -> int | None:
    """$RNNLAB_TRAIN_WORKERS read: None (unset or "auto": every worker), 0 (train in the
    server's process) or N > 0 (at most N chunks at once). ValueError for anything else."""
    text = (raw or "").strip().lower()
    if text in ("", "auto"):
        return None
    if text.isdigit():
        return int(text)
    raise ValueError(f"{WORKERS_ENV}={raw!r} is not understood: use 0 (train in the server's "
                     "process), a whole number of workers, or leave it unset.")


# ----- the worker's side -------------------------------------------------------------------------
@dataclass
class Chunk:
    """What a worker sends back. run: the run after the chunk, without its `prepared` data (the
    server has it); epochs: epochs trained in the chunk; seconds: their training time; error:
    a TrainingDiverged (then `run` is back at its last sane epoch), else None; pid: the
    worker's process; started / ended: wall-clock times (time.time()) of the training."""

    run: object
    epochs: int
    seconds: float
    error: TrainingDiverged | None
    pid: int
    started: float
    ended: float


def train_chunk(run, epochs: int) -> Chunk:
    """In a worker: train a Run (a copy the executor sent) `epochs` more epochs on one BLAS
    thread, and send it back."""
    first, error = run.epochs_done, None
    started, t0 = time.time(), time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            run.train(epochs)
        except TrainingDiverged as err:
            error = err
    seconds, ended = time.perf_counter() - t0, time.time()
    run.prepared = None  # the server keeps the data; only the trained state travels back
    return Chunk(run, run.epochs_done - first, seconds, error, os.getpid(), started, ended)


# ----- limits: a session's lane and the server's gate --------------------------------------------
class Gate:
    """At most `limit()` holders at once; waiters are served in the order they arrived.

    acquire() waits for a turn, calling tick(status) about every POLL_SECONDS while it waits (a
    page's yield point); it returns False when `timeout` seconds pass first.
    """

    def __init__(self, limit: Callable[[], int]):
        self.limit = limit
        self.holders = 0
        self._queue: deque = deque()
        self._cond = threading.Condition()

    def acquire(self, timeout: float, tick: Tick | None = None, status: str = "") -> bool:
        ticket = object()
        deadline = time.monotonic() + timeout
        with self._cond:
            self._queue.append(ticket)
        try:
            while True:
                with self._cond:
                    if self._queue[0] is ticket and self.holders < max(self.limit(), 1):
                        self._queue.popleft()
                        self.holders += 1
                        self._cond.notify_all()  # the next in line may fit as well
                        return True
                    if time.monotonic() >= deadline:
                        return False
                    ahead = self._queue.index(ticket)
                    self._cond.wait(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
                if tick is not None and status:
                    tick(status.format(ahead=ahead))
        finally:
            with self._cond:
                if ticket in self._queue:  # timed out, or tick() raised (the page was left)
                    self._queue.remove(ticket)
                    self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self.holders -= 1
            self._cond.notify_all()

    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)


class Lane(Gate):
    """One session's lane: one chunk in flight at a time (a rerun's new loop waits for the
    chunk its interrupted predecessor left running)."""

    def __init__(self):
        super().__init__(lambda: 1)


class _Turn:
    """A lane and a gate place held for one chunk; released once, by whoever comes first (the
    trainer reading the result, the chunk's done callback, or the trainer giving up on it)."""

    def __init__(self, lane: Lane, gate: Gate):
        self._held = [lane, gate]
        self._lock = threading.Lock()

    def release(self, *_future) -> None:
        with self._lock:
            held, self._held = self._held, []
        for limit in held:
            limit.release()


# ----- the server's pool -------------------------------------------------------------------------
class Pool:
    """The workers live training may use: an Engine's executor and the server-wide Gate.

    max_chunks: chunks in flight at once across every session (None: one per worker of the
    engine; a Dask cluster's count is read when a run starts). chunk_timeout / queue_timeout:
    see CHUNK_TIMEOUT / QUEUE_TIMEOUT (tests make them short).
    """

    def __init__(self, engine: Engine, *, max_chunks: int | None = None,
                 chunk_timeout: float = CHUNK_TIMEOUT, queue_timeout: float = QUEUE_TIMEOUT):
        self.engine = engine
        self.fixed = max_chunks
        self.chunk_timeout, self.queue_timeout = chunk_timeout, queue_timeout
        self._workers = self._count_workers()
        self.gate = Gate(lambda: self.max_chunks)
        self._stale = False  # a loky pool a dead worker broke: get a fresh one next time
        self.chunks_done = 0  # chunks that came back, and the processes that trained them
        self.worker_pids: set[int] = set()
        self._lock = threading.Lock()

    @property
    def max_chunks(self) -> int:
        return self.fixed or self._workers

    def _count_workers(self) -> int:
        try:
            return self.engine.n_workers
        except Exception:  # a Dask scheduler that went away
            return 0

    def where(self) -> str:
        """Where a chunk trains, in words: 'on 2 worker processes', 'on the Dask cluster at …'."""
        if self.engine.client is not None:
            return f"on the Dask cluster at {self.engine.address}"
        return f"on {counted(self.engine.n_workers, 'worker process', 'worker processes')}"

    def unavailable(self) -> str:
        """Why a new run cannot use the pool, in words ("" when it can)."""
        client = self.engine.client
        if client is not None:
            if getattr(client, "status", "running") != "running":
                return f"The Dask cluster at {self.engine.address} is not connected"
            self._workers = self._count_workers()
            if not self._workers:
                return f"The Dask cluster at {self.engine.address} has no workers"
        return ""

    def executor(self):
        if self._stale and self.engine.client is None:
            from joblib.externals.loky import get_reusable_executor

            # loky hands out a new pool when the old one is broken; the sweeps share it
            self.engine.executor = get_reusable_executor(max_workers=self.engine.n_workers,
                                                         timeout=IDLE_TIMEOUT)
            self._stale = False
        return self.engine.executor

    def broken(self) -> None:
        self._stale = True

    def record(self, chunk: Chunk) -> None:
        with self._lock:
            self.chunks_done += 1
            self.worker_pids.add(chunk.pid)


def pool_from_env(engine_factory: Callable[[], Engine], raw: str | None = None) -> tuple:
    """(Pool or None, note) from $RNNLAB_TRAIN_WORKERS (or `raw`): None with "0", and with a
    note when the setting cannot be read (training then stays in the server's process)."""
    raw = os.environ.get(WORKERS_ENV) if raw is None else raw
    try:
        cap = train_workers_setting(raw)
    except ValueError as err:
        return None, str(err)
    if cap == 0:
        return None, ""
    return Pool(engine_factory(), max_chunks=cap), ""


class _PoolFailed(Exception):
    """The pool could not train the next chunk; the message is the note for the page."""


# ----- one run, trained live ---------------------------------------------------------------------
class LiveTraining:
    """Trains one run in chunks, on the pool if there is one, else in this process.

    run: the run to train (this trainer owns it; pass a snapshot). pool: a Pool, or None to
    train here; lane: the session's Lane (one chunk in flight per session). After train(),
    `run` is the newest state, also after TrainingDiverged (the last sane epoch); `note` says
    why training moved to the server ("" when it did not).
    """

    def __init__(self, run, pool: Pool | None = None, lane: Lane | None = None, *,
                 chunk_seconds: float = CHUNK_SECONDS):
        self.run = run
        self.pool = pool
        self.lane = lane if lane is not None else Lane()
        self.chunk_seconds = chunk_seconds
        self.lang = current_language()  # the workers write their messages in the student's
        self.note = ""
        self.reason = ""  # the note's first part: why training moved to the server
        self.failure: BaseException | None = None  # the error behind it, for logs and tests
        self.pids: set[int] = set()  # the worker processes that trained a chunk
        self.chunks: list[Chunk] = []  # every chunk that came back, for tests and benchmarks
        if pool is not None and (why := pool.unavailable()):
            self._fall_back(why, f"{why}; training runs on the server.")

    @property
    def where(self) -> str:
        return self.pool.where() if self.pool is not None else "on the server"

    def train(self, epochs: int, on_chunk: Callable | None = None,
              tick: Tick | None = None) -> None:
        """Train `epochs` more epochs. on_chunk(run) after each chunk (run is the caller's to
        keep: the trainer never changes it again); returning False stops. tick(status) about
        every POLL_SECONDS while waiting for a worker. Raises TrainingDiverged as Run.train."""
        target = self.run.epochs_done + epochs
        if self.pool is not None:
            try:
                return self._train_pooled(target, on_chunk, tick)
            except _PoolFailed as failed:
                self.failure = failed.__cause__ or failed
                self._fall_back(str(failed), f"{failed}; training continues on the server from "
                                f"epoch {self.run.epochs_done}, with the model trained so far.")
        self._train_here(target, on_chunk)

    def _fall_back(self, reason: str, note: str) -> None:
        self.reason, self.note = reason, note
        self.pool = None

    # -- in this process: today's loop, a checkpoint about every chunk_seconds --
    def _train_here(self, target: int, on_chunk) -> None:
        work = self.run.snapshot()  # the last state handed out stays as it was
        self.run = work
        last, redraw = time.perf_counter(), 0.0
        while work.epochs_done < target:
            work.train(1)  # TrainingDiverged leaves `work` at its last sane epoch
            if work.epochs_done < target and \
                    time.perf_counter() - last < max(self.chunk_seconds, redraw):
                continue
            drawn = time.perf_counter()
            if on_chunk is not None and on_chunk(work.snapshot()) is False:
                return
            last = time.perf_counter()
            redraw = last - drawn  # as on the pool: train at least as long as a redraw takes

    # -- on the pool --
    def _train_pooled(self, target: int, on_chunk, tick) -> None:
        k = min(FIRST_CHUNK, target - self.run.epochs_done)
        redraw = 0.0  # wall time of the last on_chunk (the page's redraw)
        pending = self._submit(self.run, k, tick, wait_for_turn=True) if k > 0 else None
        try:
            while pending is not None:
                chunk = self._result(pending, tick)
                pending = None
                back = chunk.run
                back.prepared = self.run.prepared
                self.run = back
                self.chunks.append(chunk)
                self.pids.add(chunk.pid)
                self.pool.record(chunk)
                if chunk.error is not None:
                    raise chunk.error  # `back` is at its last sane epoch
                left = target - back.epochs_done
                if left > 0:  # submit the next chunk before redrawing, if a turn is free now
                    per_epoch = chunk.seconds / max(chunk.epochs, 1)
                    seconds = max(self.chunk_seconds, redraw)
                    k = int(min(left, GROWTH * max(chunk.epochs, 1),
                                max(seconds / max(per_epoch, 1e-9), 1)))
                    pending = self._submit(back, k, tick, wait_for_turn=False)
                drawn = time.perf_counter()
                if on_chunk is not None and on_chunk(back) is False:
                    return  # the finally cancels the chunk submitted meanwhile
                redraw = time.perf_counter() - drawn
                if left > 0 and pending is None:
                    pending = self._submit(back, k, tick, wait_for_turn=True)
        finally:
            if pending is not None:  # a chunk nobody will read: cancelled if it has not
                pending[0].cancel()  # started; a running one finishes and gives its turn back

    def _submit(self, run, epochs: int, tick, *, wait_for_turn: bool):
        """(future, turn, deadline) of a chunk submitted; None when no turn is free and
        wait_for_turn is False; _PoolFailed when a turn does not come in time or the executor
        refuses. The turn is given back when the chunk ends (its done callback), however the
        caller's wait ends."""
        pool = self.pool
        timeout = pool.queue_timeout if wait_for_turn else 0.0
        deadline = time.monotonic() + timeout
        if not self.lane.acquire(timeout, tick, "waiting for your previous chunk"):
            if wait_for_turn:
                raise _PoolFailed(f"Your previous chunk did not come back for {timeout:.3g} s")
            return None
        try:
            got = pool.gate.acquire(max(deadline - time.monotonic(), 0.0), tick,
                                    "waiting for a free worker ({ahead} ahead)")
        except BaseException:  # tick() raised: the page was left or rerun
            self.lane.release()
            raise
        if not got:
            self.lane.release()
            if wait_for_turn:
                raise _PoolFailed(f"Every training worker was busy for {timeout:.3g} s")
            return None
        turn = _Turn(self.lane, pool.gate)
        try:
            frozen = run.snapshot()  # the executor serialises it later, in its own thread
            try:
                future = pool.executor().submit(in_language, self.lang, train_chunk, frozen,
                                                epochs)
            except Exception:  # loky: a pool a dead worker broke earlier; try a fresh one
                pool.broken()
                future = pool.executor().submit(in_language, self.lang, train_chunk, frozen,
                                                epochs)
        except Exception as err:  # a shut-down executor, a closed Dask client
            turn.release()
            raise _PoolFailed("The training workers stopped") from err
        future.add_done_callback(turn.release)
        expected = epochs * (self.chunks[-1].seconds / max(self.chunks[-1].epochs, 1)
                             if self.chunks else 0.0)
        return future, turn, time.monotonic() + pool.chunk_timeout + TIMEOUT_FACTOR * expected

    def _result(self, pending, tick) -> Chunk:
        """The chunk's result, waiting at most until its deadline, calling tick() meanwhile.
        A tick() that raises (Streamlit stopping the script) leaves the turn to the chunk's
        done callback: the session's lane stays taken until the chunk really ends."""
        future, turn, deadline = pending
        while True:
            done, _ = wait([future], timeout=min(POLL_SECONDS, max(
                deadline - time.monotonic(), 0)), return_when=FIRST_COMPLETED)
            if done:
                break
            if time.monotonic() >= deadline:
                future.cancel()
                turn.release()  # given up on: a worker that hangs holds no turn
                raise _PoolFailed(f"The training workers did not answer for "
                                  f"{self.pool.chunk_timeout:.3g} s")
            if tick is not None:
                tick(f"training {self.where}")
        turn.release()  # now, not in the done callback a moment later: the next chunk may go
        try:
            return future.result(timeout=0)
        except BaseException as err:  # a worker that died, a cluster that went away
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            self.pool.broken()
            raise _PoolFailed("The training workers stopped") from err
