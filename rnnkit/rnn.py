"""The vanilla (Elman) RNN with tanh: one step and a whole sequence, forward and backward.

Book chapter 1 defines the forward pass, chapter 2 the backward pass (BPTT).

    z_t = x_t Uᵀ + h_{t−1} Wᵀ + b        (row-vector batch form of b + W h_{t−1} + U x_t)
    h_t = tanh(z_t)

Shapes: x (B, T, D), h (B, H), U (H, D), W (H, H), b (H,).
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes, like, result_dtype


class StepCache(NamedTuple):
    """What rnn_step_backward needs: the step's inputs and its output."""
    x: np.ndarray       # (B, D)
    h_prev: np.ndarray  # (B, H)
    h: np.ndarray       # (B, H)
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)


class SequenceCache(NamedTuple):
    """What rnn_backward needs, kept time-major so each step's slice is contiguous."""
    x_tm: np.ndarray    # (T, B, D)
    hs_tm: np.ndarray   # (T + 1, B, H): hs_tm[0] = h0, hs_tm[t + 1] = h_t
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)


def rnn_step_forward(x, h_prev, U, W, b):
    """One RNN step: h = tanh(x Uᵀ + h_prev Wᵀ + b).

    x : (B, D), h_prev : (B, H), U : (H, D), W : (H, H), b : (H,)
    Returns h : (B, H) and the cache for rnn_step_backward.
    """
    check = Shapes()
    U = check("U", U, "H, D")
    W = check("W", W, "H, H")
    b = check("b", b, "H")
    x = check("x", x, "B, D")
    h_prev = check("h_prev", h_prev, "B, H")
    h = np.tanh(x @ U.T + h_prev @ W.T + b)
    return h, StepCache(x, h_prev, h, U, W)


def rnn_step_backward(dh, cache):
    """Backward pass of one RNN step.

    dh : (B, H), the loss gradient with respect to this step's h.
    Returns (dx (B, D), dh_prev (B, H), dU (H, D), dW (H, H), db (H,)).
    """
    x, h_prev, h, U, W = cache
    dh = like("dh", dh, "h", h)
    dz = dh * (1 - h * h)      # ∂L/∂z = ∂L/∂h ⊙ tanh'(z), with tanh' = 1 − h²
    dx = dz @ U                # z = x Uᵀ + …  ⇒ ∂L/∂x = dz U
    dh_prev = dz @ W           # z = … + h_prev Wᵀ ⇒ ∂L/∂h_prev = dz W
    dU = dz.T @ x              # summed over the batch by the matrix product
    dW = dz.T @ h_prev
    db = dz.sum(axis=0)
    return dx, dh_prev, dU, dW, db


def rnn_forward(x, h0, U, W, b):
    """Run the RNN over a batch of sequences.

    x : (B, T, D), h0 : (B, H), U : (H, D), W : (H, H), b : (H,)
    Returns hs : (B, T, H), the hidden state after every step, and the cache for rnn_backward.

    All T input projections x_t Uᵀ + b come from one matrix product before the loop; the
    loop then does one (B, H) × (H, H) product per step, the only part that must be sequential.
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
    """Backpropagation through time over the whole sequence.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above
    (zero where a step has no loss). The gradient reaching h_t is that plus what flows back
    from step t + 1 (dh_next); the shared weights collect the sum over all steps.

    Returns (dx (B, T, D), dh0 (B, H), dU (H, D), dW (H, H), db (H,)).
    """
    x_tm, hs_tm, U, W = cache
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

