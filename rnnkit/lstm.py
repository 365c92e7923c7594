"""The long short-term memory (LSTM) layer: one step and a whole sequence, forward and backward.

Book chapter 6 (book/ch06_lstm.md). The four gates share one stacked matrix in PyTorch's
order i, f, g, o: Wx (4H, D), Wh (4H, H), b (4H,), where b stands for PyTorch's b_ih + b_hh
(section "One matrix for four gates"):

    A_t = x_t Wxᵀ + h_{t−1} Whᵀ + b       (B, 4H), split into the blocks a_i, a_f, a_g, a_o
    i_t = σ(a_i)        input gate
    f_t = σ(a_f)        forget gate
    g_t = tanh(a_g)     candidate cell state
    o_t = σ(a_o)        output gate
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

The book writes the cell state C_t; the code calls it c, as the API does (c0, c_prev, c_T).

Shapes: x (B, T, D), h and c (B, H).

``lstm_forward`` and ``lstm_backward`` run their fast twins in ``rnnkit.fast.lstm`` (the same
numbers, faster); the code below is the plain version, callable as ``lstm_forward.plain``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes, check_cache, like, result_dtype
from .fast import fast_twin
from .fast import lstm as fast
from .functional import dsigmoid, dtanh, sigmoid


class StepCache(NamedTuple):
    """What lstm_step_backward needs: the step's inputs, its gates and tanh(c)."""
    x: np.ndarray       # (B, D)
    h_prev: np.ndarray  # (B, H)
    c_prev: np.ndarray  # (B, H)
    i: np.ndarray       # (B, H) input gate
    f: np.ndarray       # (B, H) forget gate
    g: np.ndarray       # (B, H) candidate
    o: np.ndarray       # (B, H) output gate
    tanh_c: np.ndarray  # (B, H) tanh(c)
    Wx: np.ndarray      # (4H, D)
    Wh: np.ndarray      # (4H, H)


class SequenceCache(NamedTuple):
    """What lstm_backward needs: the inputs, every state, every gate and the weights.

    ``cache.h_T`` and ``cache.c_T`` are the final hidden and cell states (B, H), the values
    PyTorch's nn.LSTM returns as (h_n, c_n); a deeper layer or a later chunk starts from them.
    """
    x: np.ndarray        # (B, T, D)
    hs: np.ndarray       # (B, T + 1, H): hs[:, 0] = h_0, hs[:, t] = h_t
    cs: np.ndarray       # (B, T + 1, H): cs[:, 0] = c_0, cs[:, t] = c_t
    i: np.ndarray        # (B, T, H): i[:, t − 1] = i_t, and likewise f, g, o and tanh_cs
    f: np.ndarray        # (B, T, H)
    g: np.ndarray        # (B, T, H)
    o: np.ndarray        # (B, T, H)
    tanh_cs: np.ndarray  # (B, T, H): tanh(c_t)
    Wx: np.ndarray       # (4H, D)
    Wh: np.ndarray       # (4H, H)

    @property
    def h_T(self):
        """The last hidden state h_T, (B, H)."""
        return self.hs[:, -1]

    @property
    def c_T(self):
        """The last cell state c_T, (B, H)."""
        return self.cs[:, -1]


def cell_forward(A, c_prev):
    """The gates and the new states from a step's pre-activations.

    A : (B, 4H), blocks i, f, g, o; c_prev : (B, H).
    Returns i, f, g, o, c, tanh(c) and h, each (B, H).
    Book: book/ch06_lstm.md, sections "The cell state: a conveyor belt" to "The output gate
    and the hidden state", and "One matrix for four gates".
    """
    a_i, a_f, a_g, a_o = np.split(A, 4, axis=-1)
    i = sigmoid(a_i)             # input gate
    f = sigmoid(a_f)             # forget gate
    g = np.tanh(a_g)             # candidate
    o = sigmoid(a_o)             # output gate
    c = f * c_prev + i * g       # the cell update
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return i, f, g, o, c, tanh_c, h


