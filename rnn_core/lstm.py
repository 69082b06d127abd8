"""Long short-term memory (LSTM) in NumPy, with backpropagation through time, for whole batches.

Per layer, at every time step t (batch-first X: (N, T, I); gates in torch's order i, f, g, o):

    a_t = W_x x_t + W_h h_{t-1} + b             pre-activations of all gates   (N, 4H)
    i_t = σ(a_i)    f_t = σ(a_f)    o_t = σ(a_o)    input, forget, output gates (N, H)
    g_t = tanh(a_g)                             candidate cell                 (N, H)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t             cell state: the memory         (N, H)
    h_t = o_t ⊙ tanh(c_t)                       hidden state                   (N, H)
    y_t = W_hy h_t + b_y                        output of the top layer        (N, O)

Backward of one step (chain rule), with dh = dL/dh_t (from the output, the layer above and
step t+1) and dc' = dL/dc_t arriving from step t+1 (= dL/dc_{t+1} ⊙ f_{t+1}):

    dL/dc_t = dc' + dh ⊙ o ⊙ (1 - tanh²(c_t))
    dL/da_i = dL/dc_t ⊙ g ⊙ i (1 - i)          dL/da_f = dL/dc_t ⊙ c_{t-1} ⊙ f (1 - f)
    dL/da_g = dL/dc_t ⊙ i ⊙ (1 - g²)           dL/da_o = dh ⊙ tanh(c_t) ⊙ o (1 - o)
    dL/dh_{t-1} = W_h^T dL/da_t     dL/dc_{t-1} (sent back) = dL/dc_t ⊙ f_t
    dL/dx_t = W_x^T dL/da_t      (sent to the layer below)
    dL/dW_x = sum_t dL/da_t x_t^T    dL/dW_h = sum_t dL/da_t h_{t-1}^T    dL/db = sum_t dL/da_t

The forget gate is the cure for the vanishing gradient: along the cell, dL/dc_{t-1} is dL/dc_t
times f_t, with no squashing derivative in between, so a gate near 1 carries the gradient
across many steps. The machinery (layers, blocks, outputs, truncation, the public methods) is
shared with the GRU (gated.py, `GatedRNN`); its speed notes apply here; in addition, c_t and
tanh(c_t) of every step are kept for the backward pass.

The state. An LSTM carries two (N, H) arrays per layer. Everywhere a state goes in or comes out
(h0, final_state, forward's cache["H"] and cache["h_last"], fit_tbptt's carried state) it is one
array of 2L rows: rows 0 .. L-1 are the cells c of layers 0 .. L-1, rows L .. 2L-1 the hidden
states h. The last row is the top layer's h, as for every cell, so code that reads "the state
the output sees" as row -1 works for all three. An h0 of L rows (or one (N, H) row for every
layer) gives the h rows and starts the cells at 0: zeros((L, N, H)) is the zero state.
"""
import numpy as np

from .gated import GatedRNN, gated_names, split_gates
from .rnn import finite_array


