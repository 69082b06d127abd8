"""Optimizers that step a dict of parameter arrays in place, and global-norm clipping.

Formulas follow torch.optim with its default settings (no weight decay, no Nesterov).
When the parameters and the gradients are views into one flat buffer each (a model's
`params` and the gradients it returns, see parameters.py), every update below runs once on
that buffer instead of once per name: the same arithmetic in a dozen NumPy calls. Moments
(velocity, m, v) have the parameters' dtype, so a float32 model stays float32.
"""
import math

import numpy as np


def arrays(params, grads):
    """[(name, p, g), ...] to update: one (None, params.flat, grads.flat) when both dicts view
    one buffer each (the same layout: a model's params and its gradients), else one per name."""
    p, g = getattr(params, "flat", None), getattr(grads, "flat", None)
    if p is not None and g is not None and p.shape == g.shape:
        return [(None, p, g)]
    return [(name, p, grads[name]) for name, p in params.items()]


def check_lr(lr):
    """Return lr as a float if it is a positive finite number; ValueError otherwise."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) \
            or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"The learning rate must be a positive number such as 0.01, got {lr!r}.")
    return float(lr)


class SGD:
    """Plain gradient descent: p <- p - lr * g."""

    def __init__(self, lr):
        self.lr = check_lr(lr)

    def step(self, params, grads):
        for _, p, g in arrays(params, grads):
            p -= self.lr * g


class Momentum:
    """Heavy-ball momentum (torch's SGD with momentum): v <- mu v + g;  p <- p - lr v."""

    def __init__(self, lr, momentum=0.9):
        self.lr = check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), such as 0.9; got {momentum!r}.")
        self.momentum = float(momentum)
        self.velocity = {}

    def step(self, params, grads):
        for name, p, g in arrays(params, grads):
            v = self.velocity.get(name)
            if v is None:                       # torch starts the buffer at the first gradient
                v = self.velocity[name] = g.copy()
            else:
                v *= self.momentum
                v += g
            p -= self.lr * v


class Adam:
    """Adam (Kingma & Ba) with bias correction, torch's defaults:

        m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
        p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_lr(lr)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {b!r}.")
        if not eps > 0:
            raise ValueError(f"eps must be a small positive number such as 1e-8, got {eps!r}.")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m, self.v = {}, {}
        self._work = {}                                  # scratch arrays per buffer

    def step(self, params, grads):
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t                  # bias corrections: m and v start at 0
        c2 = 1.0 - self.beta2 ** self.t
        for name, p, g in arrays(params, grads):
            if name not in self.m:
                self.m[name], self.v[name] = np.zeros_like(p), np.zeros_like(p)
                self._work[name] = np.empty_like(p), np.empty_like(p)
            m, v = self.m[name], self.v[name]
            s, d = self._work[name]          # the products go into s and d: no temporaries
            m *= self.beta1
            m += np.multiply(g, 1.0 - self.beta1, out=s)         # m = b1 m + (1 - b1) g
            v *= self.beta2
            np.multiply(g, 1.0 - self.beta2, out=s)
            v += np.multiply(s, g, out=s)                        # v = b2 v + (1 - b2) g^2
            np.multiply(m, self.lr / c1, out=s)                  # lr m_hat
            np.sqrt(v, out=d)
            d /= math.sqrt(c2)               # a Python float: float32 arrays stay float32
            d += self.eps                                        # sqrt(v_hat) + eps
            s /= d
            p -= s


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, lr):
    """"sgd" | "momentum" | "adam" -> a fresh optimizer with learning rate `lr`."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}. Choose one of: sgd, momentum, adam.")
    return OPTIMIZERS[key](lr)


def global_norm(grads):
    """sqrt of the sum of every squared gradient entry, over all parameters."""
    flat = getattr(grads, "flat", None)
    if flat is not None:
        return math.sqrt(float(np.vdot(flat, flat)))
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so their global norm is at most `max_norm`.

    Returns the norm before clipping (so a chart can show how often clipping acted). Clipping
    the whole gradient keeps its direction, unlike clipping each entry on its own.
    """
    if not (np.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"The clipping norm must be a positive number such as 1.0, "
                         f"got {max_norm!r}.")
    norm = global_norm(grads)
    if norm > max_norm:
        scale = max_norm / norm
        flat = getattr(grads, "flat", None)
        for g in [flat] if flat is not None else grads.values():
            g *= scale
    return norm
