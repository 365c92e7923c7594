"""The long short-term memory (LSTM) layer: one step and a whole sequence, forward and backward.

Book chapter 6. The four gates share one stacked matrix in PyTorch's order i, f, g, o:
Wx (4H, D), Wh (4H, H), b (4H,), where b stands for PyTorch's b_ih + b_hh.

    a_t = x_t Wxᵀ + h_{t−1} Whᵀ + b       (B, 4H), split into the blocks a_i, a_f, a_g, a_o
    i_t = σ(a_i)        input gate
    f_t = σ(a_f)        forget gate
    g_t = tanh(a_g)     candidate cell state
    o_t = σ(a_o)        output gate
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

A few choices of layout make each step cheap, since numpy pays per call and per strided
access. Inside this module the gate blocks are kept in the order i, f, o, g, so that the three
sigmoid gates sit side by side. Since σ(a) = ½ (1 + tanh(a/2)), the i, f, o rows of the
weights and bias are halved once before the loop: one tanh call then computes all four gates,
and i, f, o only need ½ (1 + ·) after it. That call also stores the gates as four contiguous
(B, H) blocks, gates[0] … gates[3] = i, f, o, g, so the elementwise work never strides; the
backward pass joins the four gate gradients back into one (B, 4H) array for its products.
The weights go in and their gradients come out in PyTorch's order i, f, g, o, and the caches
hold the weights reordered but not halved.

Shapes: x (B, T, D), h and c (B, H).
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes, like, result_dtype


class StepCache(NamedTuple):
    """What lstm_step_backward needs. Gate blocks and weight rows are in i, f, o, g order."""
    x: np.ndarray       # (B, D)
    h_prev: np.ndarray  # (B, H)
    c_prev: np.ndarray  # (B, H)
    gates: np.ndarray   # (4, B, H): i, f, o, g
    tanh_c: np.ndarray  # (B, H): tanh(c)
    Wx: np.ndarray      # (4H, D), rows i, f, o, g
    Wh: np.ndarray      # (4H, H), rows i, f, o, g


class SequenceCache(NamedTuple):
    """What lstm_backward needs, time-major so each step's slice is contiguous.

    ``cache.h_T`` and ``cache.c_T`` are the final hidden and cell states (B, H), the values
    PyTorch's nn.LSTM returns as (h_n, c_n); a deeper layer or a later chunk starts from them.
    """
    x_tm: np.ndarray     # (T, B, D)
    hs_tm: np.ndarray    # (T + 1, B, H): hs_tm[0] = h0, hs_tm[t + 1] = h_t
    cs_tm: np.ndarray    # (T + 1, B, H): cs_tm[0] = c0, cs_tm[t + 1] = c_t
    gates: np.ndarray    # (T, 4, B, H): i, f, o, g of every step
    tanh_cs: np.ndarray  # (T, B, H): tanh(c_t)
    Wx: np.ndarray       # (4H, D), rows i, f, o, g
    Wh: np.ndarray       # (4H, H), rows i, f, o, g

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs_tm[-1]

    @property
    def c_T(self):
        """The last cell state c_T, (B, H)."""
        return self.cs_tm[-1]


def _swap_g_o(W):
    """A (4H, …) stack with its last two blocks swapped: i, f, g, o ⇄ i, f, o, g.

    Swapping twice restores the order, so the same function turns PyTorch's order into the
    internal one (weights) and back (their gradients).
    """
    H = len(W) // 4
    return np.concatenate([W[:2 * H], W[3 * H:], W[2 * H:3 * H]])


def _halved(W):
    """W (4H, …) in i, f, o, g order with its i, f, o rows halved, for the one-tanh forward."""
    H = len(W) // 4
    W = W.copy()
    W[:3 * H] *= 0.5
    return W


def _cell_forward(a, c_prev, c, tanh_c, h, gates):
    """The gates and the new state from the pre-activations of one step.

    a : (B, 4H) pre-activations in i, f, o, g order with the i, f, o blocks halved (from
    weights passed through _halved). c_prev : (B, H).
    Writes gates (4, B, H), the blocks i, f, o, g, and c, tanh_c and h, each (B, H).
    """
    B, H = c.shape
    # tanh(a_i/2), tanh(a_f/2), tanh(a_o/2), g = tanh(a_g), each block stored contiguously
    np.tanh(a.reshape(B, 4, H).transpose(1, 0, 2), out=gates)
    ifo = gates[:3]
    ifo *= 0.5                        # i, f, o = σ(a) = ½ (1 + tanh(a/2))
    ifo += 0.5
    i, f, o, g = gates
    np.multiply(f, c_prev, out=c)     # c = f ⊙ c_prev
    c += i * g                        #     + i ⊙ g
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)     # h = o ⊙ tanh(c)


def _local_derivatives(gates, tanh_c):
    """The derivatives of each step's own operations, which do not depend on later steps.

    gates : (…, 4, B, H) blocks i, f, o, g and tanh_c : (…, B, H), for one step or several.
    Returns dgates_da (…, 4, B, H), each gate's derivative with respect to its pre-activation
    (σ' = σ (1 − σ) for i, f, o and tanh' = 1 − g² for g), and dh_dc = o ⊙ (1 − tanh² c)
    (…, B, H), how h moves with c.
    """
    dgates_da = gates * (1 - gates)
    g = gates[..., 3, :, :]
    dgates_da[..., 3, :, :] = 1 - g * g
    dh_dc = gates[..., 2, :, :] * (1 - tanh_c * tanh_c)
    return dgates_da, dh_dc


# About 2**16 numbers of local derivatives at a time: enough steps to make each numpy call
# worth its cost when B·H is small, few enough to still be in cache when the loop uses them.
_CHUNK = 2 ** 16


def _local_derivatives_backwards(gates, tanh_cs):
    """(t, dgates_da, dh_dc) of _local_derivatives for t = T − 1 down to 0, a chunk at a time.

    gates : (T, 4, B, H), tanh_cs : (T, B, H).
    """
    T = len(gates)
    steps = max(1, _CHUNK // gates[0].size)
    for stop in range(T, 0, -steps):
        start = max(stop - steps, 0)
        dgates_da, dh_dc = _local_derivatives(gates[start:stop], tanh_cs[start:stop])
        for t in range(stop - 1, start - 1, -1):
            yield t, dgates_da[t - start], dh_dc[t - start]


def _cell_backward(dh, dc, gates, c_prev, tanh_c, dgates_da, dh_dc, da):
    """The chain rule back through _cell_forward, line by line in reverse.

    dh : (B, H) ∂L/∂h_t. dc : (B, H) ∂L/∂c_t from the later steps, overwritten by ∂L/∂c_{t−1}.
    gates (4, B, H), c_prev and tanh_c (B, H) come from the forward pass, dgates_da and dh_dc
    from _local_derivatives. Writes da (B, 4H), ∂L/∂a_t in i, f, o, g order.
    """
    B, H = dh.shape
    i, f, _, g = gates                # o enters through dh_dc
    dgates = np.empty_like(gates)
    di, df, do, dg = dgates
    # h = o ⊙ tanh c
    np.multiply(dh, tanh_c, out=do)   # ∂L/∂o = dh ⊙ tanh c
    dc += dh * dh_dc                  # ∂L/∂c += dh ⊙ o ⊙ (1 − tanh² c)
    # c = f ⊙ c_prev + i ⊙ g
    np.multiply(dc, g, out=di)        # ∂L/∂i = dc ⊙ g
    np.multiply(dc, c_prev, out=df)   # ∂L/∂f = dc ⊙ c_prev
    np.multiply(dc, i, out=dg)        # ∂L/∂g = dc ⊙ i
    dc *= f                           # ∂L/∂c_prev = dc ⊙ f
    # gates = σ(a) and tanh(a): ∂L/∂a = ∂L/∂gate ⊙ gate', the four joined in one (B, 4H) row
    np.multiply(dgates.transpose(1, 0, 2), dgates_da.transpose(1, 0, 2), out=da.reshape(B, 4, H))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step.

    x : (B, D), h_prev : (B, H), c_prev : (B, H), Wx : (4H, D), Wh : (4H, H), b : (4H,),
    with gate blocks in the order i, f, g, o.
    Returns h : (B, H), c : (B, H) and the cache for lstm_step_backward.
    """
    check = Shapes()
    Wx = check("Wx", Wx, "4H, D")
    Wh = check("Wh", Wh, "4H, H")
    b = check("b", b, "4H")
    x = check("x", x, "B, D")
    h_prev = check("h_prev", h_prev, "B, H")
    c_prev = check("c_prev", c_prev, "B, H")
    Wx, Wh = _swap_g_o(Wx), _swap_g_o(Wh)
    a = x @ _halved(Wx).T + h_prev @ _halved(Wh).T + _halved(_swap_g_o(b))   # all four gates
    c, tanh_c, h = (np.empty(h_prev.shape, dtype=a.dtype) for _ in range(3))
    gates = np.empty((4, *h_prev.shape), dtype=a.dtype)
    _cell_forward(a, c_prev, c, tanh_c, h, gates)
    return h, c, StepCache(x, h_prev, c_prev, gates, tanh_c, Wx, Wh)


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    dh : (B, H) and dc : (B, H), the loss gradients with respect to this step's h and c.
    Returns (dx (B, D), dh_prev (B, H), dc_prev (B, H), dWx (4H, D), dWh (4H, H), db (4H,)),
    with the weight gradients in the order i, f, g, o.
    """
    x, h_prev, c_prev, gates, tanh_c, Wx, Wh = cache
    dh = like("dh", dh, "h", h_prev)
    dc_prev = np.array(like("dc", dc, "c", c_prev), dtype=gates.dtype)  # a copy to overwrite
    da = np.empty((len(x), 4 * h_prev.shape[1]), dtype=gates.dtype)
    _cell_backward(dh, dc_prev, gates, c_prev, tanh_c, *_local_derivatives(gates, tanh_c), da)
    dx = da @ Wx                      # a = x Wxᵀ + …       ⇒ ∂L/∂x = da Wx
    dh_prev = da @ Wh                 # a = … + h_prev Whᵀ  ⇒ ∂L/∂h_prev = da Wh
    dWx = _swap_g_o(da.T @ x)         # summed over the batch by the matrix product
    dWh = _swap_g_o(da.T @ h_prev)
    db = _swap_g_o(da.sum(axis=0))
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Run the LSTM over a batch of sequences.

    x : (B, T, D), h0 : (B, H), c0 : (B, H), Wx : (4H, D), Wh : (4H, H), b : (4H,),
    with gate blocks in the order i, f, g, o.
    Returns hs : (B, T, H), the hidden state after every step, and the cache for
    lstm_backward; the final states are ``cache.h_T`` and ``cache.c_T``.

    All T input projections x_t Wxᵀ + b come from one matrix product before the loop; the
    loop then does one (B, H) × (H, 4H) product per step and the gates' elementwise work.
    """
    check = Shapes()
    Wx = check("Wx", Wx, "4H, D")
    Wh = check("Wh", Wh, "4H, H")
    b = check("b", b, "4H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    c0 = check("c0", c0, "B, H")
    B, T, D = x.shape
    H = Wh.shape[1]
    dtype = result_dtype(x, h0, c0, Wx, Wh, b)
    # Reorder the gate blocks, and cast once here rather than in every step's product.
    Wx, Wh, b = (_swap_g_o(w).astype(dtype, copy=False) for w in (Wx, Wh, b))

    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)    # (T, B, D)
    xWx = (x_tm.reshape(T * B, D) @ _halved(Wx).T).reshape(T, B, 4 * H)
    xWx += _halved(b)
    Wh_T = np.ascontiguousarray(_halved(Wh).T)   # BLAS is faster with it stored transposed
    hs_tm = np.empty((T + 1, B, H), dtype=dtype)
    cs_tm = np.empty((T + 1, B, H), dtype=dtype)
    tanh_cs = np.empty((T, B, H), dtype=dtype)
    gates = np.empty((T, 4, B, H), dtype=dtype)
    a = np.empty((B, 4 * H), dtype=dtype)
    hs_tm[0], cs_tm[0] = h0, c0
    for t in range(T):
        np.matmul(hs_tm[t], Wh_T, out=a)
        a += xWx[t]                   # a_t = h_{t−1} Whᵀ + x_t Wxᵀ + b
        _cell_forward(a, cs_tm[t], cs_tm[t + 1], tanh_cs[t], hs_tm[t + 1], gates[t])
    cache = SequenceCache(x_tm, hs_tm, cs_tm, gates, tanh_cs, Wx, Wh)
    return hs_tm[1:].transpose(1, 0, 2), cache


