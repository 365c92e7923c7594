"""The gated recurrent unit (GRU): one step and a whole sequence, forward and backward.

Book chapter 7 (book/ch07_gru.md, section "Two gates, a candidate and an interpolation").
PyTorch's equations and gate order r, z, n, with the gate blocks stacked in
Wx = [W_ir; W_iz; W_in] (3H, D), Wh = [W_hr; W_hz; W_hn] (3H, H), bx (3H,) and bh (3H,):

    r_t = σ(x_t W_irᵀ + b_ir + h_{t−1} W_hrᵀ + b_hr)               reset gate
    z_t = σ(x_t W_izᵀ + b_iz + h_{t−1} W_hzᵀ + b_hz)               update gate
    n_t = tanh(x_t W_inᵀ + b_in + r_t ⊙ (h_{t−1} W_hnᵀ + b_hn))    candidate state
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}                         interpolation

Two stacked products give every argument: A_x = x_t Wxᵀ + bx, the input parts of the three
gates side by side, and A_h = h_{t−1} Whᵀ + bh, the hidden parts of r and z and then
hn = h_{t−1} W_hnᵀ + b_hn (the book's ĥ_n). The reset gate multiplies hn, so the two biases
of n cannot be merged into one as they can for r and z.

Shapes: x (B, T, D), h (B, H).

``gru_forward`` and ``gru_backward`` run their fast twins in ``rnnkit.fast.gru`` (the same
numbers, faster); the code below is the plain version, callable as ``gru_forward.plain``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes, check_cache, like, result_dtype
from .fast import fast_twin
from .fast import gru as fast
from .functional import dsigmoid, dtanh, sigmoid


class StepCache(NamedTuple):
    """What gru_step_backward needs: the step's inputs, its gates, candidate and hn."""
    x: np.ndarray       # (B, D)
    h_prev: np.ndarray  # (B, H)
    r: np.ndarray       # (B, H) reset gate
    z: np.ndarray       # (B, H) update gate
    n: np.ndarray       # (B, H) candidate
    hn: np.ndarray      # (B, H) h_prev W_hnᵀ + b_hn
    Wx: np.ndarray      # (3H, D)
    Wh: np.ndarray      # (3H, H)


class SequenceCache(NamedTuple):
    """What gru_backward needs: the inputs, every state, every gate and the weights.

    ``cache.h_T`` is the final hidden state (B, H), PyTorch's h_n.
    """
    x: np.ndarray       # (B, T, D)
    hs: np.ndarray      # (B, T + 1, H): hs[:, 0] = h_0, hs[:, t] = h_t
    r: np.ndarray       # (B, T, H): r[:, t − 1] = r_t, and likewise z, n and hn
    z: np.ndarray       # (B, T, H)
    n: np.ndarray       # (B, T, H)
    hn: np.ndarray      # (B, T, H): h_{t−1} W_hnᵀ + b_hn
    Wx: np.ndarray      # (3H, D)
    Wh: np.ndarray      # (3H, H)

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs[:, -1]


def cell_forward(A_x, A_h, h_prev):
    """The gates and the new state from a step's two stacked products.

    A_x : (B, 3H) x Wxᵀ + bx and A_h : (B, 3H) h_prev Whᵀ + bh, blocks r, z, n; h_prev : (B, H).
    Returns r, z, n, hn and h, each (B, H).
    Book: book/ch07_gru.md, section "Two gates, a candidate and an interpolation".
    """
    ax_r, ax_z, ax_n = np.split(A_x, 3, axis=-1)
    ah_r, ah_z, hn = np.split(A_h, 3, axis=-1)
    r = sigmoid(ax_r + ah_r)             # reset gate
    z = sigmoid(ax_z + ah_z)             # update gate
    n = np.tanh(ax_n + r * hn)           # candidate
    h = (1 - z) * n + z * h_prev         # interpolation
    return r, z, n, hn, h


