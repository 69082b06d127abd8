"""Training speed of each recurrent cell (Elman, GRU, LSTM): rnn_core against torch's same cell.

Run from the repository root (others benchmark on the same machine, hence the lock):
    flock /tmp/rnnlab-bench.lock python bench/bench_cells.py            # ~3 min
Options: --rounds N (interleaved rounds, default 5), --workloads seed004,medium,
--cells rnn,gru,lstm.

Workloads and mini-batches are bench_train.py's (its builders are imported): seed004 (GS10,
T = 6, H = 10, batch 4, 11 batches, many-to-many, Adam 0.01, 20 epochs per timing) and medium
(sine mixture, T = 60, H = 64, batch 32, 49 batches, many-to-one, Adam 3e-3, 2 epochs).
Engines, for each cell, timed in turn in every round (the order rotates), in this one process:
  ours f64 / ours f32   rnn_core.fit on cells.make_model(cell, ..., dtype), its starting loss
                        given in the History (measured once per run; not in the times)
  torch f32 / torch f64 torch.nn.RNN / GRU / LSTM (batch_first) + nn.Linear + MSELoss + Adam,
                        the same batches (fit's shuffle), torch.set_num_threads(1)
NumPy's BLAS runs with one thread too. Printed: CPU seconds per epoch (process_time), median
and best of the rounds, wall median, and torch / ours for each dtype.
"""
import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import epoch_batches, timed, windows, workloads  # noqa: E402

import rnn_core  # noqa: E402  (bench_train put the repository on the path)
from rnn_core.cells import CELL_LABELS, make_model  # noqa: E402

ENGINES = ("ours f64", "ours f32", "torch f32", "torch f64")


def run_ours(cell, w, X, Y, dtype, start_loss):
    model = make_model(cell, 1, w.hidden, 1, seed=0, dtype=dtype)
    history = rnn_core.fit(model, X, Y, epochs=w.epochs, batch_size=w.batch,
                           optimizer=rnn_core.make_optimizer(w.optimizer, w.lr), seed=0,
                           history=rnn_core.History(start_loss=start_loss))
    return history.train_loss


def run_torch(torch, cell, w, X, Y, dtype):
    """torch's same cell + Linear, MSE, Adam, on fit's mini-batches; the epochs' losses."""
    torch.manual_seed(0)
    kind = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
    net, head = kind(1, w.hidden, batch_first=True, dtype=dtype), torch.nn.Linear(
        w.hidden, 1, dtype=dtype)
    opt = torch.optim.Adam([*net.parameters(), *head.parameters()], lr=w.lr)
    Xt, Yt = torch.from_numpy(X).to(dtype), torch.from_numpy(Y).to(dtype)

    def update(idx):                       # one mini-batch: its summed loss
        states = net(Xt[idx])[0]           # (B, T, H)
        out = head(states if w.many_to_many else states[:, -1])
        loss = torch.nn.functional.mse_loss(out, Yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item() * len(idx)

    return [sum(update(torch.from_numpy(idx)) for idx in batches) / len(X)
            for batches in epoch_batches(len(X), w.batch, w.epochs)]


def engines(torch, cell, w, X, Y):
    start = make_model(cell, 1, w.hidden, 1, seed=0).loss(X, Y)
    return {"ours f64": lambda: run_ours(cell, w, X, Y, "float64", start),
            "ours f32": lambda: run_ours(cell, w, X, Y, "float32", start),
            "torch f32": lambda: run_torch(torch, cell, w, X, Y, torch.float32),
            "torch f64": lambda: run_torch(torch, cell, w, X, Y, torch.float64)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workloads", default="seed004,medium")
    ap.add_argument("--cells", default="rnn,gru,lstm")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    cells = args.cells.split(",")
    chosen = [w for w in workloads() if w.name in args.workloads.split(",")]
    with threadpool_limits(limits=1, user_api="blas"):
        blas = next(i for i in threadpool_info() if i["user_api"] == "blas")
        print(f"Python {platform.python_version()}, NumPy {np.__version__} "
              f"({blas['internal_api']}, {blas['num_threads']} thread), torch {torch.__version__} "
              f"({torch.get_num_threads()} thread), {args.rounds} interleaved rounds, load "
              f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        runs = {}
        for w in chosen:
            X, Y = windows(w)
            for cell in cells:
                for name, fn in engines(torch, cell, w, X, Y).items():
                    runs[w.name, cell, name] = (w, fn)
        times = {key: [] for key in runs}
        losses = {}
        keys = list(runs)
        for rnd in range(args.rounds):
            shift = rnd * 5 % len(keys)                  # rotate who goes first
            for key in keys[shift:] + keys[:shift]:
                w, fn = runs[key]
                wall, cpu, out = timed(fn)
                times[key].append((wall / w.epochs, cpu / w.epochs))
                losses[key] = out
            print(f"  round {rnd + 1}/{args.rounds} done, load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n{'workload':9s} {'cell':10s} {'engine':10s} {'CPU median':>10s} {'CPU best':>9s} "
          f"{'wall median':>11s}  {'torch/ours':>10s}  final loss  (seconds per epoch)")
    for w in chosen:
        for cell in cells:
            med = {e: np.median([c for _, c in times[w.name, cell, e]]) for e in ENGINES}
            for e in ENGINES:
                cpu = [c for _, c in times[w.name, cell, e]]
                wall = [t for t, _ in times[w.name, cell, e]]
                ratio = (f"{med['torch ' + e[-3:]] / med[e]:9.2f}x" if e.startswith("ours")
                         else "")
                print(f"{w.name:9s} {CELL_LABELS[cell]:10s} {e:10s} {med[e]:10.5f} "
                      f"{min(cpu):9.5f} {np.median(wall):11.5f}  {ratio:>10s}  "
                      f"{losses[w.name, cell, e][-1]:.3g}")


if __name__ == "__main__":
    main()
