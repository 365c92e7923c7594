"""Fast twins of ``rnnkit.lstm.lstm_forward`` and ``lstm_backward``: the same numbers, faster.

The plain versions in ``rnnkit.lstm`` are chapter 6's equations, gates in PyTorch's order
i, f, g, o; these take the same arguments (Wx (4H, D), Wh (4H, H), b (4H,), rows i, f, g, o)
and return the same values, their gradients in that order too.

A few choices of layout make each step cheap, since numpy pays per call and per strided
access. The forward pass computes the gates in the order o, i, f, g, so that the three sigmoid
gates sit side by side. Since σ(a) = ½ (1 + tanh(a/2)), it multiplies by weights whose o, i, f
columns are halved, stored transposed and reordered in one pass before the loop: one tanh
call then computes all four gates, and o, i, f only need ½ (1 + ·) after it. That call also
stores the gates as four contiguous (B, H) blocks, gates[0] … gates[3] = o, i, f, g, so the
elementwise work never strides. The backward pass computes every step's local derivatives
for many steps at once, before its loop. It writes ∂L/∂a back in PyTorch's order i, f, g, o,
where i, f, g are adjacent: inside the loop one product gives the gradient of the o block
from ∂L/∂h and one gives the i, f, g blocks from ∂L/∂c. So the backward pass multiplies by
the weights exactly as they were given, and their gradients come out in that order.

Shapes: x (B, T, D), h and c (B, H).
"""
from typing import NamedTuple

import numpy as np

from .._checks import Shapes, check_cache, like, result_dtype


class SequenceCache(NamedTuple):
    """What lstm_backward needs, time-major so each step's slice is contiguous.

    ``cache.h_T`` and ``cache.c_T`` are the final hidden and cell states (B, H), the values
    PyTorch's nn.LSTM returns as (h_n, c_n); a deeper layer or a later chunk starts from them.
    """
    x_tm: np.ndarray     # (T, B, D)
    hs_tm: np.ndarray    # (T + 1, B, H): hs_tm[0] = h0, hs_tm[t + 1] = h_t
    cs_tm: np.ndarray    # (T + 1, B, H): cs_tm[0] = c0, cs_tm[t + 1] = c_t
    gates: np.ndarray    # (T, 4, B, H): o, i, f, g of every step
    tanh_cs: np.ndarray  # (T, B, H): tanh(c_t)
    Wx: np.ndarray       # (4H, D), as given: rows i, f, g, o
    Wh: np.ndarray       # (4H, H), as given: rows i, f, g, o

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs_tm[-1]

    @property
    def c_T(self):
        """The last cell state c_T, (B, H)."""
        return self.cs_tm[-1]


def _one_tanh_weights(W, dtype):
    """The weights of the one-tanh forward pass, in one pass over W.

    W : (4H, K) in PyTorch's order i, f, g, o. Returns (K, 4H): Wᵀ with its column blocks in
    the order o, i, f, g and the sigmoid gates' blocks o, i, f halved, so that
    tanh(x · result) = tanh(a_o/2), tanh(a_i/2), tanh(a_f/2), tanh(a_g).
    """
    H = len(W) // 4
    out = np.empty((W.shape[1], 4 * H), dtype=dtype)
    np.multiply(W[3 * H:].T, 0.5, out=out[:, :H])              # o
    np.multiply(W[:2 * H].T, 0.5, out=out[:, H:3 * H])         # i, f
    out[:, 3 * H:] = W[2 * H:3 * H].T                          # g
    return out


def _cell_forward(a_blocks, c_prev, c, tanh_c, h, gates):
    """The gates and the new state from the pre-activations of one step.

    a_blocks : (4, B, H) the pre-activations, blocks o, i, f, g, with o, i, f halved (from
    the weights of _one_tanh_weights). c_prev : (B, H).
    Writes gates (4, B, H), the blocks o, i, f, g, and c, tanh_c and h, each (B, H).
    """
    np.tanh(a_blocks, out=gates)      # tanh(a_o/2), tanh(a_i/2), tanh(a_f/2), g = tanh(a_g)
    oif = gates[:3]
    oif *= 0.5                        # o, i, f = σ(a) = ½ (1 + tanh(a/2))
    oif += 0.5
    o, i, f, g = gates
    np.multiply(f, c_prev, out=c)     # c = f ⊙ c_prev
    c += i * g                        #     + i ⊙ g
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)     # h = o ⊙ tanh(c)


