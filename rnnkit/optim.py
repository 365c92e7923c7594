"""Optimizers over dicts of numpy arrays: SGD (with optional momentum), Adagrad and Adam.

Each optimizer keeps its running statistics by parameter name and updates the parameter
arrays *in place* in ``step(params, grads)``, so a model holding its parameters in a dict
sees the new values at once. The update rules are PyTorch's (torch.optim), written for
one parameter array θ with gradient g and learning rate η:

    SGD        θ ← θ − η g
    momentum   v ← μ v + g;                     θ ← θ − η v
    Adagrad    G ← G + g²;                      θ ← θ − η g / (√G + ε)
    Adam       m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
               m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);    θ ← θ − η m̂ / (√v̂ + ε)
"""
from collections.abc import Mapping

import numpy as np

from ._checks import positive_number


class Optimizer:
    """Shared checks and per-parameter state; subclasses implement ``_update``."""

    def __init__(self, lr):
        self.lr = positive_number("lr", lr)
        self.state = {}      # parameter name → dict of running arrays
        self.t = 0           # number of steps taken

    def step(self, params, grads):
        """Update every array in ``params`` in place from the array of the same name in ``grads``.

        params, grads : dicts name → float array with the same keys and matching shapes.
        """
        _check(params, grads)
        self.t += 1
        for name, theta in params.items():
            self._update(name, theta, np.asarray(grads[name], dtype=theta.dtype))

    def _buffer(self, name, theta, key):
        """A zero array shaped like ``theta``, created on first use and kept under ``name``."""
        slot = self.state.setdefault(name, {})
        if key not in slot:
            slot[key] = np.zeros_like(theta)
        elif slot[key].shape != theta.shape:
            raise ValueError(f"params[{name!r}] has shape {theta.shape} but this optimizer's "
                             f"state for it has shape {slot[key].shape}: use a new optimizer")
        return slot[key]

    def _update(self, name, theta, g):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with heavy-ball momentum μ when ``momentum`` > 0."""

    def __init__(self, lr, momentum=0.0):
        super().__init__(lr)
        if isinstance(momentum, bool) or not (0 <= momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)

    def _update(self, name, theta, g):
        if self.momentum:
            v = self._buffer(name, theta, "velocity")
            v *= self.momentum
            v += g
            g = v
        theta -= self.lr * g


class Adagrad(Optimizer):
    """Adagrad: each entry's step shrinks with the sum of its squared gradients so far.

    min-char-rnn trains with it (lr = 0.1); ε keeps the first division finite.
    """

    def __init__(self, lr=0.01, eps=1e-8):
        super().__init__(lr)
        self.eps = positive_number("eps", eps)

    def _update(self, name, theta, g):
        G = self._buffer(name, theta, "sum_sq")
        G += g * g
        theta -= self.lr * g / (np.sqrt(G) + self.eps)


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, both corrected for their zero start."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(lr)
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = positive_number("eps", eps)

    def _update(self, name, theta, g):
        b1, b2 = self.betas
        m = self._buffer(name, theta, "m")
        v = self._buffer(name, theta, "v")
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1 ** self.t)
        v_hat = v / (1 - b2 ** self.t)
        theta -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _check(params, grads):
    for what, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise ValueError(f"{what} must be a dict of name → array, got {type(d).__name__}")
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same names: params has "
                         f"{sorted(params)}, grads has {sorted(grads)}")
    for name, theta in params.items():
        if not isinstance(theta, np.ndarray) or not np.issubdtype(theta.dtype, np.floating):
            raise ValueError(f"params[{name!r}] must be a float numpy array to update in place, "
                             f"got {type(theta).__name__}")
        g = np.asarray(grads[name])
        if g.shape != theta.shape:
            raise ValueError(f"grads[{name!r}] has shape {g.shape} but params[{name!r}] has "
                             f"shape {theta.shape}: they must match")
        if not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{name!r}] (shape {g.shape}) contains NaN or inf")