def cell_backward(dh, h_prev, r, z, n, hn):
    """The chain rule back through cell_forward, its lines in reverse.

    dh : (B, H) ∂L/∂h_t; the rest from cell_forward.
    Returns dA_x (B, 3H) and dA_h (B, 3H), the gradients of the two stacked products, and the
    part of ∂L/∂h_prev that skips them, dh ⊙ z.
    Book: book/ch07_gru.md, section "The backward pass of one step".
    """
    dn = dh * (1 - z)                    # h = (1 − z) ⊙ n + z ⊙ h_prev
    dz = dh * (h_prev - n)
    dh_prev = dh * z                     # the direct path; the path through Wh comes later
    da_n = dn * dtanh(n)                 # n = tanh(a_n)
    dr = da_n * hn                       # a_n = x W_inᵀ + b_in + r ⊙ hn
    dhn = da_n * r
    da_r = dr * dsigmoid(r)              # r = σ(a_r)
    da_z = dz * dsigmoid(z)              # z = σ(a_z)
    dA_x = np.concatenate([da_r, da_z, da_n], axis=-1)
    dA_h = np.concatenate([da_r, da_z, dhn], axis=-1)   # r stands between hn and a_n
    return dA_x, dA_h, dh_prev


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step: A_x = x Wxᵀ + bx, A_h = h_prev Whᵀ + bh, then cell_forward.

    x : (B, D), h_prev : (B, H), Wx : (3H, D), Wh : (3H, H), bx : (3H,), bh : (3H,),
    with gate blocks in the order r, z, n.
    Returns h : (B, H) and the cache for gru_step_backward.
    Book: book/ch07_gru.md, section "Two gates, a candidate and an interpolation".
    """
    check = Shapes()
    Wx = check("Wx", Wx, "3H, D")
    Wh = check("Wh", Wh, "3H, H")
    bx = check("bx", bx, "3H")
    bh = check("bh", bh, "3H")
    x = check("x", x, "B, D")
    h_prev = check("h_prev", h_prev, "B, H")
    A_x = x @ Wx.T + bx                  # one product for the three input parts
    A_h = h_prev @ Wh.T + bh             # one product for the three hidden parts
    r, z, n, hn, h = cell_forward(A_x, A_h, h_prev)
    return h, StepCache(x, h_prev, r, z, n, hn, Wx, Wh)


def gru_step_backward(dh, cache):
    """Backward pass of one GRU step.

    dh : (B, H), the loss gradient with respect to this step's h.
    Returns (dx (B, D), dh_prev (B, H), dWx (3H, D), dWh (3H, H), dbx (3H,), dbh (3H,)):

        dx = dA_x Wx,  dWx = dA_xᵀ x,  dbx = Σ_batch dA_x,
        dh_prev = dh ⊙ z + dA_h Wh,  dWh = dA_hᵀ h_prev,  dbh = Σ_batch dA_h.

    Book: book/ch07_gru.md, section "The backward pass of one step".
    """
    x, h_prev, r, z, n, hn, Wx, Wh = cache
    dh = like("dh", dh, "h", h_prev)
    dA_x, dA_h, dh_prev = cell_backward(dh, h_prev, r, z, n, hn)
    dx = dA_x @ Wx                       # A_x = x Wxᵀ + bx       ⇒ ∂L/∂x = dA_x Wx
    dh_prev = dh_prev + dA_h @ Wh        # A_h = h_prev Whᵀ + bh  ⇒ ∂L/∂h_prev += dA_h Wh
    dWx = dA_x.T @ x                     # summed over the batch by the matrix product
    dWh = dA_h.T @ h_prev
    return dx, dh_prev, dWx, dWh, dA_x.sum(axis=0), dA_h.sum(axis=0)


@fast_twin(fast.gru_forward)
def gru_forward(x, h0, Wx, Wh, bx, bh):
    """Run the GRU over a batch of sequences: the step of gru_step_forward for t = 1 … T.

    x : (B, T, D), h0 : (B, H), Wx : (3H, D), Wh : (3H, H), bx : (3H,), bh : (3H,),
    with gate blocks in the order r, z, n.
    Returns hs : (B, T, H), the hidden state after every step, and the cache for gru_backward.

    The input parts A_x of every step come from one matrix product before the loop; the loop
    then does one (B, H) × (H, 3H) product per step and the gates' elementwise work.
    Book: book/ch07_gru.md, section "Two gates, a candidate and an interpolation".
    """
    check = Shapes()
    Wx = check("Wx", Wx, "3H, D")
    Wh = check("Wh", Wh, "3H, H")
    bx = check("bx", bx, "3H")
    bh = check("bh", bh, "3H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    dtype = result_dtype(x, h0, Wx, Wh, bx, bh)
    x, h0, Wx, Wh, bx, bh = (a.astype(dtype, copy=False) for a in (x, h0, Wx, Wh, bx, bh))
    B, T, _ = x.shape
    H = Wh.shape[1]
    A_x = x @ Wx.T + bx                  # (B, T, 3H): x_t Wxᵀ + bx for every t at once
    hs = np.empty((B, T + 1, H), dtype=dtype)
    r, z, n, hn = np.empty((4, B, T, H), dtype=dtype)
    hs[:, 0] = h0
    for t in range(T):
        A_h = hs[:, t] @ Wh.T + bh       # h_{t−1} Whᵀ + bh
        r[:, t], z[:, t], n[:, t], hn[:, t], hs[:, t + 1] = cell_forward(A_x[:, t], A_h, hs[:, t])
    return hs[:, 1:], SequenceCache(x, hs, r, z, n, hn, Wx, Wh)


@fast_twin(fast.gru_backward)
def gru_backward(dhs, cache):
    """Backpropagation through time for the GRU.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above;
    the gradient reaching h_t is that plus dh_next from step t + 1. The shared weights and
    biases collect the sum over all steps:

        dA_x,t, dA_h,t, direct = cell_backward(dhs_t + dh_next, …),
        dh_next = direct + dA_h,t Wh,
        dWx = Σ_t dA_x,tᵀ x_t,   dWh = Σ_t dA_h,tᵀ h_{t−1},   dbx, dbh = Σ_t Σ_batch dA_x,t, dA_h,t.

    Returns (dx (B, T, D), dh0 (B, H), dWx (3H, D), dWh (3H, H), dbx (3H,), dbh (3H,)).
    Book: book/ch07_gru.md, section "The backward pass of one step", run over the sequence as
    book/ch06_lstm.md, section "Through a whole sequence: two gradients flow back" does for
    the LSTM (one gradient here: the GRU has one state).
    """
    x, hs, r, z, n, hn, Wx, Wh = check_cache(cache, SequenceCache, "rnnkit.gru.gru_forward.plain")
    dhs = like("dhs", dhs, "hs", hs[:, 1:]).astype(hs.dtype, copy=False)   # the cache's dtype
    B, T, _ = x.shape
    dA_x = np.empty((B, T, Wh.shape[0]), dtype=hs.dtype)   # ∂L/∂A_x of every step
    dA_h = np.empty_like(dA_x)                             # ∂L/∂A_h of every step
    dh_next = np.zeros_like(hs[:, 0])    # nothing comes back from after step T
    for t in reversed(range(T)):
        dA_x[:, t], dA_h[:, t], direct = cell_backward(dhs[:, t] + dh_next, hs[:, t], r[:, t],
                                                       z[:, t], n[:, t], hn[:, t])
        dh_next = direct + dA_h[:, t] @ Wh   # A_h = h_{t−1} Whᵀ + bh ⇒ ∂L/∂h_{t−1} += dA_h Wh
    # Every step uses the same weights and biases: their gradients sum over steps (and the
    # batch), one product each once the loop has every dA_x and dA_h.
    steps = ([0, 1], [0, 1])             # contract the batch and time axes
    dWx = np.tensordot(dA_x, x, axes=steps)           # Σ_t dA_x,tᵀ x_t
    dWh = np.tensordot(dA_h, hs[:, :-1], axes=steps)  # Σ_t dA_h,tᵀ h_{t−1}
    dx = dA_x @ Wx                       # dx_t = dA_x,t Wx
    return dx, dh_next, dWx, dWh, dA_x.sum(axis=(0, 1)), dA_h.sum(axis=(0, 1))
