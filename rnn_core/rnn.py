"""Elman recurrent network in NumPy, with backpropagation through time (BPTT).

For each layer, at every time step t (batch-first inputs X: (N, T, I)):

    a_t = W_xh x_t + W_hh h_{t-1} + b_h      pre-activation            (N, H)
    h_t = act(a_t)                           hidden state, tanh or relu (N, H)
    y_t = W_hy h_t + b_y                     output of the top layer    (N, O)

Layer l >= 1 reads the hidden states of layer l - 1 as its inputs x_t. Internally arrays are
time-major, (T, N, H), so that the state of step t, H[t], is one contiguous (N, H) block.
The whole mini-batch goes through one matrix product per time step; products that do not
depend on the recurrence (the input part W_xh x_t of every step, and every weight gradient)
are done once for all steps.

Truncated BPTT, `bptt_steps = k`: the error of the output at step s flows back through at
most k steps. It reaches the pre-activations a_{s-k+1} .. a_s of every layer, and the states
h_{s-k} (all layers) count as constants for that output. With one scored output (many-to-one)
exactly the last min(k, T) steps get gradient; with an output at every step, each output has
its own k-step window (see RNN._backward_chains).
"""
import numpy as np

from .activations import get_activation
from .parameters import ParameterDict


def layer_names(layer):
    """Parameter names of one layer: ("W_xh", "W_hh", "b_h") for 0, ("W_xh_1", ...) for 1."""
    suffix = "" if layer == 0 else f"_{layer}"
    return f"W_xh{suffix}", f"W_hh{suffix}", f"b_h{suffix}"


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


