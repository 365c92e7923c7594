"""Fast twins of ``rnnkit.rnn.rnn_forward`` and ``rnn_backward``: the same numbers, faster.

The plain versions in ``rnnkit.rnn`` are the book's equations (chapters 1 and 2). These keep
the sequence time-major, so that each step's slice is contiguous, store W transposed once
for BLAS, and write every step into preallocated arrays (``out=``): in the loop, where numpy
pays per call and per temporary, that is worth up to 1.8× at the benchmark's larger sizes.

Shapes: x (B, T, D), h (B, H), U (H, D), W (H, H), b (H,).
"""
from typing import NamedTuple

import numpy as np

from .._checks import Shapes, check_cache, like, result_dtype


class SequenceCache(NamedTuple):
    """What rnn_backward needs, kept time-major so each step's slice is contiguous."""
    x_tm: np.ndarray    # (T, B, D)
    hs_tm: np.ndarray   # (T + 1, B, H): hs_tm[0] = h0, hs_tm[t + 1] = h_t
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs_tm[-1]


def rnn_forward(x, h0, U, W, b):
    """Run the RNN over a batch of sequences; the fast twin of ``rnnkit.rnn.rnn_forward``.

    x : (B, T, D), h0 : (B, H), U : (H, D), W : (H, H), b : (H,)
    Returns hs : (B, T, H) and the cache for this module's rnn_backward.
    """
    check = Shapes()
    U = check("U", U, "H, D")
    W = check("W", W, "H, H")
    b = check("b", b, "H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    B, T, D = x.shape
    H = W.shape[0]
    dtype = result_dtype(x, h0, U, W, b)

    U, W = U.astype(dtype, copy=False), W.astype(dtype, copy=False)   # cast once, not per step

    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)   # (T, B, D)
    xU = (x_tm.reshape(T * B, D) @ U.T).reshape(T, B, H)
    xU += b
    hs_tm = np.empty((T + 1, B, H), dtype=dtype)
    hs_tm[0] = h0
    W_T = np.ascontiguousarray(W.T)   # BLAS is faster with it stored transposed
    for t in range(T):
        h = hs_tm[t + 1]              # written in place: no temporary arrays in the loop
        np.matmul(hs_tm[t], W_T, out=h)
        h += xU[t]                    # z_t = h_{t−1} Wᵀ + x_t Uᵀ + b
        np.tanh(h, out=h)             # h_t = tanh(z_t)
    return hs_tm[1:].transpose(1, 0, 2), SequenceCache(x_tm, hs_tm, U, W)


def rnn_backward(dhs, cache):
    """Backpropagation through time; the fast twin of ``rnnkit.rnn.rnn_backward``.

    dhs : (B, T, H); cache from this module's rnn_forward.
    Returns (dx (B, T, D), dh0 (B, H), dU (H, D), dW (H, H), db (H,)).
    """
    x_tm, hs_tm, U, W = check_cache(cache, SequenceCache, "rnnkit.fast.rnn.rnn_forward")
    T, B, D = x_tm.shape
    H = W.shape[0]
    dhs = like("dhs", dhs, "hs", hs_tm[1:].transpose(1, 0, 2))
    # dz (T, B, H) starts as ∂L/∂h_t from above and becomes ∂L/∂z_t, step by step.
    dz = np.array(dhs.transpose(1, 0, 2), dtype=hs_tm.dtype, order="C")   # a copy, even if B = 1
    dtanh = 1 - hs_tm[1:] ** 2              # tanh'(z_t) = 1 − h_t², for every step at once
    dh_next = np.zeros((B, H), dtype=hs_tm.dtype)
    for t in range(T - 1, -1, -1):
        dz[t] += dh_next                    # h_t feeds the loss and step t + 1
        dz[t] *= dtanh[t]                   # through tanh
        np.matmul(dz[t], W, out=dh_next)    # z_t = … + h_{t−1} Wᵀ ⇒ into h_{t−1}
    # Weights are shared across time, so their gradients sum over steps: one product each.
    dz_flat = dz.reshape(T * B, H)
    dU = dz_flat.T @ x_tm.reshape(T * B, D)
    dW = dz_flat.T @ hs_tm[:-1].reshape(T * B, H)
    db = dz_flat.sum(axis=0)
    dx = (dz_flat @ U).reshape(T, B, D).transpose(1, 0, 2)
    return dx, dh_next, dU, dW, db
