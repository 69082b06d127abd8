"""Training speed of rnn_core.fit: the engine before the issue-13 rewrite, after it, and torch.

Run from the repository root:   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/bench_train.py
Options: --rounds N (interleaved rounds, default 3), --workloads seed000,seed004,medium,large,
--before REV (the git revision of the old engine, default 2680751: HEAD before the rewrite),
--blas-threads K (NumPy's BLAS threads, default 1), --torch-threads K (default 1), --no-torch,
--torch64 (also torch float64), --loop-all (the per-sample loop on every workload, not only
seed004), --ablate (instead: the engine with one technique taken out at a time).

Four workloads, 1 input, 1 output, tanh, the same mini-batches for every engine (fit's shuffle,
default_rng([seed, epoch])); each series is split 80/20 in time, min-max scaled on its
training part, and only the training windows are used:
  seed000  x·sin(x), 612 points (x = 0.01 .. 6.12): window 50 -> next value, hidden 50,
           per-sample SGD 1e-3 (batch 1): 440 batches an epoch
  seed004  GS10 (seed 004's 59 monthly values): window 6, targets shifted by one
           (many-to-many), hidden 10, Adam 0.01, batch 4: 11 batches an epoch, 20 epochs
  medium   2,000-point sine mixture: window 60 -> next value, hidden 64, Adam 3e-3, batch 32:
           49 batches
  large    10,000-point sine mixture: window 100 -> next value, hidden 256, Adam 1e-3, batch
           64: 124 batches
Engines, timed in turn in every round (the order rotates), in this one process:
  before        rnn_core as it was at --before (its files copied from git into a temp dir)
  after         rnn_core now, float64
  after f32     rnn_core now, RNN(..., dtype="float32")
  after 1-ep    rnn_core now, fit called with epochs=1 again and again (as the app does)
  torch f32     torch.nn.RNN + nn.Linear + MSELoss + torch.optim, torch.set_num_threads(1)
  loop          the tutorials' per-sample column-vector loop (its gradients checked first)
Printed: median and best seconds per epoch, wall clock and CPU time (process_time; on a
shared machine CPU time moves less), and ratios of medians. The epochs timed are those of a
run in progress: fit gets the starting loss in its History, and the one-time measurement of it
(a forward pass over the training data before the first update, by the divergence guard) is
timed on its own line. This is a script, not a test:
timings depend on the machine and on what else runs on it.
"""
import argparse
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import rnn_core  # noqa: E402

BEFORE = "2680751"   # HEAD before the issue-13 engine rewrite
ENGINE_FILES = ("__init__.py", "activations.py", "mlp.py", "optim.py", "parameters.py",
                "rnn.py", "train.py")

# FRED GS10, monthly, 2018-02 .. 2022-12, as printed in seed 004.
GS10 = [2.86, 2.84, 2.87, 2.98, 2.91, 2.89, 2.89, 3.00, 3.15, 3.12, 2.83, 2.71, 2.68, 2.57,
        2.53, 2.40, 2.07, 2.06, 1.63, 1.70, 1.71, 1.81, 1.86, 1.76, 1.50, 0.87, 0.66, 0.67,
        0.73, 0.62, 0.65, 0.68, 0.79, 0.87, 0.93, 1.08, 1.26, 1.61, 1.64, 1.62, 1.52, 1.32,
        1.28, 1.37, 1.58, 1.56, 1.47, 1.76, 1.93, 2.13, 2.75, 2.90, 3.14, 2.90, 2.90, 3.52,
        3.98, 3.89, 3.62]


@dataclass(frozen=True)
class Workload:
    name: str
    series: np.ndarray
    window: int
    many_to_many: bool
    hidden: int
    batch: int
    optimizer: str
    lr: float
    epochs: int          # epochs per timing (per-epoch time = time / epochs)


def sine_mixture(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 17)
            + 0.1 * rng.standard_normal(n))


def workloads():
    x = np.arange(1, 613) / 100
    return [
        Workload("seed000", x * np.sin(x), 50, False, 50, 1, "sgd", 1e-3, 2),
        Workload("seed004", np.array(GS10), 6, True, 10, 4, "adam", 0.01, 20),
        Workload("medium", sine_mixture(2000, 1), 60, False, 64, 32, "adam", 3e-3, 2),
        Workload("large", sine_mixture(10_000, 2), 100, False, 256, 64, "adam", 1e-3, 1),
    ]


