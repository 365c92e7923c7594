"""Fast twins of ``rnnkit.gru.gru_forward`` and ``gru_backward``: the same numbers, faster.

The plain versions in ``rnnkit.gru`` are chapter 7's equations. These keep the sequence
time-major, store Wh transposed, compute the gates in place (one in-place sigmoid for r and
z together, the input projections overwritten by the gates) and write h = (1 − z) n + z h_prev
as n + z (h_prev − n), one multiplication fewer. The equations are PyTorch's, gates in the
order r, z, n: Wx = [W_ir; W_iz; W_in] (3H, D), Wh = [W_hr; W_hz; W_hn] (3H, H), bx, bh (3H,):

    r_t = σ(x_t W_irᵀ + b_ir + h_{t−1} W_hrᵀ + b_hr)               reset gate
    z_t = σ(x_t W_izᵀ + b_iz + h_{t−1} W_hzᵀ + b_hz)               update gate
    n_t = tanh(x_t W_inᵀ + b_in + r_t ⊙ (h_{t−1} W_hnᵀ + b_hn))    candidate state
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}

The reset gate multiplies the hidden part h_{t−1} W_hnᵀ + b_hn of the candidate (called hn
below), so the two biases of n cannot be merged into one as they can for r and z.

Shapes: x (B, T, D), h (B, H).
"""
from typing import NamedTuple

import numpy as np

from .._checks import Shapes, check_cache, like, result_dtype
from .inplace import sigmoid_


class SequenceCache(NamedTuple):
    """What gru_backward needs, time-major so each step's slice is contiguous.

    ``cache.h_T`` is the final hidden state (B, H), PyTorch's h_n.
    """
    x_tm: np.ndarray    # (T, B, D)
    hs_tm: np.ndarray   # (T + 1, B, H): hs_tm[0] = h0, hs_tm[t + 1] = h_t
    gates: np.ndarray   # (T, B, 3H): r, z, n of every step
    hn: np.ndarray      # (T, B, H): h_{t−1} W_hnᵀ + b_hn
    Wx: np.ndarray      # (3H, D)
    Wh: np.ndarray      # (3H, H)

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs_tm[-1]


def _blocks(a, H):
    """The three gate blocks of a (…, 3H) array: views r, z, n."""
    return a[..., :H], a[..., H:2 * H], a[..., 2 * H:]


def _cell_forward(ax, ah, h_prev, h):
    """The gates and the new state from the two projections of one step.

    ax : (B, 3H) x Wxᵀ + bx, overwritten by the gates r, z, n.
    ah : (B, 3H) h_prev Whᵀ + bh.  h_prev : (B, H).  Writes h : (B, H).
    """
    H = h.shape[-1]
    ax[:, :2 * H] += ah[:, :2 * H]   # a_r, a_z: the input and hidden parts add up
    sigmoid_(ax[:, :2 * H])          # r, z = σ(a_r), σ(a_z)
    r, z, n = _blocks(ax, H)
    n += r * ah[:, 2 * H:]           # a_n = x W_inᵀ + b_in + r ⊙ hn
    np.tanh(n, out=n)                # n = tanh(a_n)
    np.subtract(h_prev, n, out=h)    # h = n + z ⊙ (h_prev − n)
    h *= z
    h += n


