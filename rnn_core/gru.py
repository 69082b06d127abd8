"""Gated recurrent unit (GRU) in NumPy, with backpropagation through time, for whole batches.

GRU, per layer, at every time step t (batch-first X: (N, T, I); gates in torch's order r, z, n):

    r_t = σ(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)              reset gate         (N, H)
    z_t = σ(W_xz x_t + b_xz + W_hz h_{t-1} + b_hz)              update gate        (N, H)
    n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn))   new candidate      (N, H)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                       hidden state       (N, H)
    y_t = W_hy h_t + b_y                                        output, top layer  (N, O)

Backward of one step (chain rule), with dh = dL/dh_t (from the output, the layer above and
step t+1) and a_r, a_z, a_n the arguments of σ, σ and tanh above:

    dL/da_n = dh ⊙ (1 - z) ⊙ (1 - n²)
    dL/da_z = dh ⊙ (h_{t-1} - n) ⊙ z (1 - z)
    dL/da_r = dL/da_n ⊙ (W_hn h_{t-1} + b_hn) ⊙ r (1 - r)
    dL/dh_{t-1} = dh ⊙ z + W_h^T [dL/da_r, dL/da_z, r ⊙ dL/da_n]      (the h part of each gate)
    dL/dx_t     = W_x^T [dL/da_r, dL/da_z, dL/da_n]                  (sent to the layer below)
    dL/dW_x = sum_t [da_r, da_z, da_n] x_t^T      dL/dW_h = sum_t [da_r, da_z, r ⊙ da_n] h_{t-1}^T

The machinery around the step (layers, fused gate blocks, outputs, truncation, the public
methods, and the speed notes) is shared with the LSTM in gated.py (`GatedRNN`).
"""
import numpy as np

from .gated import GatedRNN, gated_names, split_gates