def cell_backward(dh, dc, i, f, g, o, c_prev, tanh_c):
    """The chain rule back through cell_forward, its lines in reverse.

    dh : (B, H) ∂L/∂h_t; dc : (B, H) ∂L/∂c_t from step t + 1; the rest from cell_forward.
    Returns dA (B, 4H), the gradient of the pre-activations in blocks i, f, g, o, and
    dc_prev (B, H), ∂L/∂c_{t−1}.
    Book: book/ch06_lstm.md, section "The backward pass of one step".
    """
    do = dh * tanh_c                                # h = o ⊙ tanh(c)
    dc_total = dc + dh * o * dtanh(tanh_c)          # c reaches the loss through h and step t + 1
    df = dc_total * c_prev                          # c = f ⊙ c_prev + i ⊙ g
    di = dc_total * g
    dg = dc_total * i
    dc_prev = dc_total * f
    da_i = di * dsigmoid(i)                         # i = σ(a_i)
    da_f = df * dsigmoid(f)                         # f = σ(a_f)
    da_g = dg * dtanh(g)                            # g = tanh(a_g)
    da_o = do * dsigmoid(o)                         # o = σ(a_o)
    dA = np.concatenate([da_i, da_f, da_g, da_o], axis=-1)   # joined in the order i, f, g, o
    return dA, dc_prev


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step: A = x Wxᵀ + h_prev Whᵀ + b, then the gates and states of cell_forward.

    x : (B, D), h_prev : (B, H), c_prev : (B, H), Wx : (4H, D), Wh : (4H, H), b : (4H,),
    with gate blocks in the order i, f, g, o.
    Returns h : (B, H), c : (B, H) and the cache for lstm_step_backward.
    Book: book/ch06_lstm.md, section "One matrix for four gates".
    """
    check = Shapes()
    Wx = check("Wx", Wx, "4H, D")
    Wh = check("Wh", Wh, "4H, H")
    b = check("b", b, "4H")
    x = check("x", x, "B, D")
    h_prev = check("h_prev", h_prev, "B, H")
    c_prev = check("c_prev", c_prev, "B, H")
    A = x @ Wx.T + h_prev @ Wh.T + b                 # all four gates' pre-activations
    i, f, g, o, c, tanh_c, h = cell_forward(A, c_prev)
    return h, c, StepCache(x, h_prev, c_prev, i, f, g, o, tanh_c, Wx, Wh)


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    dh : (B, H) and dc : (B, H), the loss gradients with respect to this step's h and c.
    Returns (dx (B, D), dh_prev (B, H), dc_prev (B, H), dWx (4H, D), dWh (4H, H), db (4H,)),
    with the weight gradients in the order i, f, g, o:

        dx = dA Wx,  dh_prev = dA Wh,  dWx = dAᵀ x,  dWh = dAᵀ h_prev,  db = Σ_batch dA.

    Book: book/ch06_lstm.md, section "The backward pass of one step".
    """
    x, h_prev, c_prev, i, f, g, o, tanh_c, Wx, Wh = cache
    dh = like("dh", dh, "h", h_prev)
    dc = like("dc", dc, "c", c_prev)
    dA, dc_prev = cell_backward(dh, dc, i, f, g, o, c_prev, tanh_c)
    dx = dA @ Wx                      # A = x Wxᵀ + …       ⇒ ∂L/∂x = dA Wx
    dh_prev = dA @ Wh                 # A = … + h_prev Whᵀ  ⇒ ∂L/∂h_prev = dA Wh
    dWx = dA.T @ x                    # summed over the batch by the matrix product
    dWh = dA.T @ h_prev
    db = dA.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


