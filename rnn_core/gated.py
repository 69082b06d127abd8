"""What the gated cells (GRU, LSTM) share: layers, fused gate blocks, outputs, the backward.

A gated cell's own step lives in gru.py / lstm.py; everything else is `GatedRNN` here, and its
public methods (loss_and_grads, predict, forward, hidden_grad_norms, ...) are the Elman RNN's
(rnn.py): a gated cell is an RNN with another step, so the trainer, optimizers, clipping,
truncation and forecasts serve it unchanged. Truncated BPTT (`bptt_steps = k`) means what it
means for the RNN: the error of the output at s reaches the gates of steps s-k+1 .. s, and the
state before them is a constant for it.

Speed notes
-----------
The Elman engine's techniques (rnn.py, "Speed notes") carry over:
1. Fused gates, augmented rows. Row t of S (T+1, N, 1+H) is [1 | h_{t-1}], so one product
   with the block [b_h; W_h^T] (1+H, G·H) gives the recurrent part of all G gates, bias
   included. The input part [1 | x_t] @ [b_x; W_x^T] of every step is one product before the
   loop (a layer above reads rows 1.. of the S below: [1 | h_t] is its [1 | x_t]).
2. σ(a) = (1 + tanh(a/2)) / 2: the halving is folded into the weight blocks when they are
   gathered (one multiplication per mini-batch), so a step applies one tanh to all its gates
   and then 0.5·t + 0.5 to the σ ones.
3. The factors of the backward (z(1-z), 1-n², ... per step) are computed for all steps at once
   after the forward pass; a step of the backward loop is then a few multiplications and one
   product with W_h for the whole batch.
4. Weight gradients: after the loop, one product per block, rows^T @ gate gradients over all
   steps and windows ([db_x; dW_x^T] and [db_h; dW_h^T] at once).
5. Work arrays and the per-step views into them are made once per batch shape and reused;
   so are the backward's factor arrays (fresh (T, N, H) temporaries page-faulted: 3.7 ms of a
   13 ms batch at the medium workload before they were preallocated).
Measured against torch's own GRU and LSTM: bench/bench_cells.py, table in bench/README.md.
At the medium size the time is the three products per step (forward, backward, weight
gradient) and one tanh over all gates; float64's tanh is ~4x float32's in NumPy.
"""
import numpy as np

from .parameters import carve, check_dtype
from .rnn import RNN, glorot_uniform, orthogonal, positive_int


def gated_names(layer, roles):
    """Names of one layer's parameters: roles ("W_x", "W_h", "b") as they are for layer 0,
    with a suffix above it ("W_x_1" ...), as rnn_textbook.layer_names does for the RNN."""
    suffix = "" if layer == 0 else f"_{layer}"
    return {role: role + suffix for role in roles}


