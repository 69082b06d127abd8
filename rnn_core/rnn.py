"""Elman recurrent network in NumPy, with backpropagation through time (BPTT), for whole batches.

For each layer, at every time step t (batch-first inputs X: (N, T, I)):

    a_t = W_xh x_t + W_hh h_{t-1} + b_h      pre-activation            (N, H)
    h_t = act(a_t)                           hidden state, tanh or relu (N, H)
    y_t = W_hy h_t + b_y                     output of the top layer    (N, O)

Layer l >= 1 reads the hidden states of layer l - 1 as its inputs x_t. rnn_textbook.py does
exactly this one step at a time (`rnn_step`, `rnn_step_backward`); read it first. This module
computes the same numbers for a whole mini-batch, fast; tests/test_textbook.py checks that the
two agree on every gradient. Backward, per layer, from the last step to the first:

    dL/dh_t = W_hh^T dL/da_{t+1} + W_hy^T dL/dy_t     (below the top: W_xh'^T dL/da'_t of the
    dL/da_t = dL/dh_t * act'(a_t)                       layer above instead of the output term)
    dL/dW_xh = sum_t dL/da_t x_t^T    dL/dW_hh = sum_t dL/da_t h_{t-1}^T    dL/db_h = sum_t dL/da_t

Truncated BPTT, `bptt_steps = k`: the error of the output at step s flows back through at
most k steps. It reaches the pre-activations a_{s-k+1} .. a_s of every layer, and the states
h_{s-k} (all layers) count as constants for that output. With one scored output (many-to-one)
exactly the last min(k, T) steps get gradient; with an output at every step, each output has
its own k-step window (see RNN._backward_chains).

Speed notes
-----------
At the tutorial sizes (H <= 64, 1-32 windows per batch) a NumPy call costs ~0.5 us, more than
its arithmetic, so the time is set by the number of calls per time step; at H = 256 it is set
by the matrix products. What the code does about it (each measured, see bench/README.md):

1. Augmented state. Layer l keeps z_t = [x_t | 1 | h_{t-1}] in row t of one array
   Z (T+1, N, I+1+H), and multiplies it with one block Wz = [W_xh^T; b_h; W_hh^T] (I+1+H, H):
   a_t = z_t @ Wz is the input part, the bias and the recurrence in one product, and act writes
   h_t straight into row t+1. Forward: two calls per step. [1 | h_t] is the tail of row t+1, so
   with the output block [b_y; W_hy^T] (1+H, O) every output is one product too.
2. The blocks are gathered from the parameters once per mini-batch, in one call (`order`); the
   block gradients go back to the named gradients in one call (`back`). The parameters
   themselves stay ordinary C-ordered arrays (views into one flat buffer, parameters.py), so
   the optimizer and clipping work on one array.
3. Backward, two calls per step: dL/dh_t = dL/da_{t+1} @ W_hh (plus, where an output or the
   layer above sends gradient, one addition), then times act'(a_t) is dL/da_t. act' for all
   steps is two vectorised calls after the forward pass, read off h_t (tanh: 1 - h^2; relu:
   sign(h), as h >= 0). What arrives from the outputs (W_hy^T dL/dy_t) or from the layer above
   (W_xh'^T dL/da'_t) is one product for all steps, before the loop.
4. Weight gradients: one product after the loop, Z[:T]^T @ dA over all steps and windows, is
   the gradient of the whole block Wz: dW_xh, db_h and dW_hh at once.
5. The arrays above, and lists of their per-step rows (slicing costs a call too), are made once
   per mini-batch shape and reused by the trainer (`_batch_grads`); the public methods make
   fresh ones, so the arrays they return stay valid.
Tried and dropped: augmenting the backward like the forward ([dL/da_{t+1} | dL/dy_t] @
[W_hh; W_hy], one product) saves the addition but writes dL/da_t into a strided slice, which
costs more than the call it saves once N > 1. Shapes in docstrings are batch-first; inside,
arrays are time-major (T, N, ...), so that step t is one contiguous block.
"""
import numpy as np

