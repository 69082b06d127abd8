"""Optimizers that step a dict of parameter arrays in place, and global-norm clipping.

Formulas follow torch.optim with its default settings (no weight decay, no Nesterov).
"""
import numpy as np


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
        for name, p in params.items():
            p -= self.lr * grads[name]


class Momentum:
    """Heavy-ball momentum (torch's SGD with momentum): v <- mu v + g;  p <- p - lr v."""

    def __init__(self, lr, momentum=0.9):
        self.lr = check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), such as 0.9; got {momentum!r}.")
        self.momentum = float(momentum)
        self.velocity = {}

    def step(self, params, grads):
        for name, p in params.items():
            v = self.velocity.get(name)
            if v is None:                       # torch starts the buffer at the first gradient
                v = self.velocity[name] = grads[name].copy()
            else:
                v *= self.momentum
                v += grads[name]
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

    def step(self, params, grads):
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t                  # bias corrections: m and v start at 0
        c2 = 1.0 - self.beta2 ** self.t
        for name, p in params.items():
            g = grads[name]
            if name not in self.m:
                self.m[name], self.v[name] = np.zeros_like(p), np.zeros_like(p)
            m, v = self.m[name], self.v[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= (self.lr / c1) * m / (np.sqrt(v) / np.sqrt(c2) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, lr):
    """"sgd" | "momentum" | "adam" -> a fresh optimizer with learning rate `lr`."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}. Choose one of: sgd, momentum, adam.")
    return OPTIMIZERS[key](lr)


def global_norm(grads):
    """sqrt of the sum of every squared gradient entry, over all parameters."""
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
        for g in grads.values():
            g *= scale
    return norm