def _cell_backward(dh, gates, h_prev, hn, dax, dah):
    """The chain rule back through _cell_forward, line by line in reverse.

    dh : (B, H) ∂L/∂h_t. Writes dax (B, 3H), the gradient of x Wxᵀ + bx, and dah (B, 3H), the
    gradient of h_prev Whᵀ + bh, each with the three gate gradients joined in one array.
    Returns the part of ∂L/∂h_prev that skips the weights, dh ⊙ z.
    """
    H = dh.shape[-1]
    r, z, n = _blocks(gates, H)
    da_r, da_z, da_n = _blocks(dax, H)
    # h = n + z ⊙ (h_prev − n)
    np.multiply(dh, h_prev - n, out=da_z)     # ∂L/∂z = dh ⊙ (h_prev − n)
    dh_prev = dh * z                          # ∂L/∂h_prev = dh ⊙ z  (+ the path through Wh)
    np.subtract(dh, dh_prev, out=da_n)        # ∂L/∂n = dh ⊙ (1 − z)
    # n = tanh(a_n), a_n = x W_inᵀ + b_in + r ⊙ hn
    da_n *= 1 - n * n                         # ∂L/∂a_n = ∂L/∂n ⊙ (1 − n²)
    np.multiply(da_n, hn, out=da_r)           # ∂L/∂r = ∂L/∂a_n ⊙ hn
    np.multiply(da_n, r, out=dah[:, 2 * H:])  # ∂L/∂hn = ∂L/∂a_n ⊙ r
    # r, z = σ(a_r), σ(a_z), and a_r, a_z hold x Wxᵀ + bx and h_prev Whᵀ + bh alike
    rz = gates[:, :2 * H]
    dax[:, :2 * H] *= rz * (1 - rz)           # ∂L/∂a = ∂L/∂gate ⊙ σ (1 − σ)
    dah[:, :2 * H] = dax[:, :2 * H]
    return dh_prev


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """Run the GRU over a batch of sequences; the fast twin of ``rnnkit.gru.gru_forward``.

    x : (B, T, D), h0 : (B, H), Wx : (3H, D), Wh : (3H, H), bx : (3H,), bh : (3H,),
    with gate blocks in the order r, z, n.
    Returns hs : (B, T, H), the hidden state after every step, and the cache for this
    module's gru_backward.

    All T input projections x_t Wxᵀ + bx come from one matrix product before the loop; the
    loop then does one (B, H) × (H, 3H) product per step and the gates' elementwise work.
    """
    check = Shapes()
    Wx = check("Wx", Wx, "3H, D")
    Wh = check("Wh", Wh, "3H, H")
    bx = check("bx", bx, "3H")
    bh = check("bh", bh, "3H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    B, T, D = x.shape
    H = Wh.shape[1]
    dtype = result_dtype(x, h0, Wx, Wh, bx, bh)
    Wx, Wh = Wx.astype(dtype, copy=False), Wh.astype(dtype, copy=False)

    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)    # (T, B, D)
    gates = (x_tm.reshape(T * B, D) @ Wx.T).reshape(T, B, 3 * H)
    gates += bx
    ah = np.empty((T, B, 3 * H), dtype=dtype)    # h_{t−1} Whᵀ + bh of every step
    hs_tm = np.empty((T + 1, B, H), dtype=dtype)
    hs_tm[0] = h0
    Wh_T = np.ascontiguousarray(Wh.T)   # BLAS is faster with it stored transposed
    for t in range(T):
        np.matmul(hs_tm[t], Wh_T, out=ah[t])
        ah[t] += bh
        _cell_forward(gates[t], ah[t], hs_tm[t], hs_tm[t + 1])
    cache = SequenceCache(x_tm, hs_tm, gates, ah[..., 2 * H:], Wx, Wh)
    return hs_tm[1:].transpose(1, 0, 2), cache


def gru_backward(dhs, cache):
    """Backpropagation through time; the fast twin of ``rnnkit.gru.gru_backward``.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above;
    the gradient reaching h_t is that plus dh_next from step t + 1. The shared weights and
    biases collect the sum over all steps.

    Returns (dx (B, T, D), dh0 (B, H), dWx (3H, D), dWh (3H, H), dbx (3H,), dbh (3H,)).
    """
    x_tm, hs_tm, gates, hn, Wx, Wh = check_cache(cache, SequenceCache,
                                                 "rnnkit.fast.gru.gru_forward")
    T, B, D = x_tm.shape
    H = hs_tm.shape[2]
    dhs = like("dhs", dhs, "hs", hs_tm[1:].transpose(1, 0, 2))
    dax = np.empty_like(gates)         # (T, B, 3H): gradient of x_t Wxᵀ + bx
    dah = np.empty_like(gates)         # (T, B, 3H): gradient of h_{t−1} Whᵀ + bh
    dh_next = np.zeros((B, H), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next       # h_t feeds the loss and step t + 1
        dh_next = _cell_backward(dh, gates[t], hs_tm[t], hn[t], dax[t], dah[t])
        dh_next += dah[t] @ Wh         # ah_t = h_{t−1} Whᵀ + bh ⇒ ∂L/∂h_{t−1} += dah_t Wh
    # Weights are shared across time, so their gradients sum over steps: one product each.
    dax_flat, dah_flat = dax.reshape(T * B, 3 * H), dah.reshape(T * B, 3 * H)
    dWx = dax_flat.T @ x_tm.reshape(T * B, D)
    dWh = dah_flat.T @ hs_tm[:-1].reshape(T * B, H)
    dx = (dax_flat @ Wx).reshape(T, B, D).transpose(1, 0, 2)
    return dx, dh_next, dWx, dWh, dax_flat.sum(axis=0), dah_flat.sum(axis=0)
