"""Training speed of the NumPy RNN against torch.nn.RNN and a per-sample NumPy loop.

Run from the repository root:   python bench/bench_train.py
Options: --repeats N (best of N timings, default 3), --blas-threads K (NumPy's BLAS threads,
default 1), --torch-threads K (default 2), --no-torch, --loop-all (also time the per-sample
loop on the large case, which takes minutes).

Three cases, all with 1 input, 1 output, tanh, Adam and the same mini-batches for every engine:
  (a) GS10 (seed 004's 59 monthly values), window 6, many-to-many, hidden 10, batch 4, 20 epochs
  (b) 2,000-point noisy sine, window 60 -> next value, hidden 64, batch 32, 1 epoch
  (c) 10,000-point noisy sine, window 100 -> next value, hidden 256, batch 64, 1 epoch
This is a script, not a test: timings depend on the machine and on what else runs on it.
"""
import argparse
import os
import platform
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core import RNN, Adam, fit  # noqa: E402

# FRED GS10, monthly, 2018-02 .. 2022-12, as printed in seed 004.
GS10 = [2.86, 2.84, 2.87, 2.98, 2.91, 2.89, 2.89, 3.00, 3.15, 3.12, 2.83, 2.71, 2.68, 2.57,
        2.53, 2.40, 2.07, 2.06, 1.63, 1.70, 1.71, 1.81, 1.86, 1.76, 1.50, 0.87, 0.66, 0.67,
        0.73, 0.62, 0.65, 0.68, 0.79, 0.87, 0.93, 1.08, 1.26, 1.61, 1.64, 1.62, 1.52, 1.32,
        1.28, 1.37, 1.58, 1.56, 1.47, 1.76, 1.93, 2.13, 2.75, 2.90, 3.14, 2.90, 2.90, 3.52,
        3.98, 3.89, 3.62]


@dataclass(frozen=True)
class Case:
    name: str
    series: np.ndarray
    window: int
    many_to_many: bool
    hidden: int
    batch: int
    lr: float
    epochs: int


def noisy_sine(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 50) + 0.1 * rng.standard_normal(n)


def windows(series, window, many_to_many):
    """series (n,) -> X (n - window, window, 1) and Y (.., window, 1) shifted by one or (.., 1)."""
    X = sliding_window_view(series[:-1], window)[..., None].copy()
    if many_to_many:
        return X, sliding_window_view(series[1:], window)[..., None].copy()
    return X, series[window:, None].copy()


def epoch_batches(N, batch, epochs, seed=0):
    """The exact mini-batches fit() draws: epoch e shuffles with default_rng([seed, e])."""
    orders = [np.random.default_rng([seed, e]).permutation(N) for e in range(epochs)]
    return [[o[b:b + batch] for b in range(0, N, batch)] for o in orders]


def run_numpy(case, X, Y):
    model = RNN(1, case.hidden, 1, seed=0)
    fit(model, X, Y, epochs=case.epochs, batch_size=case.batch, optimizer=Adam(case.lr), seed=0)


def run_torch(case, X, Y, dtype):
    import torch
    torch.manual_seed(0)
    rnn = torch.nn.RNN(1, case.hidden, batch_first=True, dtype=dtype)
    head = torch.nn.Linear(case.hidden, 1, dtype=dtype)
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=case.lr)
    loss_fn = torch.nn.MSELoss()
    Xt, Yt = torch.from_numpy(X).to(dtype), torch.from_numpy(Y).to(dtype)
    for batches in epoch_batches(len(X), case.batch, case.epochs):
        for idx in batches:
            i = torch.from_numpy(idx)
            states, _ = rnn(Xt[i])                                   # (B, T, H)
            pred = head(states if case.many_to_many else states[:, -1])
            loss = loss_fn(pred, Yt[i])
            opt.zero_grad()
            loss.backward()
            opt.step()


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