@fast_twin(fast.lstm_forward)
def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Run the LSTM over a batch of sequences: the step of lstm_step_forward for t = 1 … T.

    x : (B, T, D), h0 : (B, H), c0 : (B, H), Wx : (4H, D), Wh : (4H, H), b : (4H,),
    with gate blocks in the order i, f, g, o.
    Returns hs : (B, T, H), the hidden state after every step, and the cache for
    lstm_backward; the final states are ``cache.h_T`` and ``cache.c_T``.

    The input half x_t Wxᵀ + b of every A_t comes from one matrix product before the loop;
    the loop then does one (B, H) × (H, 4H) product per step and the gates' elementwise work.
    Book: book/ch06_lstm.md, section "One matrix for four gates".
    """
    check = Shapes()
    Wx = check("Wx", Wx, "4H, D")
    Wh = check("Wh", Wh, "4H, H")
    b = check("b", b, "4H")
    x = check("x", x, "B, T, D")
    h0 = check("h0", h0, "B, H")
    c0 = check("c0", c0, "B, H")
    dtype = result_dtype(x, h0, c0, Wx, Wh, b)
    x, h0, c0, Wx, Wh, b = (a.astype(dtype, copy=False) for a in (x, h0, c0, Wx, Wh, b))
    B, T, _ = x.shape
    H = Wh.shape[1]
    xWx = x @ Wx.T + b                     # (B, T, 4H): x_t Wxᵀ + b for every t at once
    hs, cs = np.empty((2, B, T + 1, H), dtype=dtype)
    i, f, g, o, tanh_cs = np.empty((5, B, T, H), dtype=dtype)
    hs[:, 0], cs[:, 0] = h0, c0
    for t in range(T):
        A = xWx[:, t] + hs[:, t] @ Wh.T    # A_t = x_t Wxᵀ + b + h_{t−1} Whᵀ
        i[:, t], f[:, t], g[:, t], o[:, t], cs[:, t + 1], tanh_cs[:, t], hs[:, t + 1] = \
            cell_forward(A, cs[:, t])
    return hs[:, 1:], SequenceCache(x, hs, cs, i, f, g, o, tanh_cs, Wx, Wh)


@fast_twin(fast.lstm_backward)
def lstm_backward(dhs, cache, dc_T=None):
    """Backpropagation through time for the LSTM.

    dhs : (B, T, H), the gradient of the loss with respect to each h_t from the layer above.
    dc_T : (B, H) or None, the gradient with respect to the final cell state ``cache.c_T``
    when the loss uses it (through a later chunk or a network's final states); None is zero.
    (A gradient for h_T needs no argument of its own: add it to dhs[:, -1].)
    Two gradients flow back from step t + 1: dh_next into h_t (added to dhs[:, t]) and
    dc_next into c_t. The shared weights collect the sum over all steps:

        dA_t, dc_next = cell_backward(dhs_t + dh_next, dc_next, …),   dh_next = dA_t Wh,
        dWx = Σ_t dA_tᵀ x_t,   dWh = Σ_t dA_tᵀ h_{t−1},   db = Σ_t Σ_batch dA_t.

    Returns (dx (B, T, D), dh0 (B, H), dc0 (B, H), dWx (4H, D), dWh (4H, H), db (4H,)),
    with the weight gradients in the order i, f, g, o.
    Book: book/ch06_lstm.md, section "Through a whole sequence: two gradients flow back".
    """
    x, hs, cs, i, f, g, o, tanh_cs, Wx, Wh = check_cache(cache, SequenceCache,
                                                         "rnnkit.lstm.lstm_forward.plain")
    dhs = like("dhs", dhs, "hs", hs[:, 1:]).astype(hs.dtype, copy=False)   # the cache's dtype
    B, T, _ = x.shape
    dA = np.empty((B, T, Wh.shape[0]), dtype=hs.dtype)   # ∂L/∂A_t of every step
    dh_next = np.zeros_like(hs[:, 0])      # nothing comes back from after step T …
    dc_next = np.zeros_like(cs[:, 0])      # … except through c_T when the loss uses it
    if dc_T is not None:
        dc_next += like("dc_T", dc_T, "c_T", cache.c_T)
    for t in reversed(range(T)):
        dA[:, t], dc_next = cell_backward(dhs[:, t] + dh_next, dc_next, i[:, t], f[:, t],
                                          g[:, t], o[:, t], cs[:, t], tanh_cs[:, t])
        dh_next = dA[:, t] @ Wh            # A_t = … + h_{t−1} Whᵀ ⇒ ∂L/∂h_{t−1} = dA_t Wh
    # Every step uses the same Wx, Wh and b: their gradients sum over steps (and the batch),
    # one product each once the loop has every dA_t.
    steps = ([0, 1], [0, 1])               # contract the batch and time axes
    dWx = np.tensordot(dA, x, axes=steps)            # Σ_t dA_tᵀ x_t
    dWh = np.tensordot(dA, hs[:, :-1], axes=steps)   # Σ_t dA_tᵀ h_{t−1}
    db = dA.sum(axis=(0, 1))
    dx = dA @ Wx                           # dx_t = dA_t Wx
    return dx, dh_next, dc_next, dWx, dWh, db
