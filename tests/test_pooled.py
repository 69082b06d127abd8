"""Live training on worker processes (rnn_core.pooled): the same numbers as in this process,
whatever the chunking, on loky and on a real Dask cluster; Stop, dead workers, a cluster that
goes away, divergence in a worker, the per-session and server-wide limits; and the Train page
pressing Train with pooled training."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from apphelpers import open_with_link, page_errors
from rnn_core.config import LabConfig
from rnn_core.datasets import load_series
from rnn_core.executors import dask_engine, local_engine
from rnn_core.experiment import Run, prepare
from rnn_core import pooled
from rnn_core.pooled import Gate, Lane, LiveTraining, Pool, pool_from_env, \
    train_workers_setting
from rnn_core.train import TrainingDiverged

SMALL = LabConfig(n_points=240, epochs=30, n_hidden=8, window=8, mlp_hidden=6)
SLOWER = LabConfig(n_points=1000, epochs=60, n_hidden=32, window=30)  # ~10 ms an epoch


def fresh_run(cfg: LabConfig = SMALL) -> Run:
    series = load_series(cfg)
    return Run(prepare(series.values, cfg, series.units))


def in_process(cfg: LabConfig, epochs: int) -> Run:
    """The reference: Run.train in this process, BLAS on one thread as in the server."""
    run = fresh_run(cfg)
    with threadpool_limits(limits=1, user_api="blas"):
        run.train(epochs)
    return run


def assert_same(run: Run, ref: Run) -> None:
    """Bit for bit: every parameter, every history entry but the wall times, the optimizers."""
    assert run.epochs_done == ref.epochs_done
    for model, ref_model in ((run.rnn, ref.rnn), (run.mlp, ref.mlp)):
        assert np.array_equal(model.params.flat, ref_model.params.flat)
    for h, ref_h in ((run.rnn_history, ref.rnn_history), (run.mlp_history, ref.mlp_history)):
        assert h.train_loss == ref_h.train_loss
        np.testing.assert_array_equal(h.val_loss, ref_h.val_loss)  # NaN equals NaN here
        assert h.grad_norm == ref_h.grad_norm and h.start_loss == ref_h.start_loss
        assert len(h.seconds) == len(ref_h.seconds)
    for opt, ref_opt in ((run.rnn_opt, ref.rnn_opt), (run.mlp_opt, ref.mlp_opt)):
        state = {k: v for k, v in vars(opt).items() if not k.startswith("_")}  # no scratch
        assert same_state(state, {k: vars(ref_opt)[k] for k in state})  # steps, moments


def same_state(a, b) -> bool:
    """Equal, arrays bit for bit, through dicts (an optimizer's moments)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_state(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.fixture(scope="module")
def loky_pool():
    return Pool(local_engine(2))


def dask_cluster(n_workers: int):
    """A LocalCluster of worker processes (one thread each) and the engine reaching it by its
    address, as RNNLAB_DASK_ADDRESS would."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    return cluster, dask_engine(cluster.scheduler_address)


@pytest.fixture(scope="module")
def dask_pool():
    cluster, engine = dask_cluster(2)
    yield Pool(engine)
    engine.close()
    cluster.close()


# ----- the same numbers ----------------------------------------------------------------------
@pytest.mark.parametrize("cfg", [SMALL, SMALL.replace(task="seq", optimizer="momentum", lr=0.05),
                                 SMALL.replace(task="blocks", window=4)],
                         ids=["next", "seq-momentum", "blocks"])
@pytest.mark.parametrize("chunk_seconds", [0.0, 0.002, 30.0], ids=["1-epoch", "few", "growing"])
def test_pooled_training_on_loky_equals_in_process_training_bit_for_bit(
        loky_pool, cfg, chunk_seconds):
    trainer = LiveTraining(fresh_run(cfg), loky_pool, chunk_seconds=chunk_seconds)
    handed = []
    trainer.train(cfg.epochs, on_chunk=handed.append)
    assert trainer.note == "" and trainer.pids and os.getpid() not in trainer.pids
    sizes = [c.epochs for c in trainer.chunks]
    assert sum(sizes) == cfg.epochs and sizes[0] == 1  # the first chunk is small
    if chunk_seconds == 0.0:
        assert set(sizes) == {1}
    if chunk_seconds == 30.0:
        assert sizes == [1, 4, 16, 9]  # each chunk at most 4x the one before
    assert [r.epochs_done for r in handed] == list(np.cumsum(sizes))
    assert_same(trainer.run, in_process(cfg, cfg.epochs))
    assert handed[-1] is trainer.run


def test_continuing_a_run_on_the_pool_equals_one_long_run(loky_pool):
    run = fresh_run()
    with threadpool_limits(limits=1, user_api="blas"):
        run.train(7)  # a Step or two in the server, then Train continues on the workers
    trainer = LiveTraining(run, loky_pool, chunk_seconds=0.001)
    trainer.train(SMALL.epochs - 7)
    assert_same(trainer.run, in_process(SMALL, SMALL.epochs))


def test_pooled_training_on_a_dask_cluster_equals_in_process_training_bit_for_bit(dask_pool):
    for chunk_seconds in (0.0, 0.003):
        trainer = LiveTraining(fresh_run(), dask_pool, chunk_seconds=chunk_seconds)
        trainer.train(SMALL.epochs)
        assert trainer.note == "" and len(trainer.chunks) > 3
        assert trainer.where == f"on the Dask cluster at {dask_pool.engine.address}"
        workers = set(dask_pool.engine.client.run(os.getpid).values())
        assert trainer.pids <= workers and os.getpid() not in trainer.pids
        assert_same(trainer.run, in_process(SMALL, SMALL.epochs))


def test_in_process_training_is_the_same_loop(loky_pool):
    trainer = LiveTraining(fresh_run(), None, chunk_seconds=0.0)
    handed = []
    trainer.train(SMALL.epochs, on_chunk=handed.append)
    assert trainer.where == "on the server" and not trainer.chunks
    assert len(handed) == SMALL.epochs and handed[-1] is not trainer.run  # a copy to keep
    assert_same(handed[-1], in_process(SMALL, SMALL.epochs))


# ----- Stop ----------------------------------------------------------------------------------
def test_stop_mid_chunk_keeps_the_model_of_the_last_checkpoint_and_frees_the_worker(loky_pool):
    lane = Lane()
    trainer = LiveTraining(fresh_run(SLOWER), loky_pool, lane, chunk_seconds=0.3)
    stop = threading.Event()
    kept = []

    def on_chunk(run):  # what the page does: keep a checkpoint unless Stop was pressed
        if stop.is_set():
            return False
        kept.append(run)
        if len(kept) == 2:
            stop.set()  # Stop pressed while the next chunk trains (already submitted)
        return True

    started = time.monotonic()
    trainer.train(SLOWER.epochs, on_chunk=on_chunk)
    assert len(kept) == 2 and len(trainer.chunks) == 3  # nothing trained after the Stop
    assert time.monotonic() - started < 30
    partial = kept[-1]
    assert 0 < partial.epochs_done < SLOWER.epochs
    assert_same(partial, in_process(SLOWER, partial.epochs_done))
    deadline = time.monotonic() + 30  # the chunk in flight ends; its turn comes back
    while (lane.holders or loky_pool.gate.holders) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lane.holders == 0 and loky_pool.gate.holders == 0
    resumed = LiveTraining(partial.snapshot(), loky_pool, lane, chunk_seconds=0.05)
    resumed.train(SLOWER.epochs - partial.epochs_done)  # resume from the kept model
    assert_same(resumed.run, in_process(SLOWER, SLOWER.epochs))


class PageLeft(Exception):
    """What Streamlit raises in a script's st.* call when the student left or clicked."""


def test_a_loop_stopped_while_its_chunk_trains_keeps_the_lane_until_the_chunk_ends(
        loky_pool, monkeypatch):
    monkeypatch.setattr(pooled, "POLL_SECONDS", 0.01)  # tick often: mid-chunk for sure
    cfg = LabConfig(n_points=800, n_hidden=48, window=40, epochs=8)  # ~0.1 s an epoch
    lane = Lane()
    kept = []

    def tick(status):
        if kept:  # the second chunk trains: the page's next st.* call raises
            raise PageLeft

    trainer = LiveTraining(fresh_run(cfg), loky_pool, lane, chunk_seconds=30.0)
    with pytest.raises(PageLeft):
        trainer.train(cfg.epochs, on_chunk=kept.append, tick=tick)
    assert len(kept) == 1 and kept[0].epochs_done == 1
    assert lane.holders == 1  # the second chunk (4 epochs) still trains on its worker
    deadline = time.monotonic() + 60
    while lane.holders and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lane.holders == 0 and loky_pool.gate.holders == 0  # given back when it ended
    successor = LiveTraining(kept[0].snapshot(), loky_pool, lane, chunk_seconds=0.05)
    successor.train(cfg.epochs - 1)  # the rerun's loop resumes from the checkpoint
    assert_same(successor.run, in_process(cfg, cfg.epochs))


# ----- workers that die, clusters that go away -----------------------------------------------
def test_a_killed_worker_falls_back_to_the_server_with_the_model_kept():
    pool = Pool(local_engine(1))  # one worker: the second chunk runs where the first did
    trainer = LiveTraining(fresh_run(SLOWER), pool, chunk_seconds=0.5)
    handed = []

    def on_chunk(run):
        handed.append(run)
        if len(handed) == 1:  # the second chunk is in flight on that worker: kill it
            time.sleep(0.05)
            os.kill(next(iter(trainer.pids)), signal.SIGKILL)
        return True

    trainer.train(SLOWER.epochs, on_chunk=on_chunk)
    assert trainer.note.startswith("The training workers stopped; training continues on the "
                                   "server from epoch 1, with the model trained so far")
    assert "TerminatedWorker" in type(trainer.failure).__name__
    assert trainer.where == "on the server" and len(trainer.chunks) == 1
    assert_same(trainer.run, in_process(SLOWER, SLOWER.epochs))
    again = LiveTraining(fresh_run(), pool)  # the next run gets a fresh pool of workers
    again.train(SMALL.epochs)
    assert again.note == "" and not again.pids & trainer.pids
    assert_same(again.run, in_process(SMALL, SMALL.epochs))
    local_engine(2)  # give the module's other tests their two workers back


def test_a_dask_cluster_that_goes_away_falls_back_to_the_server_with_the_model_kept():
    cluster, engine = dask_cluster(1)
    pool = Pool(engine, chunk_timeout=10.0)
    trainer = LiveTraining(fresh_run(SLOWER), pool, chunk_seconds=0.5)
    handed = []

    def on_chunk(run):
        handed.append(run)
        if len(handed) == 1:
            cluster.close()  # scheduler and worker gone while the second chunk is in flight
        return True

    try:
        started = time.monotonic()
        trainer.train(SLOWER.epochs, on_chunk=on_chunk)
        assert time.monotonic() - started < 60  # never stuck: the deadline at the latest
    finally:
        engine.close()
        cluster.close()
    assert trainer.note.startswith("The training workers ") and "continues on the server" \
        in trainer.note
    assert_same(trainer.run, in_process(SLOWER, SLOWER.epochs))
    later = LiveTraining(fresh_run(), pool)  # a closed client: straight to the server, in words
    assert later.pool is None and "not connected" in later.note


def test_every_worker_busy_past_the_deadline_trains_on_the_server():
    pool = Pool(local_engine(2), max_chunks=1, queue_timeout=0.5)
    assert pool.gate.acquire(1.0)  # someone else holds the only turn and keeps it
    try:
        ticks = []
        trainer = LiveTraining(fresh_run(), pool)
        trainer.train(SMALL.epochs, tick=ticks.append)
    finally:
        pool.gate.release()
    assert trainer.note.startswith("Every training worker was busy for 0.5 s; training continues")
    assert ticks and ticks[0] == "waiting for a free worker (0 ahead)"
    assert_same(trainer.run, in_process(SMALL, SMALL.epochs))


# ----- divergence ----------------------------------------------------------------------------
def test_divergence_in_a_worker_reaches_the_caller_with_the_run_at_its_last_sane_epoch(
        loky_pool):
    cfg = SMALL.replace(optimizer="sgd", lr=0.05, clip=0.0)

    def exploding_after_three() -> Run:
        run = fresh_run(cfg)
        with threadpool_limits(limits=1, user_api="blas"):
            run.train(3)
        run.rnn_opt.lr = run.mlp_opt.lr = 50.0  # the loss explodes in the next epoch
        return run

    ref = exploding_after_three()
    with pytest.raises(TrainingDiverged) as expected, \
            threadpool_limits(limits=1, user_api="blas"):
        ref.train(10)
    trainer = LiveTraining(exploding_after_three(), loky_pool, chunk_seconds=30.0)
    with pytest.raises(TrainingDiverged) as got:
        trainer.train(10)
    assert str(got.value) == str(expected.value) and got.value.epoch == 3
    assert trainer.run.epochs_done == 3 and trainer.pids  # it happened in a worker
    assert_same(trainer.run, ref)


def test_a_worker_writes_its_messages_in_the_students_language(loky_pool):
    from rnn_core.i18n import set_language

    cfg = SMALL.replace(optimizer="sgd", lr=50.0, clip=0.0)  # explodes in the first epoch
    try:
        set_language("zh")
        with pytest.raises(TrainingDiverged) as here:
            fresh_run(cfg).train(3)
        trainer = LiveTraining(fresh_run(cfg), loky_pool, chunk_seconds=30.0)
        with pytest.raises(TrainingDiverged) as there:
            trainer.train(3)
    finally:
        set_language("en")
    assert trainer.pids  # it came from a worker process
    assert str(there.value) == str(here.value) and "训练在第 1 轮发散" in str(there.value)


# ----- limits ----------------------------------------------------------------------------------
def _train_in_threads(trainers) -> None:
    threads = [threading.Thread(target=t.train, args=(SLOWER.epochs,)) for t in trainers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)


def _overlap(a, b) -> bool:
    return any(x.started < y.ended and y.started < x.ended for x in a.chunks for y in b.chunks)


def test_one_session_never_has_two_chunks_in_flight(loky_pool):
    lane = Lane()  # two loops of one session (a rerun's loop and the one it interrupted)
    first, second = (LiveTraining(fresh_run(SLOWER), loky_pool, lane, chunk_seconds=0.05)
                     for _ in range(2))
    _train_in_threads([first, second])
    assert not _overlap(first, second)  # although two workers were free
    assert first.note == second.note == ""
    for t in (first, second):
        assert_same(t.run, in_process(SLOWER, SLOWER.epochs))


def test_the_server_wide_cap_serves_sessions_in_turn():
    pool = Pool(local_engine(2), max_chunks=1)
    sessions = [LiveTraining(fresh_run(SLOWER), pool, Lane(), chunk_seconds=0.05)
                for _ in range(3)]
    _train_in_threads(sessions)
    for a in sessions:
        for b in sessions:
            if a is not b:
                assert not _overlap(a, b)  # one chunk at a time on the whole server
        assert a.note == "" and a.run.epochs_done == SLOWER.epochs
    # in turn, not one after another: every session had a chunk before any one finished
    first_ends = min(max(c.ended for c in s.chunks) for s in sessions)
    assert all(min(c.started for c in s.chunks) < first_ends for s in sessions)


def test_the_gate_serves_waiters_in_the_order_they_came():
    gate = Gate(lambda: 1)
    assert gate.acquire(1.0)
    order = []

    def wait_then_note(name):
        assert gate.acquire(10.0)
        order.append(name)
        gate.release()

    threads = []
    for name in "abc":
        threads.append(threading.Thread(target=wait_then_note, args=(name,)))
        threads[-1].start()
        while gate.waiting() < len(threads):
            time.sleep(0.005)
    gate.release()
    for thread in threads:
        thread.join(10)
    assert order == ["a", "b", "c"]


def test_the_setting_reads_zero_a_number_or_nothing():
    assert train_workers_setting(None) is None and train_workers_setting(" auto ") is None
    assert train_workers_setting("0") == 0 and train_workers_setting("3") == 3
    with pytest.raises(ValueError, match="RNNLAB_TRAIN_WORKERS"):
        train_workers_setting("lots")
    assert pool_from_env(lambda: local_engine(2), raw="0") == (None, "")
    pool, note = pool_from_env(lambda: local_engine(2), raw="1")
    assert pool.max_chunks == 1 and pool.where() == "on 2 worker processes" and note == ""
    pool, note = pool_from_env(lambda: local_engine(2), raw="two")
    assert pool is None and "not understood" in note


# ----- the Train page --------------------------------------------------------------------------
def test_pressing_train_on_the_train_page_trains_on_workers_with_the_same_numbers():
    from ui.engine import training_pool

    params = {"epochs": "40", "n_points": "300", "n_hidden": "8", "window": "10"}
    at = open_with_link("pages/2_Train.py", params)
    pool, _ = training_pool()
    assert pool is not None, "pooled training is the default"
    before, chunks_before = pool.gate.holders, pool.chunks_done
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    run = at.session_state["run"]
    cfg = LabConfig(epochs=40, n_points=300, n_hidden=8, window=10)
    assert run.cfg == cfg and run.epochs_done == 40
    assert_same(run, in_process(cfg, 40))
    assert pool.chunks_done > chunks_before  # trained in chunks on the workers
    assert pool.worker_pids and os.getpid() not in pool.worker_pids
    assert pool.gate.holders == before  # every turn given back
    assert at.session_state["train_lane"].holders == 0
    assert "Trained 40 epochs" in "\n".join(str(s.value) for s in at.success)


def test_when_no_worker_is_free_the_train_page_trains_on_the_server_and_says_so():
    from ui.engine import training_pool

    params = {"epochs": "12", "n_points": "300", "n_hidden": "8", "window": "10"}
    at = open_with_link("pages/2_Train.py", params)
    pool, _ = training_pool()
    saved = pool.queue_timeout
    assert pool.gate.acquire(1.0)  # another session keeps the only turn... and every other
    held = 1
    while pool.gate.acquire(0.0):  # the rest of the server's turns, too
        held += 1
    pool.queue_timeout = 0.3
    try:
        at.button(key="train_btn").click().run()
    finally:
        pool.queue_timeout = saved
        for _ in range(held):
            pool.gate.release()
    assert not page_errors(at), page_errors(at)
    notes = [str(i.value) for i in at.info]
    assert any(n.startswith("Every training worker was busy for 0.3 s; training continues on "
                            "the server from epoch 0, with the model trained so far.")
               for n in notes), notes
    cfg = LabConfig(epochs=12, n_points=300, n_hidden=8, window=10)
    assert_same(at.session_state["run"], in_process(cfg, 12))