def finite_array(name, a, ndims):
    """`a` as a float64 array with ndim in `ndims`, free of NaN/inf; ValueError otherwise."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be a {want} array, got shape {a.shape}.")
    if not np.isfinite(a).all():
        raise ValueError(
            f"{name} contains NaN or infinite values; fill or drop the gaps in the series "
            "before training."
        )
    return a


class RNN(ParameterDict):
    """Elman RNN with `n_layers` stacked layers of `n_hidden` units and a linear output.

    Parameters (float64, in `model.params`): layer 0 `W_xh (H, I)`, `W_hh (H, H)`, `b_h (H,)`;
    layer l >= 1 `W_xh_l (H, H)`, `W_hh_l (H, H)`, `b_h_l (H,)`; output `W_hy (O, H)`, `b_y (O,)`.
    Initialisation: Glorot-uniform input/output weights, orthogonal W_hh, zero biases, all drawn
    from `np.random.default_rng(seed)`. The model keeps no hidden state between calls: pass
    `h0` in and read the final state out.
    """

    def __init__(self, n_in, n_hidden, n_out, *, activation="tanh", n_layers=1, seed=0):
        self.n_in = positive_int("n_in (input features per step)", n_in)
        self.n_hidden = positive_int("n_hidden (hidden units)", n_hidden)
        self.n_out = positive_int("n_out (outputs per step)", n_out)
        self.n_layers = positive_int("n_layers", n_layers)
        self.activation = activation
        self._act, self._act_grad = get_activation(activation)
        self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        H = self.n_hidden
        self._params = {}
        for layer in range(self.n_layers):
            W_xh, W_hh, b_h = layer_names(layer)
            self._params[W_xh] = glorot_uniform(rng, H, self.n_in if layer == 0 else H)
            self._params[W_hh] = orthogonal(rng, H)
            self._params[b_h] = np.zeros(H)
        self._params["W_hy"] = glorot_uniform(rng, self.n_out, H)
        self._params["b_y"] = np.zeros(self.n_out)

    # ----- bookkeeping -------------------------------------------------------------------
    @property
    def config(self):
        """JSON-able architecture; `RNN(**{k: v for k, v in config.items() if k != "kind"})`."""
        return {"kind": "rnn", "n_in": self.n_in, "n_hidden": self.n_hidden,
                "n_out": self.n_out, "activation": self.activation,
                "n_layers": self.n_layers, "seed": self.seed}

    # ----- input checks (public methods check; the private _ methods trust) --------------
    def _check_X(self, X):
        X = finite_array("X", X, (3,))
        if X.shape[2] != self.n_in or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"X must have shape (N, T, {self.n_in}) with N, T >= 1 for a "
                             f"model with n_in={self.n_in}; got {X.shape}.")
        return X

    def _check_h0(self, h0, N):
        L, H = self.n_layers, self.n_hidden
        if h0 is None:
            return np.zeros((L, N, H))
        h0 = finite_array("h0", h0, (2, 3))
        if h0.shape not in ((N, H), (L, N, H)):
            raise ValueError(f"h0 must have shape ({N}, {H}) or ({L}, {N}, {H}) "
                             f"(layers, batch, hidden units); got {h0.shape}.")
        return np.broadcast_to(h0, (L, N, H))  # an (N, H) state starts every layer

    def _check_Y(self, Y, X):
        Y = finite_array("Y", Y, (2, 3))
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
    def _forward_layers(self, Xt, h0):
        """Xt (T, N, I) time-major, h0 (L, N, H) -> list of (T, N, H) states, one per layer."""
        T, N, _ = Xt.shape
        states, inputs = [], Xt
        for layer in range(self.n_layers):
            W_xh, W_hh, b_h = (self._params[k] for k in layer_names(layer))
            # input part of a_t for every step at once: W_xh x_t + b_h       (T, N, H)
            Hs = np.dot(inputs.reshape(T * N, -1), W_xh.T)   # np.dot: faster than @ for I = 1
            Hs += b_h                  # in place: a fresh (T, N, H) temporary costs more
            Hs = Hs.reshape(T, N, -1)
            W_hh_T = np.ascontiguousarray(W_hh.T)  # BLAS is faster on a contiguous operand
            h = h0[layer]
            for t in range(T):
                Hs[t] += h @ W_hh_T   # a_t = (W_xh x_t + b_h) + W_hh h_{t-1}
                h = self._act(Hs[t])  # h_t = act(a_t), in place: Hs[t] now holds h_t
            states.append(Hs)
            inputs = Hs
        return states

    def _backward_layers(self, Xt, h0, states, dH_top, bptt_steps=None, keep_dh=False,
                         n_scored=None):
        """Backpropagate dL/dh_t coming from the outputs, dH_top (T, N, H), through every layer.

        Returns (grads of the layer parameters, dL/dh_t of the top layer (T, N, H) or None).
        `n_scored`: how many of the last steps have an output in the loss (None: all T).
        `bptt_steps=k`: the output at step s backpropagates through steps s-k+1 .. s only;
        the states h_{s-k} of all layers are constants for it (None, or k >= T: no cut).
        """
        T = dH_top.shape[0]
        if bptt_steps is not None and bptt_steps < T:
            if n_scored != 1:                      # several outputs, each with its own window
                return self._backward_chains(Xt, h0, states, dH_top, bptt_steps, keep_dh)
            first = T - bptt_steps                 # one output, at T-1: it reaches T-k .. T-1
        else:
            first = 0                              # no truncation: every step gets gradient
        return self._backward_one_chain(Xt, h0, states, dH_top, first, keep_dh)

    def _backward_one_chain(self, Xt, h0, states, dH_top, first, keep_dh):
        """BPTT with one gradient dL/dh_t per step, for steps first .. T-1 (earlier steps get 0).

        Exact for full BPTT (first = 0), and for truncation when only the last step is scored
        (first = T - k): the chain then stops at a_{T-k}, so h_{T-k-1} is held constant.
        """
        T, N, H = dH_top.shape
        grads, dH_in, dh_kept = {}, dH_top, None
        for layer in reversed(range(self.n_layers)):
            names = layer_names(layer)
            W_xh, W_hh = self._params[names[0]], self._params[names[1]]
            Hs = states[layer]
            dA = np.empty_like(Hs) if first == 0 else np.zeros_like(Hs)   # dL/da_t  (T, N, H)
            keep = keep_dh and layer == self.n_layers - 1   # record dL/dh_t of the top layer
            if keep:
                dh_kept = np.zeros_like(Hs)
            dh_next = 0.0                          # dL/dh_t arriving from step t+1
            for t in reversed(range(first, T)):
                dh = dH_in[t] + dh_next           # dL/dh_t = from above (output) + from a_{t+1}
                if keep:
                    dh_kept[t] = dh
                np.multiply(dh, self._act_grad(Hs[t]), out=dA[t])  # dL/da_t = dL/dh_t * act'(a_t)
                if t > first:
                    dh_next = dA[t] @ W_hh        # dL/dh_{t-1} = W_hh^T dL/da_t
            inputs = Xt if layer == 0 else states[layer - 1]
            self._weight_grads(layer, dA, inputs, Hs, h0[layer], grads)
            if layer > 0:                        # dL/dx_t of this layer = dL/dh_t of the one below
                dH_in = (dA.reshape(T * N, H) @ W_xh).reshape(T, N, H)
        return grads, dh_kept

    def _backward_chains(self, Xt, h0, states, dH_top, k, keep_dh):
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
        recurrent work of full BPTT.
        """
        T, N, H = dH_top.shape
        top = self.n_layers - 1
        W = [(self._params[layer_names(layer)[0]], self._params[layer_names(layer)[1]])
             for layer in range(self.n_layers)]
        dA = [np.zeros_like(Hs) for Hs in states]          # dL/da_t, summed over chains
        dh_kept = np.zeros_like(dH_top) if keep_dh else None
        D = [np.zeros((0, N, H)) for _ in states]          # D_{t+1} per layer: (ages, N, H)
        for t in reversed(range(T)):
            ages = min(k, T - t)                 # outputs t .. t+ages-1 can reach step t
            from_above = None                    # the upper layer's dL/dx_t per age
            for layer in reversed(range(self.n_layers)):
                W_xh, W_hh = W[layer]
                C = np.empty((ages, N, H))
                if from_above is None:
                    C[0] = dH_top[t]                              # age 0: the output at t
                else:
                    C[0] = from_above[0]
                if ages > 1:                                      # C[j] = W_hh^T D_{t+1}[j-1]
                    np.dot(D[layer][:ages - 1].reshape(-1, H), W_hh,
                           out=C[1:].reshape(-1, H))
                    if from_above is not None:
                        C[1:] += from_above[1:]
                if keep_dh and layer == top:
                    dh_kept[t] = C.sum(axis=0)                    # dL/dh_t = sum_j C[j]
                C *= self._act_grad(states[layer][t])             # D_t[j] = act'(a_t) * C[j]
                C.sum(axis=0, out=dA[layer][t])                   # dL/da_t = sum_j D_t[j]
                D[layer] = C
                if layer > 0:                                     # dL/dx_t[j] = W_xh^T D_t[j]
                    from_above = (C.reshape(-1, H) @ W_xh).reshape(ages, N, H)
        grads = {}
        for layer in range(self.n_layers):
            inputs = Xt if layer == 0 else states[layer - 1]
            self._weight_grads(layer, dA[layer], inputs, states[layer], h0[layer], grads)
        return grads, dh_kept

    def _weight_grads(self, layer, dA, inputs, Hs, h0, grads):
        """Put one layer's weight gradients into `grads`: sums over steps and batch, one product
        each. dA (T, N, H) = dL/da_t, inputs (T, N, I) = x_t, Hs (T, N, H) = h_t, h0 (N, H)."""
        T, N, H = dA.shape
        W_xh, W_hh, b_h = layer_names(layer)
        dA2 = dA.reshape(T * N, H)
        grads[W_xh] = dA2.T @ inputs.reshape(T * N, -1)          # sum_t dA_t x_t^T
        grads[W_hh] = dA[0].T @ h0                               # sum_t dA_t h_{t-1}^T
        if T > 1:
            grads[W_hh] += dA2[N:].T @ Hs[:-1].reshape(-1, H)
        grads[b_h] = dA2.sum(axis=0)                             # sum_t dA_t

    def _loss_and_grads(self, X, Y, h0, bptt_steps=None, keep_dh=False):
        """Trusting core of loss_and_grads. Returns (loss, grads, states, dL/dh_top or None).

        Y (N, O) is the target of the last step, Y (N, k, O) the targets of the last k steps
        (k = T: many-to-many; k < T: truncated BPTT, where the loss covers the newest k1 steps).
        bptt_steps: None, or each scored output backpropagates through its last bptt_steps steps.
        """
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))          # (T, N, I)
        states = self._forward_layers(Xt, h0)
        top = states[-1]
        T, N, H = top.shape
        W_hy, b_y = self._params["W_hy"], self._params["b_y"]
        Yk = Y[:, None] if Y.ndim == 2 else Y                    # (N, k, O)
        k = Yk.shape[1]
        out = top[T - k:].reshape(k * N, H)                      # h_t of the scored steps
        E = out @ W_hy.T                                         # y_t = W_hy h_t + b_y
        E += b_y
        E -= Yk.transpose(1, 0, 2).reshape(k * N, -1)            # error y_t - target
        loss = float(np.mean(E * E))                             # MSE over all target elements
        dY = 2.0 * E / E.size                                    # dL/dy_t         (k*N, O)
        grads = {"W_hy": dY.T @ out, "b_y": dY.sum(axis=0)}
        dH_top = np.zeros_like(top)
        dH_top[T - k:] = (dY @ W_hy).reshape(k, N, H)            # dL/dh_t = W_hy^T dL/dy_t
        layer_grads, dh = self._backward_layers(Xt, h0, states, dH_top, bptt_steps, keep_dh,
                                                n_scored=k)
        layer_grads.update(grads)
        return loss, {name: layer_grads[name] for name in self._params}, states, dh

    def _check_data(self, X, Y):
        """Validated (X, Y) for the trainer, which then calls _grads on mini-batches."""
        X = self._check_X(X)
        return X, self._check_Y(Y, X)

    def _grads(self, X, Y, bptt_steps=None):
        """(loss, grads) of a checked mini-batch, starting from h0 = 0."""
        h0 = np.zeros((self.n_layers, X.shape[0], self.n_hidden))
        return self._loss_and_grads(X, Y, h0, bptt_steps)[:2]

    # ----- public API --------------------------------------------------------------------
    def forward(self, X, h0=None):
        """X (N, T, I), h0 None | (N, H) | (L, N, H) -> (Y (N, T, O), cache).

        cache["H"]: list (one per layer) of (N, T, H) states; cache["h_last"]: (L, N, H).
        """
        X = self._check_X(X)
        h0 = self._check_h0(h0, X.shape[0])
        states = self._forward_layers(np.ascontiguousarray(X.transpose(1, 0, 2)), h0)
        Y = states[-1] @ self._params["W_hy"].T + self._params["b_y"]    # (T, N, O)
        cache = {"H": [s.transpose(1, 0, 2) for s in states],
                 "h_last": np.stack([s[-1] for s in states]), "h0": h0}
        return Y.transpose(1, 0, 2), cache

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
        out, _ = self.forward(X, h0)
        pred = out[:, -1] if Y.ndim == 2 else out
        return float(np.mean((pred - Y) ** 2))

    def predict(self, X, h0=None):
        """X (N, T, I) -> (N, O): the output at the last step (the next value)."""
        X = self._check_X(X)
        states = self._forward_layers(np.ascontiguousarray(X.transpose(1, 0, 2)),
                                      self._check_h0(h0, X.shape[0]))
        return states[-1][-1] @ self._params["W_hy"].T + self._params["b_y"]

    def hidden_states(self, X, h0=None):
        """X (N, T, I) -> (N, T, H): the top layer's h_t at every step."""
        _, cache = self.forward(X, h0)
        return np.ascontiguousarray(cache["H"][-1])

    def final_state(self, X, h0=None):
        """X (N, T, I) -> (L, N, H): every layer's last state; pass it as h0 to continue."""
        return self.forward(X, h0)[1]["h_last"]

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


def rnn_step(params, x_t, h_prev, activation="tanh"):
    """One step by hand with layer-0 names: x_t (I,) or (N, I), h_prev (H,) or (N, H).

    Returns dict(a=pre-activation, h=new state, y=output), each (H,)/(O,) or (N, H)/(N, O).
    """
    act, _ = get_activation(activation)
    x_t, h_prev = np.asarray(x_t, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    a = x_t @ params["W_xh"].T + h_prev @ params["W_hh"].T + params["b_h"]  # W_xh x + W_hh h + b
    h = act(a.copy())                                                       # h = act(a)
    y = h @ params["W_hy"].T + params["b_y"]                                # y = W_hy h + b_y
    return {"a": a, "h": h, "y": y}


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