def _local_derivatives(gates, c_prev, tanh_c):
    """What each step's own operations contribute to the chain rule; no later step enters.

    gates : (…, 4, B, H) blocks o, i, f, g; c_prev and tanh_c : (…, B, H); for one step or
    several. Returns
    q : (…, 4, B, H), with which ∂L/∂a_o = ∂L/∂h ⊙ q_o and ∂L/∂a_{i,f,g} = ∂L/∂c ⊙ q_{i,f,g}:
        q_o = tanh c ⊙ σ'(a_o)      since h = o ⊙ tanh c
        q_i = g ⊙ σ'(a_i)           since c = f ⊙ c_prev + i ⊙ g
        q_f = c_prev ⊙ σ'(a_f)
        q_g = i ⊙ tanh'(a_g)
    with σ' = σ (1 − σ) and tanh' = 1 − g²;
    dh_dc : (…, B, H), o ⊙ (1 − tanh² c), how h moves with c.
    """
    o, i, g = gates[..., 0, :, :], gates[..., 1, :, :], gates[..., 3, :, :]
    q = gates * (1 - gates)
    q[..., 3, :, :] = 1 - g * g
    q[..., 0, :, :] *= tanh_c
    q[..., 1, :, :] *= g
    q[..., 2, :, :] *= c_prev
    q[..., 3, :, :] *= i
    dh_dc = o * (1 - tanh_c * tanh_c)
    return q, dh_dc


# About 2**16 numbers of local derivatives at a time: enough steps to make each numpy call
# worth its cost when B·H is small, few enough to still be in cache when the loop uses them.
_CHUNK = 2 ** 16