def windows(w):
    """The training windows: first 80% of the series, min-max scaled on that part."""
    s = w.series[:len(w.series) - round(0.2 * len(w.series))]
    s = (s - s.min()) / (s.max() - s.min())
    X = sliding_window_view(s[:-1], w.window)[..., None].copy()        # (N, window, 1)
    if w.many_to_many:
        return X, sliding_window_view(s[1:], w.window)[..., None].copy()
    return X, s[w.window:, None].copy()


def load_before(rev, into):
    """rnn_core's engine files at git revision `rev`, importable as `rnn_core_before`."""
    pkg = Path(into) / "rnn_core_before"
    pkg.mkdir()
    for name in ENGINE_FILES:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:rnn_core/{name}"],
                              check=True, capture_output=True, text=True).stdout
        (pkg / name).write_text(text)
    sys.path.insert(0, str(into))
    return importlib.import_module("rnn_core_before")


def epoch_batches(N, batch, epochs, seed=0):
    """The exact mini-batches fit() draws: epoch e shuffles with default_rng([seed, e])."""
    orders = [np.random.default_rng([seed, e]).permutation(N) for e in range(epochs)]
    return [[o[b:b + batch] for b in range(0, N, batch)] for o in orders]


# ----- engines: each returns the training losses of its run ------------------------------
def run_fit(pkg, w, X, Y, dtype=None, one_epoch_calls=False, start_loss=None):
    """Train a fresh model. start_loss: given to fit in its History, so that the timed epochs
    do not include the guard's one-time measurement of it (timed on its own, see main)."""
    model = pkg.RNN(1, w.hidden, 1, seed=0, **({} if dtype is None else {"dtype": dtype}))
    opt = pkg.make_optimizer(w.optimizer, w.lr)
    history = pkg.History(start_loss=start_loss)
    for _ in range(w.epochs if one_epoch_calls else 1):
        history = pkg.fit(model, X, Y, epochs=1 if one_epoch_calls else w.epochs,
                          batch_size=w.batch, optimizer=opt, seed=0, history=history)
    return history.train_loss