class _GatedWork:
    """Work arrays for one mini-batch shape (N windows, T steps, the last k scored, backward
    from step `first`). Per layer l (I_l inputs: n_in for layer 0, H above):

        A[l]  (T, N, 1+I_l)   row t = [1 | x_t]  (layer l >= 1: a view of S[l-1][1:])
        S[l]  (T+1, N, 1+H)   row t = [1 | h_{t-1}]; h_t lives in row t+1
        G[l]  (T, N, G*H)     the gate values of every step (first the input part)
    and whatever the cell keeps (`_cell_arrays`). `h` lists the state rows, each (T, N, H).
    """

    def __init__(self, model, N, T, k, first=0, keep_dh=False):
        L, H, O, dt = model.n_layers, model.n_hidden, model.n_out, model.dtype
        GH = model.n_gates * H
        self.model, self.N, self.T, self.k = model, N, T, k
        self.first, self.keep_dh = first, keep_dh
        self.S = [np.zeros((T + 1, N, 1 + H), dtype=dt) for _ in range(L)]
        A0 = np.zeros((T, N, 1 + model.n_in), dtype=dt)
        self.A = [A0] + [S[1:] for S in self.S[:-1]]
        for Z in [A0] + self.S:
            Z[:, :, 0] = 1.0                                    # the bias column
        self.x = [A0[:, :, 1:]]                                 # x_t of layer 0, (T, N, I)
        self.G = [np.empty((T, N, GH), dtype=dt) for _ in range(L)]
        self.order, self.back, self.scale = model._block_order()
        self.P = np.empty(len(self.order), dtype=dt)            # the parameters as blocks
        self.blocks = carve(self.P, model._block_shapes())
        self.head_in = self.S[-1][T - k + 1:].reshape(k * N, 1 + H)   # [1 | h_t], scored
        self.E = np.empty((k * N, O), dtype=dt)                # y_t - target, then dL/dy_t
        model._cell_arrays(self)                               # sets h, h0_rows, steps, xp
        self.h0_set = False
        self.dGh = None

    def set_h0(self, h0):
        """The state before step 0 into its rows: h0 (R, N, H) in the order of `h`, or zeros.
        Fewer rows than the state has (an LSTM given only its h rows, as fit_tbptt's zero
        start) fill the last rows; the first ones (the LSTM's cells) start at 0."""
        if h0 is None and not self.h0_set:
            return
        missing = len(self.h0_rows) - (0 if h0 is None else len(h0))
        for row, view in enumerate(self.h0_rows):
            view[...] = 0.0 if row < missing else h0[row - missing]
        self.h0_set = h0 is not None

    def backward_arrays(self):
        """Allocate the backward pass's arrays (once): gate gradients, what comes from above."""
        if self.dGh is not None:
            return
        m, T, N, f = self.model, self.T, self.N, self.first
        L, H, dt, GH = m.n_layers, m.n_hidden, m.dtype, m.n_gates * m.n_hidden
        self.dGh = [np.zeros((T, N, GH), dtype=dt) for _ in range(L)]   # dL/d(h part)
        self.dGx = self.dGh if not m.split_grads else \
            [np.zeros((T, N, GH), dtype=dt) for _ in range(L)]          # dL/d(x part)
        self.above = [np.zeros((T, N, H), dtype=dt) for _ in range(L)]  # dL/dh_t from above
        self.from_out = self.above[-1][T - self.k:].reshape(self.k * N, H)
        self.dh = np.zeros((T, N, H), dtype=dt) if self.keep_dh else None
        self.grads = m._new_params(np.zeros)
        self.Gb = np.zeros_like(self.P)
        self.grad_blocks = carve(self.Gb, m._block_shapes())
        self.a_rows = [A[f:T].reshape(-1, A.shape[2]) for A in self.A]
        self.s_rows = [S[f:T].reshape(-1, 1 + H) for S in self.S]
        self.dgx_rows = [d[f:T].reshape(-1, GH) for d in self.dGx]
        self.dgh_rows = [d[f:T].reshape(-1, GH) for d in self.dGh]
        self.above_rows = [a[f:T].reshape(-1, H) for a in self.above]
        self.factors = [m._factor_arrays(self) for _ in range(L)]   # filled by _factors
        self.rec = np.zeros((N, H), dtype=dt)          # dL/dh_t through step t+1
        self.dh_t = np.empty((N, H), dtype=dt)         # dL/dh_t, complete
        self.dc_pair = [np.zeros((N, H), dtype=dt), np.empty((N, H), dtype=dt)]