def _local_derivatives_backwards(gates, cs_tm, tanh_cs):
    """(t, q, dh_dc) of _local_derivatives for t = T − 1 down to 0, a chunk of steps at a time.

    gates : (T, 4, B, H), cs_tm : (T + 1, B, H), tanh_cs : (T, B, H).
    """
    T = len(gates)
    steps = max(1, _CHUNK // gates[0].size)
    for stop in range(T, 0, -steps):
        start = max(stop - steps, 0)
        q, dh_dc = _local_derivatives(gates[start:stop], cs_tm[start:stop], tanh_cs[start:stop])
        for t in range(stop - 1, start - 1, -1):
            yield t, q[t - start], dh_dc[t - start]


def _cell_backward(dh, dc, f, q, dh_dc, da_blocks):
    """The chain rule back through _cell_forward.

    dh : (B, H) ∂L/∂h_t. dc : (B, H) ∂L/∂c_t from the later steps, overwritten by ∂L/∂c_{t−1}.
    f : (B, H) the forget gate; q (4, B, H) and dh_dc (B, H) from _local_derivatives.
    Writes da_blocks (4, B, H), ∂L/∂a_t in PyTorch's blocks i, f, g, o.
    """
    dc += dh * dh_dc                              # c_t reaches the loss through h_t too
    np.multiply(dh, q[0], out=da_blocks[3])       # ∂L/∂a_o
    np.multiply(dc, q[1:], out=da_blocks[:3])     # ∂L/∂a_i, ∂L/∂a_f, ∂L/∂a_g
    dc *= f                                       # ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f


def _blocks(a):
    """The (…, B, 4H) array a seen as (…, 4, B, H): its four gate blocks, without a copy."""
    *lead, B, H4 = a.shape
    return a.reshape(*lead, B, 4, H4 // 4).swapaxes(-3, -2)


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Run the LSTM over a batch of sequences; the fast twin of ``rnnkit.lstm.lstm_forward``.

    x : (B, T, D), h0 : (B, H), c0 : (B, H), Wx : (4H, D), Wh : (4H, H), b : (4H,),
    with gate blocks in the order i, f, g, o.
    Returns hs : (B, T, H), the hidden state after every step, and the cache for this
    module's lstm_backward; the final states are ``cache.h_T`` and ``cache.c_T``.

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
    # Cast once here rather than in every step's product.
    Wx, Wh = Wx.astype(dtype, copy=False), Wh.astype(dtype, copy=False)

    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)    # (T, B, D)
    xWx = (x_tm.reshape(T * B, D) @ _one_tanh_weights(Wx, dtype)).reshape(T, B, 4 * H)
    xWx += _one_tanh_weights(b[:, None], dtype)[0]
    Wh_T = _one_tanh_weights(Wh, dtype)
    hs_tm = np.empty((T + 1, B, H), dtype=dtype)
    cs_tm = np.empty((T + 1, B, H), dtype=dtype)
    tanh_cs = np.empty((T, B, H), dtype=dtype)
    gates = np.empty((T, 4, B, H), dtype=dtype)
    a = np.empty((B, 4 * H), dtype=dtype)
    a_blocks = _blocks(a)
    hs_tm[0], cs_tm[0] = h0, c0
    for t in range(T):
        np.matmul(hs_tm[t], Wh_T, out=a)
        a += xWx[t]                   # a_t = h_{t−1} Whᵀ + x_t Wxᵀ + b
        _cell_forward(a_blocks, cs_tm[t], cs_tm[t + 1], tanh_cs[t], hs_tm[t + 1], gates[t])
    cache = SequenceCache(x_tm, hs_tm, cs_tm, gates, tanh_cs, Wx, Wh)
    return hs_tm[1:].transpose(1, 0, 2), cache


def lstm_backward(dhs, cache, dc_T=None):
    """Backpropagation through time; the fast twin of ``rnnkit.lstm.lstm_backward``.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above.
    dc_T : (B, H) or None, the gradient with respect to the final cell state ``cache.c_T``
    when the loss uses it (through a later chunk or a network's final states); None is zero.
    (A gradient for h_T needs no argument of its own: add it to dhs[:, -1].)
    Two gradients flow back from step t + 1: dh_next into h_t (added to dhs[:, t]) and dc
    into c_t. The shared weights collect the sum over all steps.

    Returns (dx (B, T, D), dh0 (B, H), dc0 (B, H), dWx (4H, D), dWh (4H, H), db (4H,)),
    with the weight gradients in the order i, f, g, o.
    """
    x_tm, hs_tm, cs_tm, gates, tanh_cs, Wx, Wh = check_cache(cache, SequenceCache,
                                                             "rnnkit.fast.lstm.lstm_forward")
    T, B, D = x_tm.shape
    H = hs_tm.shape[2]
    dhs = like("dhs", dhs, "hs", hs_tm[1:].transpose(1, 0, 2))
    da = np.empty((T, B, 4 * H), dtype=gates.dtype)   # ∂L/∂a_t for every step
    da_blocks = _blocks(da)
    forget = gates[:, 2]
    dh, dh_next, dc = (np.zeros((B, H), dtype=gates.dtype) for _ in range(3))
    if dc_T is not None:
        dc += like("dc_T", dc_T, "c_T", cache.c_T)
    for t, q, dh_dc in _local_derivatives_backwards(gates, cs_tm, tanh_cs):
        np.add(dhs[:, t], dh_next, out=dh)  # h_t feeds the loss and step t + 1
        _cell_backward(dh, dc, forget[t], q, dh_dc, da_blocks[t])
        np.matmul(da[t], Wh, out=dh_next)  # a_t = … + h_{t−1} Whᵀ ⇒ ∂L/∂h_{t−1} = da_t Wh
    # Weights are shared across time, so their gradients sum over steps: one product each.
    da_flat = da.reshape(T * B, 4 * H)
    dWx = da_flat.T @ x_tm.reshape(T * B, D)
    dWh = da_flat.T @ hs_tm[:-1].reshape(T * B, H)
    db = da_flat.sum(axis=0)
    dx = (da_flat @ Wx).reshape(T, B, D).transpose(1, 0, 2)
    return dx, dh_next, dc, dWx, dWh, db
