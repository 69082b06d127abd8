"""Feed-forward baseline: the window, flattened, through one or two ReLU layers.

    z_0 = flatten(X)                     (N, T*I)   the window as one long vector
    z_k = relu(W_k z_{k-1} + b_k)        (N, H_k)   k = 1 .. number of hidden layers
    y   = W_out z_last + b_out           (N, O)     the next value

Same interface as the RNN (params, loss_and_grads, predict, config, copy), so the trainer and
the app treat both alike. Unlike the RNN its input size is tied to the window length.
"""
import numpy as np

from .activations import relu_, relu_grad
from .parameters import ParameterDict
from .rnn import finite_array, glorot_uniform, positive_int


class MLP(ParameterDict):
    """Multi-layer perceptron; `n_in` must equal window * features (T * I).

    Parameters: `W1 (H1, n_in)`, `b1`, [`W2 (H2, H1)`, `b2`], `W_out (O, H_last)`, `b_out`.
    ReLU layers start He-normal (std sqrt(2 / fan_in)), the output layer Glorot-uniform,
    biases zero; all drawn from `np.random.default_rng(seed)`.
    """

    def __init__(self, n_in, n_hidden, n_out, *, seed=0):
        self.n_in = positive_int("n_in (window * features)", n_in)
        sizes = (n_hidden,) if isinstance(n_hidden, (int, np.integer)) else tuple(n_hidden)
        if len(sizes) not in (1, 2):
            raise ValueError(f"n_hidden must be one number or a list of two, got {n_hidden!r}.")
        self.n_hidden = tuple(positive_int("n_hidden (hidden units)", h) for h in sizes)
        self.n_out = positive_int("n_out (outputs)", n_out)
        self.seed = int(seed)
        self.dtype = np.dtype(np.float64)
        self._work = {}
        rng = np.random.default_rng(self.seed)
        self._params, fan_in = self._new_params(), self.n_in
        for k, h in enumerate(self.n_hidden, start=1):
            self._params[f"W{k}"][...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(h, fan_in))
            self._params[f"b{k}"][...] = 0.0
            fan_in = h
        self._params["W_out"][...] = glorot_uniform(rng, self.n_out, fan_in)
        self._params["b_out"][...] = 0.0

    @property
    def config(self):
        """JSON-able architecture; `MLP(**{k: v for k, v in config.items() if k != "kind"})`."""
        hidden = self.n_hidden[0] if len(self.n_hidden) == 1 else list(self.n_hidden)
        return {"kind": "mlp", "n_in": self.n_in, "n_hidden": hidden,
                "n_out": self.n_out, "seed": self.seed}

    def _shapes(self):
        """name -> shape, in the order the parameters sit in the flat buffer."""
        shapes, fan_in = {}, self.n_in
        for k, h in enumerate(self.n_hidden, start=1):
            shapes[f"W{k}"], shapes[f"b{k}"], fan_in = (h, fan_in), (h,), h
        shapes["W_out"], shapes["b_out"] = (self.n_out, fan_in), (self.n_out,)
        return shapes

    def _check_X(self, X):
        """X (N, T, I) or (N, T*I) -> (N, n_in) float64."""
        X = finite_array("X", X, (2, 3))
        flat = X.reshape(X.shape[0], -1)
        if flat.shape[1] != self.n_in:
            raise ValueError(
                f"This MLP was built for windows of {self.n_in} values (window * features), "
                f"but X {X.shape} has {flat.shape[1]} per sample; rebuild the MLP with "
                f"n_in={flat.shape[1]} or use windows of the original length.")
        return flat

    def _check_Y(self, Y, N):
        Y = finite_array("Y", Y, (2,))
        if Y.shape != (N, self.n_out):
            raise ValueError(f"Y must have shape ({N}, {self.n_out}) (the next value of each "
                             f"window); got {Y.shape}.")
        return Y

    def _forward(self, Z):
        """Z (N, n_in) -> list of layer outputs [z_0, z_1, ..., y]."""
        zs, n_hidden = [Z], len(self.n_hidden)
        for k in range(1, n_hidden + 1):
            zs.append(relu_(zs[-1] @ self._params[f"W{k}"].T + self._params[f"b{k}"]))
        zs.append(zs[-1] @ self._params["W_out"].T + self._params["b_out"])
        return zs

    def _loss_and_grads(self, Z, Y, grads=None):
        """(loss, grads); the gradients are written into `grads` (a FlatParams of this
        model's layout, e.g. reused batch after batch) or into a new one."""
        zs = self._forward(Z)
        E = zs[-1] - Y
        loss = float(np.mean(E * E))                       # MSE over all target elements
        dy = 2.0 * E / E.size                               # dL/dy          (N, O)
        g = self._new_params() if grads is None else grads
        np.dot(dy.T, zs[-2], out=g["W_out"])                # sum_n dy z_last^T
        dy.sum(axis=0, out=g["b_out"])
        dz = dy @ self._params["W_out"]                     # dL/dz_last = W_out^T dL/dy
        for k in range(len(self.n_hidden), 0, -1):
            da = dz * relu_grad(zs[k])                      # dL/da_k = dL/dz_k * relu'(a_k)
            np.dot(da.T, zs[k - 1], out=g[f"W{k}"])         # sum_n da z_{k-1}^T
            da.sum(axis=0, out=g[f"b{k}"])
            if k > 1:
                dz = da @ self._params[f"W{k}"]             # dL/dz_{k-1} = W_k^T dL/da_k
        return loss, g

    def _check_data(self, X, Y):
        """Validated (flattened X, Y) for the trainer, which then calls _grads on mini-batches."""
        Z = self._check_X(X)
        return Z, self._check_Y(Y, Z.shape[0])

    def _batch_grads(self, Z, Y, idx, bptt_steps=None):
        """(loss, grads) of the windows idx of checked data; the grads buffer is reused, so
        they are valid until the next call."""
        if bptt_steps is not None:
            raise ValueError("bptt_steps applies to recurrent models only; leave it empty "
                             "for the MLP.")
        grads = self._work.get("grads")
        if grads is None:
            grads = self._work["grads"] = self._new_params(np.zeros)
        return self._loss_and_grads(Z[idx], Y[idx], grads)

    def loss_and_grads(self, X, Y):
        """X (N, T, I) or (N, n_in), Y (N, O) -> (MSE loss, grads with the params' keys)."""
        Z = self._check_X(X)
        return self._loss_and_grads(Z, self._check_Y(Y, Z.shape[0]))

    def loss(self, X, Y):
        """MSE between predict(X) and Y (N, O); no gradients."""
        Z = self._check_X(X)
        Y = self._check_Y(Y, Z.shape[0])
        return float(np.mean((self._forward(Z)[-1] - Y) ** 2))

    def predict(self, X):
        """X (N, T, I) or (N, n_in) -> (N, O)."""
        return self._forward(self._check_X(X))[-1]