def run_torch(w, X, Y, dtype):
    import torch
    torch.manual_seed(0)
    rnn = torch.nn.RNN(1, w.hidden, batch_first=True, dtype=dtype)
    head = torch.nn.Linear(w.hidden, 1, dtype=dtype)
    params = [*rnn.parameters(), *head.parameters()]
    opt = (torch.optim.SGD(params, lr=w.lr) if w.optimizer == "sgd"
           else torch.optim.Adam(params, lr=w.lr))
    loss_fn = torch.nn.MSELoss()
    Xt, Yt = torch.from_numpy(X).to(dtype), torch.from_numpy(Y).to(dtype)
    losses = []
    for batches in epoch_batches(len(X), w.batch, w.epochs):
        total = 0.0
        for idx in batches:
            i = torch.from_numpy(idx)
            states, _ = rnn(Xt[i])                                   # (B, T, H)
            loss = loss_fn(head(states if w.many_to_many else states[:, -1]), Yt[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    return losses


def per_sample_grads(P, x, y, many_to_many, count):
    """Tutorial style: column vectors, one sample; returns grads of sum-of-errors / count."""
    T = x.shape[0]
    hs = [np.zeros((P["W_hh"].shape[0], 1))]
    for t in range(T):
        xt = x[t].reshape(-1, 1)
        hs.append(np.tanh(P["W_xh"] @ xt + P["W_hh"] @ hs[-1] + P["b_h"]))
    G = {k: np.zeros_like(v) for k, v in P.items()}
    dh_next = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        h = hs[t + 1]
        dh = P["W_hh"].T @ dh_next if t < T - 1 else np.zeros_like(h)
        if many_to_many or t == T - 1:
            target = y[t] if many_to_many else y
            dy = 2 * (P["W_hy"] @ h + P["b_y"] - target.reshape(-1, 1)) / count
            G["W_hy"] += dy @ h.T
            G["b_y"] += dy
            dh = dh + P["W_hy"].T @ dy
        da = dh * (1 - h * h)
        G["W_xh"] += da @ x[t].reshape(1, -1)
        G["W_hh"] += da @ hs[t].T
        G["b_h"] += da
        dh_next = da
    return G


def run_loop(w, X, Y):
    model = rnn_core.RNN(1, w.hidden, 1, seed=0)
    P = {k: (v.reshape(-1, 1) if v.ndim == 1 else v.copy()) for k, v in model.params.items()}
    opt = rnn_core.make_optimizer(w.optimizer, w.lr)
    for batches in epoch_batches(len(X), w.batch, w.epochs):
        for idx in batches:
            count = len(idx) * (w.window if w.many_to_many else 1)
            G = {k: np.zeros_like(v) for k, v in P.items()}
            for n in idx:                                           # one sample at a time
                for k, g in per_sample_grads(P, X[n], Y[n], w.many_to_many, count).items():
                    G[k] += g
            opt.step(P, G)
    return []


def check_loop_matches_engine(w, X, Y):
    """The loop is a fair comparison only if it computes the same gradients."""
    model = rnn_core.RNN(1, w.hidden, 1, seed=0)
    idx = epoch_batches(len(X), w.batch, 1)[0][0]
    _, grads = model.loss_and_grads(X[idx], Y[idx])
    P = {k: (v.reshape(-1, 1) if v.ndim == 1 else v) for k, v in model.params.items()}
    count = len(idx) * (w.window if w.many_to_many else 1)
    G = {k: np.zeros_like(v) for k, v in P.items()}
    for n in idx:
        for k, g in per_sample_grads(P, X[n], Y[n], w.many_to_many, count).items():
            G[k] += g
    for k in grads:
        np.testing.assert_allclose(G[k].reshape(grads[k].shape), grads[k], rtol=1e-9, atol=1e-12)


# ----- ablation: the engine with one technique taken out at a time ----------------------
class SplitForward(rnn_core.RNN):
    """No augmented state: the input part W_xh x_t + b_h of all steps in one product, then per
    step a_t = h_{t-1} W_hh^T + that (three calls: product, addition, act)."""

    def _forward(self, w, h0):
        self._params.flat.take(w.order, out=w.P, mode="clip")
        w.set_h0(h0)
        for layer in range(self.n_layers):
            if layer > 0:
                np.copyto(w.x[layer], w.h[layer - 1])
            I, Wz, Z, a = w.n_in[layer], w.blocks[layer], w.Z[layer], w.a
            U = (Z[:w.T, :, :I + 1].reshape(-1, I + 1) @ Wz[:I + 1]).reshape(w.T, w.N, -1)
            for t, (z, h_next) in enumerate(w.forward_steps[layer]):
                np.dot(z[:, I + 1:], Wz[I + 1:], a)
                a += U[t]
                w.act(a, h_next)


class Unvectorised(rnn_core.RNN):
    """act' computed inside the backward loop, step by step (per_step_act), and/or the block
    gradient as three products per layer and two for the output (three_products)."""
    per_step_act, three_products = False, False

    def _backward(self, w, bptt_steps=None):
        w.backward_arrays()
        g, top, I = w.grad_blocks, self.n_layers - 1, w.n_in
        Ztop = w.Z[top][w.T - w.k + 1:]
        if self.three_products:
            np.dot(Ztop[:, :, I[top] + 1:].reshape(-1, self.n_hidden).T, w.E, g[-1][1:])
            w.E.sum(axis=0, out=g[-1][0])
        else:
            np.dot(w.head_in.T, w.E, g[-1])
        np.dot(w.E, w.W_up[top], w.from_out)
        for layer in reversed(range(self.n_layers)):
            if layer < top:
                np.dot(w.dA[layer + 1][:w.T].reshape(-1, self.n_hidden), w.W_up[layer],
                       w.above[layer].reshape(-1, self.n_hidden))
            if not self.per_step_act:
                w.act_grad(w.h[layer], w.D[layer])
            W_hh, h = w.W_hh[layer], w.h[layer]
            for t, (da_next, dh_t, above_t, d_t, da_t) in zip(
                    range(w.T - 1, w.first - 1, -1), w.backward_steps[layer]):
                if self.per_step_act:
                    w.act_grad(h[t], d_t)
                np.dot(da_next, W_hh, dh_t)
                if above_t is not None:
                    dh_t += above_t
                np.multiply(dh_t, d_t, da_t)
        for layer in range(self.n_layers):
            if self.three_products:
                Z, dA, Il = w.Z[layer][w.first:w.T], w.dA_rows[layer], I[layer]
                np.dot(Z[:, :, :Il].reshape(-1, Il).T, dA, g[layer][:Il])
                dA.sum(axis=0, out=g[layer][Il])
                np.dot(Z[:, :, Il + 1:].reshape(-1, self.n_hidden).T, dA, g[layer][Il + 1:])
            else:
                np.dot(w.z_rows[layer].T, w.dA_rows[layer], g[layer])
        w.G.take(w.back, out=w.grads.flat, mode="clip")


class ActPerStep(Unvectorised):
    per_step_act = True


class ThreeProducts(Unvectorised):
    three_products = True


class FreshWork(rnn_core.RNN):
    """New work arrays for every mini-batch instead of reused ones."""

    def _work_for(self, N, T, k, bptt_steps, keep_dh=False, reuse=False):
        return super()._work_for(N, T, k, bptt_steps, keep_dh, reuse=False)


class PerName:
    """The optimizer fed plain dicts: one update per parameter name, not one on the buffer."""

    def __init__(self, opt):
        self.inner, self.lr = opt, opt.lr

    def step(self, params, grads):
        self.inner.step(dict(params), dict(grads))


VARIANTS = {"after": (rnn_core.RNN, False), "split forward": (SplitForward, False),
            "act' per step": (ActPerStep, False), "3 grad products": (ThreeProducts, False),
            "fresh work": (FreshWork, False), "per-name optim": (rnn_core.RNN, True)}


def run_variant(variant, w, X, Y, start_loss):
    cls, per_name = VARIANTS[variant]
    model = cls(1, w.hidden, 1, seed=0)
    opt = rnn_core.make_optimizer(w.optimizer, w.lr)
    return rnn_core.fit(model, X, Y, epochs=w.epochs, batch_size=w.batch,
                        optimizer=PerName(opt) if per_name else opt, seed=0,
                        history=rnn_core.History(start_loss=start_loss)).train_loss


def ablate(chosen, rounds):
    """Each technique taken out of the engine on its own; CPU seconds per epoch, medians."""
    print(f"\nablation ({rounds} interleaved rounds; CPU seconds per epoch, median; "
          f"ratio = variant / after, above 1: the technique helps)")
    for w in chosen:
        X, Y = windows(w)
        L0 = rnn_core.RNN(1, w.hidden, 1, seed=0).loss(X, Y)
        times = {v: [] for v in VARIANTS}
        for rnd in range(rounds):
            names = list(VARIANTS)
            names = names[rnd % len(names):] + names[:rnd % len(names)]
            for v in names:
                wall, cpu, losses = timed(lambda: run_variant(v, w, X, Y, L0))
                times[v].append(cpu / w.epochs)
        med = {v: np.median(t) for v, t in times.items()}
        model = rnn_core.RNN(1, w.hidden, 1, seed=0)
        check = min(timed(lambda: model._check_data(X, Y))[1] for _ in range(20))
        print(f"{w.name:9s} " + "  ".join(f"{v} {med[v]:.5f} ({med[v] / med['after']:.2f}x)"
                                          for v in VARIANTS)
              + f"  | validating X, Y once: {check * 1e6:.0f} us "
                f"({check / med['after']:.2%} of an epoch)")


def timed(fn):
    """(wall seconds, CPU seconds, result) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def peak_mb(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workloads", default="seed000,seed004,medium,large")
    ap.add_argument("--before", default=BEFORE)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--torch64", action="store_true")
    ap.add_argument("--loop-all", action="store_true")
    ap.add_argument("--ablate", action="store_true",
                    help="only the ablation: the engine with one technique taken out at a time")
    args = ap.parse_args()
    try:
        import torch
        torch.set_num_threads(args.torch_threads)
        have_torch = not args.no_torch
    except ImportError:
        torch, have_torch = None, False
    chosen = [w for w in workloads() if w.name in args.workloads.split(",")]
    if args.ablate:
        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            return ablate(chosen, args.rounds)
    tmp = tempfile.TemporaryDirectory()
    before = load_before(args.before, tmp.name)
    blas = next(i for i in threadpool_info() if i["user_api"] == "blas")
    print(f"Python {platform.python_version()}, NumPy {np.__version__} ({blas['internal_api']}, "
          f"BLAS threads {args.blas_threads}), torch "
          f"{torch.__version__ + f' ({args.torch_threads} thread(s))' if have_torch else 'absent'}"
          f", {args.rounds} interleaved rounds, before = git {args.before}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        runs, data = {}, {}
        for w in chosen:
            X, Y = windows(w)
            data[w.name] = (X, Y)
            L0 = rnn_core.RNN(1, w.hidden, 1, seed=0).loss(X, Y)
            r = {"before": lambda w=w, X=X, Y=Y, L0=L0: run_fit(before, w, X, Y, start_loss=L0),
                 "after": lambda w=w, X=X, Y=Y, L0=L0: run_fit(rnn_core, w, X, Y, start_loss=L0),
                 "after f32": lambda w=w, X=X, Y=Y, L0=L0: run_fit(rnn_core, w, X, Y, "float32",
                                                                   start_loss=L0)}
            if w.epochs > 1:
                r["after 1-ep"] = lambda w=w, X=X, Y=Y, L0=L0: run_fit(
                    rnn_core, w, X, Y, one_epoch_calls=True, start_loss=L0)
            if have_torch:
                r["torch f32"] = lambda w=w, X=X, Y=Y: run_torch(w, X, Y, torch.float32)
                if args.torch64:
                    r["torch f64"] = lambda w=w, X=X, Y=Y: run_torch(w, X, Y, torch.float64)
            if w.name == "seed004" or args.loop_all:
                check_loop_matches_engine(w, X, Y)
                r["loop"] = lambda w=w, X=X, Y=Y: run_loop(w, X, Y)
            runs[w.name] = r
        times = {(w.name, e): [] for w in chosen for e in runs[w.name]}
        losses = {}
        for rnd in range(args.rounds):
            for w in chosen:
                engines = list(runs[w.name])
                shift = rnd % len(engines)               # rotate who goes first
                for e in engines[shift:] + engines[:shift]:
                    wall, cpu, out = timed(runs[w.name][e])
                    times[w.name, e].append((wall / w.epochs, cpu / w.epochs))
                    losses[w.name, e] = out
            print(f"  round {rnd + 1}/{args.rounds} done, load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
        print(f"\n{'workload':9s} {'engine':11s} {'wall median':>11s} {'wall best':>10s} "
              f"{'CPU median':>10s} {'CPU best':>9s}  {'before/x':>8s} {'x/after':>8s}"
              f"  (seconds per epoch; ratios of CPU medians)")
        for w in chosen:
            med = {e: np.median([c for _, c in times[w.name, e]]) for e in runs[w.name]}
            for e in runs[w.name]:
                wall = [t for t, _ in times[w.name, e]]
                cpu = [c for _, c in times[w.name, e]]
                print(f"{w.name:9s} {e:11s} {np.median(wall):11.5f} {min(wall):10.5f} "
                      f"{np.median(cpu):10.5f} {min(cpu):9.5f}  "
                      f"{med['before'] / med[e]:7.2f}x {med[e] / med['after']:7.2f}x")
            same = np.max(np.abs(np.array(losses[w.name, "after"]) /
                                 np.array(losses[w.name, "before"]) - 1))
            f32 = np.max(np.abs(np.array(losses[w.name, "after f32"]) /
                                np.array(losses[w.name, "after"]) - 1))
            X, Y = data[w.name]
            start = {}
            for name, pkg in (("before", before), ("after", rnn_core)):
                model = pkg.RNN(1, w.hidden, 1, seed=0)
                start[name] = min(timed(lambda: pkg.train._mean_loss(model, X, Y, w.batch))[1]
                                  for _ in range(3))
            print(f"{'':9s} {len(X)} windows; training loss after/before - 1: {same:.1e}, "
                  f"float32/float64 - 1: {f32:.1e}; peak memory of an 'after' run "
                  f"(tracemalloc): {peak_mb(runs[w.name]['after']):.1f} MB; the starting loss "
                  f"(measured once per run, not in the times above): before "
                  f"{start['before']:.4f} s, after {start['after']:.4f} s")


if __name__ == "__main__":
    main()