class LSTM(GatedRNN):
    """LSTM with `n_layers` layers of `n_hidden` units and a linear output.

    Parameters (in `model.params`; 4 gate blocks in the order input i, forget f, cell g,
    output o, as torch.nn.LSTM): layer 0 `W_x (4H, I)`, `W_h (4H, H)`, `b (4H,)`; layer l >= 1
    `W_x_1 (4H, H)`, `W_h_1 (4H, H)`, `b_1 (4H,)`, ...; output `W_hy (O, H)`, `b_y (O,)`. One
    bias per gate: torch's b_ih + b_hh. Initialisation: per gate block, Glorot-uniform W_x and
    orthogonal W_h; biases 0 except the forget gate's, 1 (the cell remembers from the start);
    W_hy Glorot; from `default_rng(seed)`. State (h, c): 2L rows, see the module docstring.
    dtype "float64" (default) or "float32".
    """
    cell, n_gates, roles, sigmoid_gates, split_grads, state_rows, h_bias = \
        "lstm", 4, ("W_x", "W_h", "b"), (0, 1, 3), False, 2, False

    def _init_biases(self, p, names):
        H = self.n_hidden
        p[names["b"]][H:2 * H] = 1.0                # forget gate open: f = σ(1) ≈ 0.73

    def _check_h0(self, h0, N):
        """None | (N, H) | (L, N, H) (the h rows, cells at 0) | (2L, N, H) -> None | (2L, N, H)."""
        L, H = self.n_layers, self.n_hidden
        if h0 is None:
            return None
        h0 = finite_array("h0", h0, (2, 3), self.dtype)
        if h0.shape == (2 * L, N, H):
            return h0
        if h0.shape not in ((N, H), (L, N, H)):
            raise ValueError(f"An LSTM's h0 must have shape ({2 * L}, {N}, {H}) (the cells c of "
                             f"the {L} layer(s), then their hidden states h), or ({L}, {N}, {H}) "
                             f"or ({N}, {H}) for h alone (cells at 0); got {h0.shape}.")
        state = np.zeros((2 * L, N, H), dtype=self.dtype)
        state[L:] = h0
        return state

    def _cell_arrays(self, w):
        """C (T+1, N, H) the cells (row t+1: c_t, row 0: c_{-1}), TC (T, N, H) tanh(c_t);
        per-step views for the loop; the gates' input part goes straight into G."""
        T, N, H, dt = w.T, w.N, self.n_hidden, self.dtype
        w.C = [np.zeros((T + 1, N, H), dtype=dt) for _ in w.S]
        w.TC = [np.empty((T, N, H), dtype=dt) for _ in w.S]
        w.xp = w.G
        w.h = [C[1:] for C in w.C] + [S[1:, :, 1:] for S in w.S]
        w.h0_rows = [C[0] for C in w.C] + [S[0, :, 1:] for S in w.S]
        w.tmp_gates = np.empty((N, 4 * H), dtype=dt)
        w.tmp = np.empty((N, H), dtype=dt)
        sig = np.isin(np.arange(4 * H) // H, self.sigmoid_gates)
        w.gate_a = np.where(sig, 0.5, 1.0).astype(dt)        # σ(a) = 0.5 tanh(a/2) + 0.5
        w.gate_b = np.where(sig, 0.5, 0.0).astype(dt)
        w.steps = [[(S[t], G[t], G[t, :, :H], G[t, :, H:2 * H], G[t, :, 2 * H:3 * H],
                     G[t, :, 3 * H:], C[t], C[t + 1], TC[t], S[t + 1, :, 1:]) for t in range(T)]
                   for S, G, C, TC in zip(w.S, w.G, w.C, w.TC)]

    def _layer_forward(self, w, layer):
        Wh = w.blocks[2 * layer + 1]                # [0; W_h^T], σ columns halved
        tmp, tmp_gates, gate_a, gate_b = w.tmp, w.tmp_gates, w.gate_a, w.gate_b
        for s_prev, a, i, f, g, o, c_prev, c, tc, h in w.steps[layer]:
            np.dot(s_prev, Wh, tmp_gates)
            a += tmp_gates                          # a_t = W_x x_t + b + W_h h_{t-1}
            np.tanh(a, a)
            a *= gate_a
            a += gate_b                             # i, f, o = σ(a), g = tanh(a), in place
            np.multiply(f, c_prev, c)
            np.multiply(i, g, tmp)
            c += tmp                                # c_t = f ⊙ c_{t-1} + i ⊙ g
            np.tanh(c, tc)
            np.multiply(o, tc, h)                   # h_t = o ⊙ tanh(c_t)

    def _factor_arrays(self, w):
        """K (T, N, 4H) in the gates' layout and Kc (T, N, H): filled by _factors."""
        T, N, H, dt = w.T, w.N, self.n_hidden, self.dtype
        return np.empty((T, N, 4 * H), dtype=dt), np.empty((T, N, H), dtype=dt)

    def _factors(self, w, layer):
        """Per step, for the backward, all steps at once, in place: K with [da_i, da_f, da_g]
        = dL/dc_t ⊗ K[i, f, g] and da_o = dh ⊙ K[o], Kc with dL/dc_t = dc' + dh ⊙ Kc; and f."""
        H, G, tc = self.n_hidden, w.G[layer], w.TC[layer]
        i, f, g, o = (G[..., j * H:(j + 1) * H] for j in range(4))
        K, Kc = w.factors[layer]
        k_i, k_f, k_g, k_o = (K[..., j * H:(j + 1) * H] for j in range(4))
        np.subtract(1.0, G, K)
        K *= G                                    # σ'(a) = σ (1 - σ) for i, f, o (all at once)
        k_i *= g                                  # g i (1 - i)
        k_f *= w.C[layer][:w.T]                   # c_{t-1} f (1 - f)
        k_o *= tc                                 # tanh(c_t) o (1 - o)
        np.multiply(g, g, k_g)
        np.subtract(1.0, k_g, k_g)
        k_g *= i                                  # i (1 - g²)
        np.multiply(tc, tc, Kc)
        np.subtract(1.0, Kc, Kc)
        Kc *= o                                   # o (1 - tanh²(c_t))
        return split_gates(K, 4), Kc, f, self._params[gated_names(layer, self.roles)["W_h"]]

    def _step_back(self, fac, t, dh, dc_next, dgx, dgh, dh_prev, dc):
        """dh = dL/dh_t, dc_next = dL/dc_t arriving from step t+1 (…, N, H) -> dL/da_t into
        dgh (…, N, 4H) (dgx is the same array: the x and h parts of a gate get one gradient),
        dL/dh_{t-1} into dh_prev and dL/dc_{t-1} into dc."""
        K, Kc, f, W_h = fac
        np.multiply(dh, Kc[t], dc)
        dc += dc_next                                 # dL/dc_t
        d = split_gates(dgh, 4)
        np.multiply(dc[..., None, :], K[t, :, :3], d[..., :3, :])   # da_i, da_f, da_g
        np.multiply(dh, K[t, :, 3], d[..., 3, :])                   # da_o
        np.dot(dgh.reshape(-1, dgh.shape[-1]), W_h, dh_prev.reshape(-1, dh.shape[-1]))
        dc *= f[t]                                    # sent back: dL/dc_t ⊙ f_t

    def _gate_arrays(self, w, layer):
        H, G = self.n_hidden, w.G[layer]
        gates = {name: G[..., j * H:(j + 1) * H] for j, name in enumerate("ifgo")}
        return gates | {"c": w.C[layer][1:], "h": w.S[layer][1:, :, 1:]}