class GatedRNN(RNN):
    """What a gated cell (GRU, LSTM) shares: parameters, blocks, layers, outputs, backward.

    It subclasses RNN because it is one: the public methods, input checks, truncation rule,
    loss and work-array reuse are the Elman RNN's (rnn.py), and `isinstance(model, RNN)` holds
    for every recurrent model (the trainer's fit_tbptt and bptt_steps need no change).
    A cell subclass sets `cell` (its CELLS key), `n_gates`, `roles` (its parameter names, as
    for layer 0), `sigmoid_gates` (which gate blocks are σ), `split_grads` (do the x and h
    parts of a gate get different gradients?), `h_bias` (has it a recurrent bias b_h?),
    `state_rows` (arrays of (N, H) per layer in its state) and implements `_cell_arrays`,
    `_layer_forward`, `_factor_arrays`, `_factors`, `_step_back` and `_gate_arrays`.
    """
    _work_type = _GatedWork
    cell, n_gates, roles, sigmoid_gates, split_grads, h_bias, state_rows = \
        "", 0, (), (), True, True, 1

    def __init__(self, n_in, n_hidden, n_out, *, n_layers=1, seed=0, dtype="float64"):
        self.n_in = positive_int("n_in (input features per step)", n_in)
        self.n_hidden = positive_int("n_hidden (hidden units)", n_hidden)
        self.n_out = positive_int("n_out (outputs per step)", n_out)
        self.n_layers = positive_int("n_layers", n_layers)
        self.dtype = check_dtype(dtype)
        self.seed = int(seed)
        self._work = {}
        self._params = self._new_params()
        rng = np.random.default_rng(self.seed)
        H, p = self.n_hidden, self._params
        for layer in range(self.n_layers):   # per gate block: Glorot inputs, orthogonal W_h
            names = gated_names(layer, self.roles)
            I = self.n_in if layer == 0 else H
            p[names["W_x"]][...] = np.concatenate(
                [glorot_uniform(rng, H, I) for _ in range(self.n_gates)])
            p[names["W_h"]][...] = np.concatenate([orthogonal(rng, H) for _ in range(self.n_gates)])
            for role in self.roles[2:]:
                p[names[role]][...] = 0.0
            self._init_biases(p, names)
        p["W_hy"][...] = glorot_uniform(rng, self.n_out, H)
        p["b_y"][...] = 0.0

    def _init_biases(self, p, names):
        """A cell's own start for its biases (the LSTM's forget gate); zeros by default."""

    @property
    def config(self):
        """JSON-able architecture; `type(model)(**{k: v ... if k != "kind"})` rebuilds it."""
        spec = {"kind": self.cell, "n_in": self.n_in, "n_hidden": self.n_hidden,
                "n_out": self.n_out, "n_layers": self.n_layers, "seed": self.seed}
        return spec if self.dtype == np.float64 else spec | {"dtype": self.dtype.name}

    def _shapes(self):
        GH, H, shapes = self.n_gates * self.n_hidden, self.n_hidden, {}
        for layer in range(self.n_layers):
            names = gated_names(layer, self.roles)
            shapes[names["W_x"]] = (GH, self.n_in if layer == 0 else H)
            shapes[names["W_h"]] = (GH, H)
            for role in self.roles[2:]:
                shapes[names[role]] = (GH,)
        shapes["W_hy"], shapes["b_y"] = (self.n_out, H), (self.n_out,)
        return shapes

    def _block_shapes(self):
        """Per layer [b_x; W_x^T] (1+I, G·H) and [b_h; W_h^T] (1+H, G·H); then [b_y; W_hy^T]."""
        H, GH = self.n_hidden, self.n_gates * self.n_hidden
        shapes = []
        for layer in range(self.n_layers):
            shapes += [(1 + (self.n_in if layer == 0 else H), GH), (1 + H, GH)]
        return shapes + [(1 + H, self.n_out)]

    def _block_order(self):
        """(order, back, scale): blocks = flat[order] * scale (σ columns halved, Speed notes 2;
        a cell without b_h has a zero row there); named gradients = block gradients[back]."""
        got = self._work.get("order")
        if got is not None:
            return got
        pos = self._views(np.arange(self._n_flat()))
        H, GH = self.n_hidden, self.n_gates * self.n_hidden
        half = np.where(np.isin(np.arange(GH) // H, self.sigmoid_gates), 0.5, 1.0)
        parts, scales = [], []
        for layer in range(self.n_layers):
            names = gated_names(layer, self.roles)
            b_x, b_h = (names["b_x"], names["b_h"]) if self.h_bias else (names["b"], None)
            W_x, W_h = pos[names["W_x"]], pos[names["W_h"]]
            parts += [pos[b_x], W_x.T.ravel()]
            scales.append(np.tile(half, 1 + W_x.shape[1]))
            parts += [pos[b_h] if b_h else np.full(GH, -1), W_h.T.ravel()]
            scales.append(np.concatenate([half if b_h else np.zeros(GH), np.tile(half, H)]))
        parts += [pos["b_y"], pos["W_hy"].T.ravel()]
        scales.append(np.ones((1 + H) * self.n_out))
        order, scale = np.concatenate(parts), np.concatenate(scales).astype(self.dtype)
        real = order >= 0
        back = np.empty(self._n_flat(), dtype=np.intp)
        back[order[real]] = np.flatnonzero(real)
        got = self._work["order"] = (np.where(real, order, 0), back, scale)
        return got

    # ----- forward -------------------------------------------------------------------------
    def _forward(self, w, h0):
        """Run every layer over w's T steps (inputs already in w.x[0]); h0 None | (R, N, H)."""
        self._params.flat.take(w.order, out=w.P, mode="clip")
        w.P *= w.scale
        w.set_h0(h0)
        for layer in range(self.n_layers):
            A = w.A[layer]
            np.dot(A.reshape(-1, A.shape[2]), w.blocks[2 * layer],   # [1 | x_t] @ [b_x; W_x^T]
                   w.xp[layer].reshape(A.shape[0] * A.shape[1], -1))
            self._layer_forward(w, layer)

    def _outputs(self, w, last_only=False):
        """y_t (T, N, O) of every step, or (N, O) of the last one, after the forward pass."""
        S, head = w.S[-1], w.blocks[-1]
        if last_only:
            return S[w.T] @ head                                 # [1 | h_T] @ [b_y; W_hy^T]
        return (S[1:].reshape(-1, self.n_hidden + 1) @ head).reshape(w.T, w.N, -1)

    # ----- backward ------------------------------------------------------------------------
    def _backward(self, w, bptt_steps=None):
        """Gradients of every parameter into w.grads from dL/dy_t in w.E; returns dL/dh_t of
        the top layer (T, N, H) when w keeps it."""
        w.backward_arrays()
        g = w.grad_blocks
        np.dot(w.head_in.T, w.E, g[-1])                # [db_y; dW_hy^T] = sum [1 | h_t]^T dy_t
        np.dot(w.E, self._params["W_hy"], w.from_out)   # dL/dh_t from the outputs
        if bptt_steps is not None and bptt_steps < w.T and w.k > 1:
            self._backward_chains(w, bptt_steps)
        else:
            self._backward_layers(w)
        for layer in range(self.n_layers):             # one product per weight block
            np.dot(w.a_rows[layer].T, w.dgx_rows[layer], g[2 * layer])
            np.dot(w.s_rows[layer].T, w.dgh_rows[layer], g[2 * layer + 1])
        w.Gb.take(w.back, out=w.grads.flat, mode="clip")
        return w.dh

    def _W_x(self, layer):
        return self._params[gated_names(layer, self.roles)["W_x"]]

    def _backward_layers(self, w):
        """Full BPTT (or one scored output cut at w.first): the top layer's steps first, then
        each layer below, which receives dL/dx_t = W_x^T dL/d(x part) of all steps at once."""
        top = self.n_layers - 1
        for layer in reversed(range(self.n_layers)):
            if layer < top:
                np.dot(w.dgx_rows[layer + 1], self._W_x(layer + 1), w.above_rows[layer])
            fac = self._factors(w, layer)
            rec, above, dGx, dGh = w.rec, w.above[layer], w.dGx[layer], w.dGh[layer]
            rec[...] = 0.0                              # nothing comes from step T
            dc_next, dc = w.dc_pair if self.state_rows == 2 else (None, None)
            if dc_next is not None:
                dc_next[...] = 0.0
            keep = w.dh if layer == top else None
            for t in reversed(range(w.first, w.T)):
                dh = w.dh_t if keep is None else keep[t]
                np.add(rec, above[t], dh)               # dL/dh_t: from step t+1 and above
                self._step_back(fac, t, dh, dc_next, dGx[t], dGh[t], rec, dc)
                dc_next, dc = dc, dc_next               # dL/dc_{t-1} is the next dc_next

    def _backward_chains(self, w, k):
        """Truncated BPTT with several scored outputs, as RNN._backward_chains: the gradient
        at step t is kept apart by its age j (the output it comes from lies j steps later),
        stacked (ages, N, H); the chain of age k-1 stops at step t. The cell's step backward
        works on the stack as on a batch. Writes the summed gate gradients into w.dGx/w.dGh."""
        T, N, H, L, dt = w.T, w.N, self.n_hidden, self.n_layers, self.dtype
        GH, top, scored = self.n_gates * H, self.n_layers - 1, w.T - w.k
        facs = [self._factors(w, layer) for layer in range(L)]
        empty = np.zeros((0, N, H), dtype=dt)
        carry = [(empty, empty if self.state_rows == 2 else None)] * L
        for t in reversed(range(T)):
            ages = min(k, T - t)               # outputs t .. t+ages-1 reach step t
            from_above = None                  # the upper layer's dL/dx_t, per age
            for layer in reversed(range(L)):
                dh = np.zeros((ages, N, H), dtype=dt)
                if from_above is not None:
                    dh += from_above
                elif t >= scored:
                    dh[0] = w.above[top][t]    # from the output at t: age 0
                ch, cc = carry[layer]
                dh[1:] += ch[:ages - 1]        # from step t+1, one step older
                dc = None
                if cc is not None:
                    dc = np.zeros((ages, N, H), dtype=dt)
                    dc[1:] = cc[:ages - 1]
                dgh = np.empty((ages, N, GH), dtype=dt)
                dgx = np.empty_like(dgh) if self.split_grads else dgh
                dh_prev = np.empty_like(dh)
                dc_prev = None if dc is None else np.empty_like(dc)
                self._step_back(facs[layer], t, dh, dc, dgx, dgh, dh_prev, dc_prev)
                carry[layer] = (dh_prev, dc_prev)
                dgh.sum(axis=0, out=w.dGh[layer][t])
                if self.split_grads:
                    dgx.sum(axis=0, out=w.dGx[layer][t])
                if w.dh is not None and layer == top:
                    w.dh[t] = dh.sum(axis=0)
                if layer > 0:
                    from_above = (dgx.reshape(-1, GH) @ self._W_x(layer)).reshape(ages, N, H)

    def _input_grads(self, w):
        """dL/dx_t (T, N, I) of layer 0 after a backward pass: W_x^T dL/d(x part)."""
        return w.dGx[0][:w.T] @ self._W_x(0)

    # ----- what a cell looks like inside --------------------------------------------------
    def gates(self, X, h0=None):
        """X (N, T, I) -> one dict per layer, gate or state name -> (N, T, H) array, at every
        step (GRU: r, z, n, h; LSTM: i, f, g, o, c, h)."""
        X = self._check_X(X)
        w = self._run_forward(X, self._check_h0(h0, X.shape[0]))
        return [{name: np.ascontiguousarray(a.transpose(1, 0, 2))
                 for name, a in self._gate_arrays(w, layer).items()}
                for layer in range(self.n_layers)]


def split_gates(a, n_gates):
    """(..., G·H) -> (..., G, H): the gate blocks side by side, as a view."""
    return a.reshape(a.shape[:-1] + (n_gates, a.shape[-1] // n_gates))