class GRU(GatedRNN):
    """Gated recurrent unit, `n_layers` layers of `n_hidden` units, and a linear output.

    Parameters (in `model.params`; G = 3 gate blocks in the order reset r, update z, new n,
    as torch.nn.GRU): layer 0 `W_x (3H, I)`, `W_h (3H, H)`, `b_x (3H,)`, `b_h (3H,)`; layer
    l >= 1 the same names with a suffix, `W_x_1 (3H, H)`, ...; output `W_hy (O, H)`, `b_y (O,)`.
    Both biases are used (b_hn sits inside r ⊙ (...)). Initialisation: per gate block,
    Glorot-uniform W_x and orthogonal W_h; zero biases; W_hy Glorot; from `default_rng(seed)`.
    The state is h, (L, N, H) as for the Elman RNN. dtype "float64" (default) or "float32".
    """
    cell, n_gates, roles, sigmoid_gates, split_grads, state_rows = \
        "gru", 3, ("W_x", "W_h", "b_x", "b_h"), (0, 1), True, 1

    def _cell_arrays(self, w):
        """XP (input part of each gate), HP (h part, with b_h); per-step views for the loop."""
        T, N, H, dt = w.T, w.N, self.n_hidden, self.dtype
        w.XP = [np.empty((T, N, 3 * H), dtype=dt) for _ in w.S]
        w.HP = [np.empty((T, N, 3 * H), dtype=dt) for _ in w.S]
        w.xp = w.XP
        w.h = [S[1:, :, 1:] for S in w.S]
        w.h0_rows = [S[0, :, 1:] for S in w.S]
        w.steps = [[(S[t], HP[t], XP[t, :, :2 * H], HP[t, :, :2 * H], G[t, :, :2 * H],
                     G[t, :, :H], G[t, :, H:2 * H], G[t, :, 2 * H:], HP[t, :, 2 * H:],
                     XP[t, :, 2 * H:], S[t, :, 1:], S[t + 1, :, 1:]) for t in range(T)]
                    for S, G, XP, HP in zip(w.S, w.G, w.XP, w.HP)]

    def _layer_forward(self, w, layer):
        Hb = w.blocks[2 * layer + 1]                 # [b_h; W_h^T], r and z columns halved
        for s_prev, hp, xp_rz, hp_rz, rz, r, z, n, hp_n, xp_n, h_prev, h in w.steps[layer]:
            np.dot(s_prev, Hb, hp)                   # W_h h_{t-1} + b_h, all three gates
            np.add(xp_rz, hp_rz, rz)
            np.tanh(rz, rz)
            rz *= 0.5
            rz += 0.5                                # r, z = σ(W_x x_t + b_x + W_h h_{t-1} + b_h)
            np.multiply(r, hp_n, n)                  # r ⊙ (W_hn h_{t-1} + b_hn)
            n += xp_n
            np.tanh(n, n)                            # n = tanh(W_xn x_t + b_xn + r ⊙ (...))
            np.subtract(h_prev, n, h)
            h *= z
            h += n                                   # h_t = n + z ⊙ (h_{t-1} - n)

    def _factor_arrays(self, w):
        """Kx, Kh (T, N, 3, H): filled by _factors for one layer."""
        return [np.empty((w.T, w.N, 3, self.n_hidden), dtype=self.dtype) for _ in range(2)]

    def _factors(self, w, layer):
        """Per step, for the backward (module docstring): dL/d(x part) = dh ⊗ Kx and
        dL/d(h part) = dh ⊗ Kh, Kx, Kh (T, N, 3, H), all steps at once, in place; and z."""
        H, G = self.n_hidden, w.G[layer]
        r, z, n = G[..., :H], G[..., H:2 * H], G[..., 2 * H:]
        hn, h_prev = w.HP[layer][..., 2 * H:], w.S[layer][:w.T, :, 1:]
        Kx, Kh = w.factors[layer]
        kr, kz, kn = Kx[:, :, 0], Kx[:, :, 1], Kx[:, :, 2]
        np.subtract(1.0, z, kz)
        np.multiply(n, n, kn)
        np.subtract(1.0, kn, kn)
        kn *= kz                                  # da_n / dh = (1 - z)(1 - n²)
        kz *= z
        np.subtract(h_prev, n, Kh[:, :, 1])
        kz *= Kh[:, :, 1]                         # da_z / dh = (h_{t-1} - n) z (1 - z)
        np.subtract(1.0, r, kr)
        kr *= r
        kr *= hn
        kr *= kn                                  # da_r / dh = da_n / dh (W_hn h + b_hn) r (1 - r)
        Kh[:, :, :2] = Kx[:, :, :2]
        np.multiply(kn, r, Kh[:, :, 2])           # the h part of n: r ⊙ da_n
        return Kx, Kh, z, self._params[gated_names(layer, self.roles)["W_h"]]

    def _step_back(self, fac, t, dh, dc_next, dgx, dgh, dh_prev, dc):
        """dh (…, N, H) = dL/dh_t -> gate gradients into dgx, dgh (…, N, 3H) and
        dL/dh_{t-1} through this step into dh_prev. (No cell: dc_next, dc unused.)"""
        Kx, Kh, z, W_h = fac
        np.multiply(dh[..., None, :], Kx[t], split_gates(dgx, 3))   # [da_r, da_z, da_n]
        np.multiply(dh[..., None, :], Kh[t], split_gates(dgh, 3))   # [da_r, da_z, r ⊙ da_n]
        np.dot(dgh.reshape(-1, dgh.shape[-1]), W_h, dh_prev.reshape(-1, dh.shape[-1]))
        dh_prev += dh * z[t]                      # dL/dh_{t-1} = W_h^T (...) + dh ⊙ z

    def _gate_arrays(self, w, layer):
        H, G = self.n_hidden, w.G[layer]
        return {"r": G[..., :H], "z": G[..., H:2 * H], "n": G[..., 2 * H:], "h": w.h[layer]}
