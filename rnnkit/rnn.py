"""The vanilla (Elman) RNN with tanh: one step and a whole sequence, forward and backward.

Book chapter 1 defines the forward pass (book/ch01_sequences.md, section "The RNN
equations"), chapter 2 the backward pass (book/ch02_bptt.md, section "Backpropagation
through time"):

    z_t = x_t Uᵀ + h_{t−1} Wᵀ + b        (row-vector batch form of b + W h_{t−1} + U x_t)
    h_t = tanh(z_t)

Shapes: x (B, T, D), h (B, H), U (H, D), W (H, H), b (H,).

``rnn_forward`` and ``rnn_backward`` run their fast twins in ``rnnkit.fast.rnn`` (the same
numbers, faster); the code below is the plain version, callable as ``rnn_forward.plain``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes, check_cache, like, result_dtype
from .fast import fast_twin
from .fast import rnn as fast
from .functional import dtanh


class StepCache(NamedTuple):
    """What rnn_step_backward needs: the step's inputs and its output."""
    x: np.ndarray       # (B, D)
    h_prev: np.ndarray  # (B, H)
    h: np.ndarray       # (B, H)
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)


class SequenceCache(NamedTuple):
    """What rnn_backward needs: the inputs, every state h_0 … h_T and the weights."""
    x: np.ndarray       # (B, T, D)
    hs: np.ndarray      # (B, T + 1, H): hs[:, 0] = h_0, hs[:, t] = h_t
    U: np.ndarray       # (H, D)
    W: np.ndarray       # (H, H)

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs[:, -1]


def rnn_step_forward(x, h_prev, U, W, b):
    """One RNN step: h = tanh(x Uᵀ + h_prev Wᵀ + b).

    x : (B, D), h_prev : (B, H), U : (H, D), W : (H, H), b : (H,)
    Returns h : (B, H) and the cache for rnn_step_backward.
    Book: book/ch01_sequences.md, section "The RNN equations".
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
    Returns (dx (B, D), dh_prev (B, H), dU (H, D), dW (H, H), db (H,)):

        dz = dh ⊙ (1 − h²),  dx = dz U,  dh_prev = dz W,  dU = dzᵀ x,  dW = dzᵀ h_prev,
        db = Σ_batch dz.

    Book: book/ch02_bptt.md, sections "Backward pass" (the worked example) and "The BPTT
    formula".
    """
    x, h_prev, h, U, W = cache
    dh = like("dh", dh, "h", h)
    dz = dh * dtanh(h)         # h = tanh(z) ⇒ ∂L/∂z = ∂L/∂h ⊙ (1 − h²)
    dx = dz @ U                # z = x Uᵀ + …  ⇒ ∂L/∂x = dz U
    dh_prev = dz @ W           # z = … + h_prev Wᵀ ⇒ ∂L/∂h_prev = dz W
    dU = dz.T @ x              # summed over the batch by the matrix product
    dW = dz.T @ h_prev
    db = dz.sum(axis=0)
    return dx, dh_prev, dU, dW, db


@fast_twin(fast.rnn_forward)
def rnn_forward(x, h0, U, W, b):
    """Run the RNN over a batch of sequences: h_t = tanh(x_t Uᵀ + h_{t−1} Wᵀ + b), t = 1 … T.

    x : (B, T, D), h0 : (B, H), U : (H, D), W : (H, H), b : (H,)
    Returns hs : (B, T, H), the hidden state after every step, and the cache for rnn_backward.

    The input part x_t Uᵀ + b of every step comes from one matrix product before the loop;
    the loop then does one (B, H) × (H, H) product per step, the only part that must be
    sequential. Book: book/ch01_sequences.md, sections "The RNN equations" and "Tensor shapes
    with mini-batches".
    """
    check = Shapes()
    U = check("U", U, "H, D")
    W = check("W", W, "H, H")
    b = check("b", b, "H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    dtype = result_dtype(x, h0, U, W, b)
    x, h0, U, W, b = (a.astype(dtype, copy=False) for a in (x, h0, U, W, b))
    B, T, _ = x.shape
    xU = x @ U.T + b                       # (B, T, H): x_t Uᵀ + b for every t at once
    hs = np.empty((B, T + 1, len(W)), dtype=dtype)
    hs[:, 0] = h0
    for t in range(T):
        hs[:, t + 1] = np.tanh(xU[:, t] + hs[:, t] @ W.T)   # h_t = tanh(x_t Uᵀ + b + h_{t−1} Wᵀ)
    return hs[:, 1:], SequenceCache(x, hs, U, W)


@fast_twin(fast.rnn_backward)
def rnn_backward(dhs, cache):
    """Backpropagation through time over the whole sequence.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above
    (zero where a step has no loss). The gradient reaching h_t is that plus what flows back
    from step t + 1 (dh_next); the shared weights collect the sum over all steps:

        dz_t = (dhs_t + dh_next) ⊙ (1 − h_t²),   dh_next = dz_t W,
        dU = Σ_t dz_tᵀ x_t,   dW = Σ_t dz_tᵀ h_{t−1},   db = Σ_t Σ_batch dz_t,   dx_t = dz_t U.

    Returns (dx (B, T, D), dh0 (B, H), dU (H, D), dW (H, H), db (H,)).
    Book: book/ch02_bptt.md, sections "The BPTT formula", "Shared parameters: gradients are
    summed over time" and "The gradient from the next step is added to the local one".
    """
    x, hs, U, W = check_cache(cache, SequenceCache, "rnnkit.rnn.rnn_forward.plain")
    dhs = like("dhs", dhs, "hs", hs[:, 1:])
    T = x.shape[1]
    dz = np.empty_like(hs[:, 1:])            # ∂L/∂z_t of every step, (B, T, H)
    dh_next = np.zeros_like(hs[:, 0])        # nothing comes back from after step T
    for t in reversed(range(T)):
        dh = dhs[:, t] + dh_next             # h_t feeds the loss and step t + 1
        dz[:, t] = dh * dtanh(hs[:, t + 1])  # h_t = tanh(z_t)
        dh_next = dz[:, t] @ W               # z_t = … + h_{t−1} Wᵀ ⇒ ∂L/∂h_{t−1} = dz_t W
    # Every step uses the same U, W and b: their gradients sum over steps (and the batch),
    # one product each once the loop has every dz_t.
    steps = ([0, 1], [0, 1])                 # contract the batch and time axes
    dU = np.tensordot(dz, x, axes=steps)     # Σ_t dz_tᵀ x_t
    dW = np.tensordot(dz, hs[:, :-1], axes=steps)   # Σ_t dz_tᵀ h_{t−1}
    db = dz.sum(axis=(0, 1))
    dx = dz @ U                              # dx_t = dz_t U
    return dx, dh_next, dU, dW, db