from .activations import get_activation
from .parameters import ParameterDict, carve, check_dtype
from .rnn_textbook import layer_names, rnn_step  # noqa: F401  (re-exported: rnn.rnn_step)


def glorot_uniform(rng, fan_out, fan_in):
    """(fan_out, fan_in) weights ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=(fan_out, fan_in))


def orthogonal(rng, n):
    """(n, n) random orthogonal matrix: every singular value is 1, so W_hh neither shrinks
    nor blows up the state at the start of training."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # sign fix makes the draw uniform over orthogonal matrices


def positive_int(name, value):
    """Return `value` if it is an int >= 1, else raise a plain-words ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
    return int(value)


def finite_array(name, a, ndims, dtype=np.float64):
    """`a` as an array of `dtype` with ndim in `ndims`, free of NaN/inf; ValueError otherwise."""
    a = np.asarray(a, dtype=dtype)
    if a.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be a {want} array, got shape {a.shape}.")
    if not np.isfinite(a).all():
        raise ValueError(
            f"{name} contains NaN or infinite values; fill or drop the gaps in the series "
            "before training."
        )
    return a


def _relu(a, out):
    np.maximum(a, 0.0, out=out)


def _tanh_grad(h, out):
    np.multiply(h, h, out)
    np.subtract(1.0, out, out)     # 1 - h^2


# activation -> (h = act(a) into `out`, act'(a) from h into `out`); the names are checked by
# activations.get_activation. relu' is sign(h): h >= 0, so it is 1 where h > 0, else 0.
FAST_ACTIVATIONS = {"tanh": (np.tanh, _tanh_grad), "relu": (_relu, np.sign)}


class _Work:
    """Work arrays for one mini-batch shape: N windows of T steps, the last k scored, the
    backward starting at step `first` (truncation with one scored output). Per layer l, with
    I_l inputs (n_in for layer 0, H above):

        Z[l]     (T+1, N, I_l+1+H)   row t = z_t = [x_t | 1 | h_{t-1}]; h_t lives in row t+1
        dA[l]    (T+1, N, H)         dL/da_t (row T stays 0: nothing comes from step T)
        above[l] (T or k, N, H)      dL/dh_t sent by the layer above, or (top layer) by the
                                     outputs of the last k steps
        D[l]     (T, N, H)           act'(a_t)
    """

    def __init__(self, model, N, T, k, first=0, keep_dh=False):
        L, H, O, dt = model.n_layers, model.n_hidden, model.n_out, model.dtype
        self.N, self.T, self.k, self.first, self.keep_dh = N, T, k, first, keep_dh
        self.model = model
        self.act, self.act_grad = FAST_ACTIVATIONS[model.activation]
        self.n_in = [model.n_in] + [H] * (L - 1)
        self.Z = [np.zeros((T + 1, N, I + 1 + H), dtype=dt) for I in self.n_in]
        for Z, I in zip(self.Z, self.n_in):
            Z[:, :, I] = 1.0                                      # the bias column
        self.x = [Z[:T, :, :I] for Z, I in zip(self.Z, self.n_in)]        # x_t   (T, N, I)
        self.h = [Z[1:, :, I + 1:] for Z, I in zip(self.Z, self.n_in)]    # h_t   (T, N, H)
        self.h0_set = False                                       # row 0 holds a nonzero h0
        self.forward_steps = [list(zip(Z[:T], h)) for Z, h in zip(self.Z, self.h)]
        self.a = np.empty((N, H), dtype=dt)
        self.order, self.back = model._block_order()
        self.P = np.empty(len(self.order), dtype=dt)              # the parameters as blocks
        self.blocks = carve(self.P, model._block_shapes())
        Ztop, Itop = self.Z[-1], self.n_in[-1]
        self.head_in = Ztop[T - k + 1:, :, Itop:].reshape(k * N, H + 1)   # [1 | h_t], scored
        self.E = np.empty((k * N, O), dtype=dt)                  # y_t - target, then dL/dy_t
        self.dA = None                                            # backward arrays: on demand

    def set_h0(self, h0):
        """h_{-1} of every layer into row 0 of Z: h0 (L, N, H), or zeros for None."""
        if h0 is None and not self.h0_set:
            return                                                # still zero
        for layer, (Z, I) in enumerate(zip(self.Z, self.n_in)):
            Z[0, :, I + 1:] = 0.0 if h0 is None else h0[layer]
        self.h0_set = h0 is not None

    def backward_arrays(self):
        """Allocate the arrays of the backward pass and the per-step rows of its loop (once)."""
        if self.dA is not None:
            return
        m = self.model
        L, H, dt, T, N, top = m.n_layers, m.n_hidden, m.dtype, self.T, self.N, m.n_layers - 1
        p = m.params
        self.W_hh = [p[layer_names(layer)[1]] for layer in range(L)]
        self.W_up = [p[layer_names(layer + 1)[0]] for layer in range(L - 1)] + [p["W_hy"]]
        self.grads = m._new_params(np.zeros)                     # same layout as the params
        self.G = np.zeros_like(self.P)                            # the gradients as blocks
        self.grad_blocks = carve(self.G, m._block_shapes())
        self.dA = [np.zeros((T + 1, N, H), dtype=dt) for _ in range(L)]
        self.D = [np.empty((T, N, H), dtype=dt) for _ in range(L)]
        self.dh = np.zeros((T, N, H), dtype=dt) if self.keep_dh else None
        self.above, self.backward_steps = [], []
        for layer in range(L):
            sent = T - self.k if layer == top else 0  # steps before `sent` get nothing from above
            self.above.append(np.zeros((T - sent, N, H), dtype=dt))   # row t - sent: step t
            above = [None] * sent + list(self.above[layer])
            dh = list(self.dh) if (self.keep_dh and layer == top) else [self.a] * T
            rows = list(zip(self.dA[layer][1:], dh, above, self.D[layer], self.dA[layer][:T]))
            self.backward_steps.append(rows[self.first:][::-1])   # last step first
        self.from_out = self.above[top].reshape(self.k * N, H)   # rows of the scored steps
        self.z_rows = [Z[self.first:T].reshape(-1, Z.shape[2]) for Z in self.Z]  # (.., I+1+H)
        self.dA_rows = [dA[self.first:T].reshape(-1, H) for dA in self.dA]      # (.., H)


class RNN(ParameterDict):
    """Elman RNN with `n_layers` stacked layers of `n_hidden` units and a linear output.

    Parameters (in `model.params`, of `dtype`): layer 0 `W_xh (H, I)`, `W_hh (H, H)`,
    `b_h (H,)`; layer l >= 1 `W_xh_l (H, H)`, `W_hh_l (H, H)`, `b_h_l (H,)`; output
    `W_hy (O, H)`, `b_y (O,)`. Initialisation: Glorot-uniform input/output weights, orthogonal
    W_hh, zero biases, all drawn (in float64) from `np.random.default_rng(seed)`. The model
    keeps no hidden state between calls: pass `h0` in and read the final state out.
    dtype: "float64" (default) or "float32" (about twice as fast on large networks; inputs are
    converted to it, and the optimizers keep it).
    """
    _work_type = _Work      # the work arrays of one batch shape (a gated cell brings its own)

    def __init__(self, n_in, n_hidden, n_out, *, activation="tanh", n_layers=1, seed=0,
                 dtype="float64"):
        self.n_in = positive_int("n_in (input features per step)", n_in)
        self.n_hidden = positive_int("n_hidden (hidden units)", n_hidden)
        self.n_out = positive_int("n_out (outputs per step)", n_out)
        self.n_layers = positive_int("n_layers", n_layers)
        get_activation(activation)                     # a plain-words error for a bad name
        self.activation = activation
        self.dtype = check_dtype(dtype)
        self.seed = int(seed)
        self._work = {}
        self._params = self._new_params()
        rng = np.random.default_rng(self.seed)
        H, p = self.n_hidden, self._params
        for layer in range(self.n_layers):
            W_xh, W_hh, b_h = layer_names(layer)
            p[W_xh][...] = glorot_uniform(rng, H, self.n_in if layer == 0 else H)
            p[W_hh][...] = orthogonal(rng, H)
            p[b_h][...] = 0.0
        p["W_hy"][...] = glorot_uniform(rng, self.n_out, H)
        p["b_y"][...] = 0.0

    # ----- bookkeeping -------------------------------------------------------------------
    @property
    def config(self):
        """JSON-able architecture; `RNN(**{k: v for k, v in config.items() if k != "kind"})`.
        "dtype" appears only for float32, so a float64 model's config (and its saved file) is
        what it was before the option existed."""
        spec = {"kind": "rnn", "n_in": self.n_in, "n_hidden": self.n_hidden,
                "n_out": self.n_out, "activation": self.activation,
                "n_layers": self.n_layers, "seed": self.seed}
        return spec if self.dtype == np.float64 else spec | {"dtype": self.dtype.name}

    def _shapes(self):
        """name -> shape, in the order the parameters sit in the flat buffer."""
        H, shapes = self.n_hidden, {}
        for layer in range(self.n_layers):
            W_xh, W_hh, b_h = layer_names(layer)
            shapes[W_xh] = (H, self.n_in if layer == 0 else H)
            shapes[W_hh], shapes[b_h] = (H, H), (H,)
        shapes["W_hy"], shapes["b_y"] = (self.n_out, H), (self.n_out,)
        return shapes

    def _block_shapes(self):
        """Shapes of the blocks the fast path multiplies with (Speed notes 1): per layer
        Wz = [W_xh^T; b_h; W_hh^T] (I+1+H, H), then the output block [b_y; W_hy^T] (1+H, O)."""
        H = self.n_hidden
        return [((self.n_in if layer == 0 else H) + 1 + H, H)
                for layer in range(self.n_layers)] + [(1 + H, self.n_out)]

    def _block_order(self):
        """(order, back): flat[order] is every parameter laid out as the blocks, in one gather;
        blocks[back] is the flat layout again (for the gradients)."""
        got = self._work.get("order")
        if got is None:
            pos = self._views(np.arange(self._n_flat()))    # where each entry sits in flat
            parts = []
            for layer in range(self.n_layers):
                W_xh, W_hh, b_h = (pos[name] for name in layer_names(layer))
                parts += [W_xh.T.ravel(), b_h, W_hh.T.ravel()]
            parts += [pos["b_y"], pos["W_hy"].T.ravel()]
            order = np.concatenate(parts)
            got = self._work["order"] = (order, np.argsort(order))
        return got

    # ----- input checks (public methods check; the private _ methods trust) --------------
    def _check_X(self, X):
        X = finite_array("X", X, (3,), self.dtype)
        if X.shape[2] != self.n_in or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"X must have shape (N, T, {self.n_in}) with N, T >= 1 for a "
                             f"model with n_in={self.n_in}; got {X.shape}.")
        return X

    def _check_h0(self, h0, N):
        L, H = self.n_layers, self.n_hidden
        if h0 is None:
            return None                                 # zeros
        h0 = finite_array("h0", h0, (2, 3), self.dtype)
        if h0.shape not in ((N, H), (L, N, H)):
            raise ValueError(f"h0 must have shape ({N}, {H}) or ({L}, {N}, {H}) "
                             f"(layers, batch, hidden units); got {h0.shape}.")
        return np.broadcast_to(h0, (L, N, H))  # an (N, H) state starts every layer

    def _check_Y(self, Y, X):
        Y = finite_array("Y", Y, (2, 3), self.dtype)
        N, T, _ = X.shape
        ok = (N, self.n_out) if Y.ndim == 2 else (N, T, self.n_out)
        if Y.shape != ok:
            raise ValueError(f"Y must have shape ({N}, {self.n_out}) (one target per window) or "
                             f"({N}, {T}, {self.n_out}) (a target at every step) to match X "
                             f"{X.shape}; got {Y.shape}.")
        return Y

    def _check_bptt(self, bptt_steps):
        return None if bptt_steps is None else positive_int("bptt_steps", bptt_steps)

    # ----- forward and backward of the recurrence, side by side --------------------------
    def _forward(self, w, h0):
        """Run every layer over w's T steps; inputs are already in w.x[0]. h0 None | (L, N, H)."""
        self._params.flat.take(w.order, out=w.P, mode="clip")       # the blocks, one gather
        w.set_h0(h0)
        act, a = w.act, w.a
        for layer in range(self.n_layers):
            if layer > 0:
                np.copyto(w.x[layer], w.h[layer - 1])   # inputs of layer l: states of l - 1
            Wz = w.blocks[layer]
            for z, h_next in w.forward_steps[layer]:
                np.dot(z, Wz, a)          # a_t = [x_t | 1 | h_{t-1}] @ [W_xh^T; b_h; W_hh^T]
                act(a, h_next)            # h_t = act(a_t), into row t+1 of Z

    def _output_loss(self, w, target):
        """MSE of the scored outputs against `target` (k, N, O) (or any view of that shape);
        leaves dL/dy_t in w.E."""
        E = w.E
        np.dot(w.head_in, w.blocks[-1], E)              # y_t = [1 | h_t] @ [b_y; W_hy^T]
        E3 = E.reshape(w.k, w.N, -1)
        np.subtract(E3, target, E3)                     # error y_t - target
        loss = float(np.vdot(E, E)) / E.size            # MSE over all target elements
        E *= 2.0 / E.size                               # dL/dy_t
        return loss

    def _backward(self, w, bptt_steps=None):
        """Gradients of every parameter into w.grads, from dL/dy_t in w.E (Speed notes 3-4).
        Returns dL/dh_t of the top layer (T, N, H) when w keeps it, else None."""
        w.backward_arrays()
        g, top = w.grad_blocks, self.n_layers - 1
        np.dot(w.head_in.T, w.E, g[-1])            # [db_y; dW_hy^T] = sum_t [1 | h_t]^T dL/dy_t
        np.dot(w.E, w.W_up[top], w.from_out)       # dL/dh_t from the outputs: W_hy^T dL/dy_t
        if bptt_steps is not None and bptt_steps < w.T and w.k > 1:
            dh = self._backward_chains(w, bptt_steps)
        else:
            dh = w.dh
            for layer in reversed(range(self.n_layers)):
                if layer < top:                 # from the layer above: W_xh'^T dL/da'_t, all t
                    np.dot(w.dA[layer + 1][:w.T].reshape(-1, self.n_hidden),
                           w.W_up[layer], w.above[layer].reshape(-1, self.n_hidden))
                w.act_grad(w.h[layer], w.D[layer])           # act'(a_t) for every step
                W_hh = w.W_hh[layer]
                for da_next, dh_t, above_t, d_t, da_t in w.backward_steps[layer]:
                    np.dot(da_next, W_hh, dh_t)         # dL/dh_t = W_hh^T dL/da_{t+1}
                    if above_t is not None:
                        dh_t += above_t                 #   + from the output or layer above
                    np.multiply(dh_t, d_t, da_t)        # dL/da_t = dL/dh_t * act'(a_t)
        for layer in range(self.n_layers):              # dWz = sum_t z_t^T dL/da_t
            np.dot(w.z_rows[layer].T, w.dA_rows[layer], g[layer])
        w.G.take(w.back, out=w.grads.flat, mode="clip")        # blocks -> named gradients
        return dh

    def _backward_chains(self, w, k):
        """Truncated BPTT (k < T) when several steps are scored: every output gets k steps.

        The gradient at step t is kept apart by its age j: how many steps after t lies the
        output it comes from (the output at s = t + j, whose loss term is L_s). D_t[j] is
        dL_{t+j}/da_t, a stack of at most k chains, (k, N, H) per layer. Going back from
        step t+1 to step t, per layer (top layer first):

            C[0] = dL/dh_t from the output at t     (lower layer: upper layer's dL/dx_t, age 0)
            C[j] = W_hh^T D_{t+1}[j-1]  (+ upper layer's dL/dx_t of age j)     j = 1 .. k-1
            D_t[j] = act'(a_t) * C[j]
            dL/da_t = sum_j D_t[j]       dL/dh_t = sum_j C[j]    dL/dx_t[j] = W_xh^T D_t[j]

        The chain of age k-1 is dropped after step t: the output at t+k-1 reaches back to a_t
        and no further, h_{t-1} is a constant for it. A lower layer receives the upper layer's
        chains with their ages, so they too stop k steps before their output. Cost: one
        (k*N, H) by (H, H) product per step and layer (two below the top), about k times the
        recurrent work of full BPTT. Writes dL/da_t into w.dA; returns dL/dh_t (top) or None.
        """
        T, N, H, L, top = w.T, w.N, self.n_hidden, self.n_layers, self.n_layers - 1
        p, dt = self._params, self.dtype
        W = [(p[layer_names(layer)[0]], p[layer_names(layer)[1]]) for layer in range(L)]
        for layer in range(L):
            w.act_grad(w.h[layer], w.D[layer])
        dH_top = w.above[top]                 # dL/dh_t from the output at t, for t >= T - k
        scored = T - w.k
        dh_kept = w.dh
        D = [np.zeros((0, N, H), dtype=dt) for _ in range(L)]   # D_{t+1} per layer
        for t in reversed(range(T)):
            ages = min(k, T - t)                 # outputs t .. t+ages-1 can reach step t
            from_above = None                    # the upper layer's dL/dx_t per age
            for layer in reversed(range(L)):
                W_xh, W_hh = W[layer]
                C = np.empty((ages, N, H), dtype=dt)
                if from_above is not None:
                    C[0] = from_above[0]
                else:
                    C[0] = dH_top[t - scored] if t >= scored else 0.0
                if ages > 1:                                      # C[j] = W_hh^T D_{t+1}[j-1]
                    np.dot(D[layer][:ages - 1].reshape(-1, H), W_hh,
                           out=C[1:].reshape(-1, H))
                    if from_above is not None:
                        C[1:] += from_above[1:]
                if dh_kept is not None and layer == top:
                    dh_kept[t] = C.sum(axis=0)                    # dL/dh_t = sum_j C[j]
                C *= w.D[layer][t]                                # D_t[j] = act'(a_t) * C[j]
                C.sum(axis=0, out=w.dA[layer][t])                 # dL/da_t = sum_j D_t[j]
                D[layer] = C
                if layer > 0:                                     # dL/dx_t[j] = W_xh^T D_t[j]
                    from_above = (C.reshape(-1, H) @ W_xh).reshape(ages, N, H)
        return dh_kept

    def _first_step(self, T, k, bptt_steps):
        """The first step that gets gradient in a one-chain backward: T - bptt_steps when only
        the last step is scored (its chain stops at a_{T-k}), else 0."""
        return T - bptt_steps if (bptt_steps is not None and bptt_steps < T and k == 1) else 0

    def _loss_and_grads(self, X, Y, h0, bptt_steps=None, keep_dh=False, reuse=False):
        """Trusting core of loss_and_grads. Returns (loss, grads, states, dL/dh_top or None).

        X (N, T, I); Y (N, O) is the target of the last step, Y (N, k, O) the targets of the
        last k steps (k = T: many-to-many; k < T: fit_tbptt scores the newest k). h0 None
        (zeros) | (L, N, H). states: per layer the (T, N, H) h_t, time-major. reuse=True: the
        work arrays of an earlier call of this shape (grads and states are valid until the
        next such call).
        """
        Yk = Y[:, None] if Y.ndim == 2 else Y                    # (N, k, O)
        N, T, _ = X.shape
        w = self._work_for(N, T, Yk.shape[1], bptt_steps, keep_dh, reuse)
        np.copyto(w.x[0], X.transpose(1, 0, 2))
        self._forward(w, h0)
        loss = self._output_loss(w, Yk.transpose(1, 0, 2))
        dh = self._backward(w, bptt_steps)
        return loss, w.grads, w.h, dh

    def _work_for(self, N, T, k, bptt_steps, keep_dh=False, reuse=False):
        first = self._first_step(T, k, bptt_steps)
        if not reuse:
            return self._work_type(self, N, T, k, first, keep_dh)
        key = (N, T, k, first)
        w = self._work.get(key)
        if w is None:
            stale = [old for old in self._work if isinstance(old, tuple)]
            if len(stale) >= 4:                       # a run uses 1-2 shapes; keep memory bounded
                for old in stale:
                    del self._work[old]
            w = self._work[key] = self._work_type(self, N, T, k, first)
        return w

    def _check_data(self, X, Y):
        """Validated (X, Y) for the trainer, which then calls _batch_grads on mini-batches."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X)
        return X, Y

    def _batch_grads(self, X, Y, idx, bptt_steps=None):
        """(loss, grads) of the windows X[idx] (checked data), from h0 = 0, in reused work
        arrays: the grads are valid until the next call."""
        k = 1 if Y.ndim == 2 else Y.shape[1]
        w = self._work_for(len(idx), X.shape[1], k, bptt_steps, reuse=True)
        np.copyto(w.x[0], X[idx].transpose(1, 0, 2))
        self._forward(w, None)
        Yb = Y[idx]
        loss = self._output_loss(w, Yb if Yb.ndim == 2 else Yb.transpose(1, 0, 2))
        self._backward(w, bptt_steps)
        return loss, w.grads

    def _run_forward(self, X, h0):
        """Checked X (N, T, I), h0 -> work arrays after the forward pass (fresh)."""
        N, T, _ = X.shape
        w = self._work_type(self, N, T, T)
        np.copyto(w.x[0], X.transpose(1, 0, 2))
        self._forward(w, h0)
        return w

    def _outputs(self, w, last_only=False):
        """y_t (T, N, O) of every step, or (N, O) of the last one, from forward work arrays."""
        Z, I, head = w.Z[-1], w.n_in[-1], w.blocks[-1]
        if last_only:
            return Z[w.T, :, I:] @ head                          # [1 | h_T] @ [b_y; W_hy^T]
        return (Z[1:, :, I:].reshape(-1, self.n_hidden + 1) @ head).reshape(w.T, w.N, -1)

    # ----- public API --------------------------------------------------------------------
    def forward(self, X, h0=None):
        """X (N, T, I), h0 None | (N, H) | (L, N, H) -> (Y (N, T, O), cache).

        cache["H"]: list (one per layer) of (N, T, H) states; cache["h_last"]: (L, N, H).
        """
        X = self._check_X(X)
        N = X.shape[0]
        h0 = self._check_h0(h0, N)
        w = self._run_forward(X, h0)
        cache = {"H": [h.transpose(1, 0, 2) for h in w.h],
                 "h_last": np.stack([h[-1] for h in w.h]),
                 "h0": np.zeros((len(w.h), N, self.n_hidden), self.dtype)
                 if h0 is None else h0}
        return self._outputs(w).transpose(1, 0, 2), cache

    def loss_and_grads(self, X, Y, *, h0=None, bptt_steps=None):
        """MSE loss and its gradient for every parameter (same keys and shapes as params).

        X (N, T, I); Y (N, O) many-to-one (loss on the last step) or (N, T, O) many-to-many.
        bptt_steps=k (truncated BPTT): the error of each output flows back through the k steps
        up to it, a_{t-k+1} .. a_t of every layer; the states h_{t-k} are constants for it.
        """
        X = self._check_X(X)
        Y = self._check_Y(Y, X)
        h0 = self._check_h0(h0, X.shape[0])
        loss, grads, _, _ = self._loss_and_grads(X, Y, h0, self._check_bptt(bptt_steps))
        return loss, grads

    def loss(self, X, Y, *, h0=None):
        """MSE between the model's outputs and Y (N, O) or (N, T, O); no gradients."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X)
        w = self._run_forward(X, self._check_h0(h0, X.shape[0]))
        pred = self._outputs(w, last_only=True) if Y.ndim == 2 else \
            self._outputs(w).transpose(1, 0, 2)
        err = pred - Y
        return float(np.vdot(err, err)) / err.size

    def predict(self, X, h0=None):
        """X (N, T, I) -> (N, O): the output at the last step (the next value)."""
        X = self._check_X(X)
        return self._outputs(self._run_forward(X, self._check_h0(h0, X.shape[0])),
                             last_only=True)

    def hidden_states(self, X, h0=None):
        """X (N, T, I) -> (N, T, H): the top layer's h_t at every step."""
        _, cache = self.forward(X, h0)
        return np.ascontiguousarray(cache["H"][-1])

    def final_state(self, X, h0=None):
        """X (N, T, I) -> (L, N, H): every layer's last state; pass it as h0 to continue."""
        return self.forward(X, h0)[1]["h_last"]

    def input_grads(self, X, dY, *, h0=None):
        """X (N, T, I), dY (N, O) -> (N, T, I): the gradient of sum(dY * y_T) with respect to
        every input x_t, y_T being the output at the last step. dY = a one-hot row gives one
        row of the Jacobian dy_T / dx_t (rnn_core/cell_views.connectivity: how much each
        input is remembered).
        """
        X = self._check_X(X)
        N, T, _ = X.shape
        dY = finite_array("dY", dY, (2,), self.dtype)
        if dY.shape != (N, self.n_out):
            raise ValueError(f"dY must have shape ({N}, {self.n_out}); got {dY.shape}.")
        w = self._work_for(N, T, 1, None)
        np.copyto(w.x[0], X.transpose(1, 0, 2))
        self._forward(w, self._check_h0(h0, N))
        np.copyto(w.E, dY)                              # dL/dy_T = dY, nothing at other steps
        self._backward(w)
        return self._input_grads(w).transpose(1, 0, 2)

    def _input_grads(self, w):
        """dL/dx_t (T, N, I) of layer 0 after a backward pass in w: W_xh^T dL/da_t."""
        return w.dA[0][:w.T] @ self._params[layer_names(0)[0]]

    def hidden_grad_norms(self, X, Y, *, h0=None, bptt_steps=None):
        """(T,) array of ||dL/dh_t|| (top layer, Frobenius norm over batch and units).

        Small norms at early t are the vanishing gradient; large ones, the exploding gradient.
        With bptt_steps=k, dL/dh_t sums what reaches h_t from the outputs at t .. t+k-1; with
        only the last step scored, exactly the last min(k, T) norms are nonzero.
        """
        X = self._check_X(X)
        Y = self._check_Y(Y, X)
        h0 = self._check_h0(h0, X.shape[0])
        *_, dh = self._loss_and_grads(X, Y, h0, self._check_bptt(bptt_steps), keep_dh=True)
        return np.sqrt(np.einsum("tnh,tnh->t", dh, dh))


def spectral_radius(W):
    """Largest |eigenvalue| of a square matrix; above 1, W_hh tends to grow gradients."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def set_spectral_radius(model, rho):
    """Rescale every layer's W_hh in place so that its spectral radius equals `rho` (> 0)."""
    if not (np.isfinite(rho) and rho > 0):
        raise ValueError(f"The spectral radius must be a positive number, got {rho!r}.")
    for layer in range(model.n_layers):
        W_hh = model.params[layer_names(layer)[1]]
        W_hh *= rho / spectral_radius(W_hh)
    return model