def lstm_backward(dhs, cache, dc_T=None):
    """Backpropagation through time for the LSTM.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above.
    dc_T : (B, H) or None, the gradient with respect to the final cell state ``cache.c_T``
    when the loss uses it (through a later chunk or a network's final states); None is zero.
    (A gradient for h_T needs no argument of its own: add it to dhs[:, -1].)
    Two gradients flow back from step t + 1: dh_next into h_t (added to dhs[:, t]) and dc
    into c_t. The shared weights collect the sum over all steps.

    Returns (dx (B, T, D), dh0 (B, H), dc0 (B, H), dWx (4H, D), dWh (4H, H), db (4H,)),
    with the weight gradients in the order i, f, g, o.
    """
    x_tm, hs_tm, cs_tm, gates, tanh_cs, Wx, Wh = cache
    T, B, D = x_tm.shape
    H = hs_tm.shape[2]
    dhs = like("dhs", dhs, "hs", hs_tm[1:].transpose(1, 0, 2))
    da = np.empty((T, B, 4 * H), dtype=gates.dtype)   # ∂L/∂a_t for every step
    dh, dh_next, dc = (np.zeros((B, H), dtype=gates.dtype) for _ in range(3))
    if dc_T is not None:
        dc += like("dc_T", dc_T, "c_T", cache.c_T)
    for t, dgates_da, dh_dc in _local_derivatives_backwards(gates, tanh_cs):
        np.add(dhs[:, t], dh_next, out=dh)  # h_t feeds the loss and step t + 1
        _cell_backward(dh, dc, gates[t], cs_tm[t], tanh_cs[t], dgates_da, dh_dc, da[t])
        np.matmul(da[t], Wh, out=dh_next)  # a_t = … + h_{t−1} Whᵀ ⇒ ∂L/∂h_{t−1} = da_t Wh
    # Weights are shared across time, so their gradients sum over steps: one product each.
    da_flat = da.reshape(T * B, 4 * H)
    dWx = _swap_g_o(da_flat.T @ x_tm.reshape(T * B, D))
    dWh = _swap_g_o(da_flat.T @ hs_tm[:-1].reshape(T * B, H))
    db = _swap_g_o(da_flat.sum(axis=0))
    dx = (da_flat @ Wx).reshape(T, B, D).transpose(1, 0, 2)
    return dx, dh_next, dc, dWx, dWh, db