def run_loop(case, X, Y):
    model = RNN(1, case.hidden, 1, seed=0)
    P = {k: (v.reshape(-1, 1) if v.ndim == 1 else v.copy()) for k, v in model.params.items()}
    opt = Adam(case.lr)
    for batches in epoch_batches(len(X), case.batch, case.epochs):
        for idx in batches:
            count = len(idx) * (case.window if case.many_to_many else 1)
            G = {k: np.zeros_like(v) for k, v in P.items()}
            for n in idx:                                           # one sample at a time
                for k, g in per_sample_grads(P, X[n], Y[n], case.many_to_many, count).items():
                    G[k] += g
            opt.step(P, G)


def check_loop_matches_engine(case, X, Y):
    """The loop is a fair comparison only if it computes the same gradients."""
    model = RNN(1, case.hidden, 1, seed=0)
    idx = epoch_batches(len(X), case.batch, 1)[0][0]
    _, grads = model.loss_and_grads(X[idx], Y[idx])
    P = {k: (v.reshape(-1, 1) if v.ndim == 1 else v) for k, v in model.params.items()}
    count = len(idx) * (case.window if case.many_to_many else 1)
    G = {k: np.zeros_like(v) for k, v in P.items()}
    for n in idx:
        for k, g in per_sample_grads(P, X[n], Y[n], case.many_to_many, count).items():
            G[k] += g
    for k in grads:
        np.testing.assert_allclose(G[k].reshape(grads[k].shape), grads[k], rtol=1e-9, atol=1e-12)


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_mb(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--torch-threads", type=int, default=2)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--loop-all", action="store_true")
    ap.add_argument("--cases", default="abc", help="which cases to run, e.g. ab")
    args = ap.parse_args()
    try:
        import torch
        torch.set_num_threads(args.torch_threads)
        have_torch = not args.no_torch
    except ImportError:
        torch, have_torch = None, False
    cases = [
        Case("(a) GS10 w6 m2m H10 B4 x20ep", np.array(GS10), 6, True, 10, 4, 0.01, 20),
        Case("(b) 2k w60 H64 B32 1ep", noisy_sine(2000, 1), 60, False, 64, 32, 1e-3, 1),
        Case("(c) 10k w100 H256 B64 1ep", noisy_sine(10_000, 2), 100, False, 256, 64, 1e-3, 1),
    ]
    blas = next(i for i in threadpool_info() if i["user_api"] == "blas")
    print(f"Python {platform.python_version()}, NumPy {np.__version__} ({blas['internal_api']}, "
          f"BLAS threads {args.blas_threads}), torch "
          f"{torch.__version__ + f' ({args.torch_threads} threads)' if have_torch else 'absent'}, "
          f"best of {args.repeats}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':30s} {'engine':16s} {'s/epoch':>9s} {'samples/s':>10s} {'other/numpy':>11s}")
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        for case in (c for c in cases if c.name[1] in args.cases):
            X, Y = windows(case.series, case.window, case.many_to_many)
            runs = {"numpy float64": lambda: run_numpy(case, X, Y)}
            if have_torch:
                torch.set_num_threads(args.torch_threads)
                runs["torch float32"] = lambda: run_torch(case, X, Y, torch.float32)
                runs["torch float64"] = lambda: run_torch(case, X, Y, torch.float64)
            if case.name.startswith(("(a)", "(b)")) or args.loop_all:
                check_loop_matches_engine(case, X, Y)
                runs["per-sample loop"] = lambda: run_loop(case, X, Y)
            base = None
            for engine, fn in runs.items():
                reps = args.repeats if (engine != "per-sample loop" or case.epochs > 1) else 1
                seconds = best_time(fn, reps) / case.epochs
                base = seconds if base is None else base
                ratio = "" if engine == "numpy float64" else f"{seconds / base:.2f}x"
                print(f"{case.name:30s} {engine:16s} {seconds:9.4f} {len(X) / seconds:10.0f} "
                      f"{ratio:>11s}")
            print(f"{'':30s} peak memory of the NumPy run (tracemalloc): "
                  f"{peak_mb(runs['numpy float64']):.2f} MB")


if __name__ == "__main__":
    main()
