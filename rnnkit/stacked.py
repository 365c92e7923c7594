"""Stacked (multi-layer) recurrent networks: several layers inside one time step.

Book chapter 5. Layer 0 reads the input sequence, and every layer above reads the hidden
states of the layer below as its input sequence:

    h_t^(0) = cell(x_t,        h_{t−1}^(0))
    h_t^(l) = cell(h_t^(l−1),  h_{t−1}^(l))      for l = 1 … L−1

The network's output at step t is the top layer's state h_t^(L−1), so outputs is (B, T, H);
the final states h_n (L, B, H) hold h_T^(l) of every layer, bottom first, as PyTorch's
nn.RNN(num_layers=L) returns them. Each layer is one whole sequence function (``rnn_forward``,
``lstm_forward`` or ``gru_forward``), so a stack of L layers is L calls, one after another.

The backward pass runs the layers top down: the gradient reaching layer l's states is the
gradient of outputs for the top layer, and the gradient of the input (dx) of layer l + 1 below
it; each layer's final state also receives dh_n[l].

    layers : list of L parameter tuples, layers[l] = (U, W, b) for cell="rnn",
             (Wx, Wh, b) for "lstm", (Wx, Wh, bx, bh) for "gru"; layer 0's input weight is
             (·, D), every later one (·, H). How they map to PyTorch's weight_ih_l{l} etc.:
             see ``rnnkit.layers`` (``torch_names``, ``layers_from_torch``).
    h0     : (L, B, H), or for the LSTM the pair (h0, c0) of (L, B, H) arrays.
"""
from typing import NamedTuple

import numpy as np

from ._checks import like
from .layers import (check_final_grads, check_network, join_states, layer_backward,
                     layer_forward, split_states)


class StackedCache(NamedTuple):
    """What stacked_backward (or bidirectional_backward) needs."""
    cell: str            # "rnn", "lstm" or "gru"
    directions: int      # 1 stacked, 2 bidirectional
    layer_caches: list   # one cache per entry of layers, same order
    outputs: np.ndarray  # (B, T, directions·H), to check the shape of its gradient
    state_n: tuple       # the final states, (h_n,) or (h_n, c_n), likewise


def stacked_forward(x, h0, layers, cell="rnn"):
    """Run a stack of L recurrent layers over a batch of sequences.

    x : (B, T, D); h0 : (L, B, H), or (h0, c0) for cell="lstm";
    layers : L parameter tuples (see the module docstring); cell : "rnn", "lstm" or "gru".
    Returns (outputs (B, T, H), h_n, cache): outputs are the top layer's states; h_n is
    (L, B, H), the last state of every layer, or (h_n, c_n) for the LSTM.
    """
    return deep_forward(x, h0, layers, cell, (layer_forward,))


def stacked_backward(doutputs, cache, dh_n=None):
    """Backward pass of stacked_forward.

    doutputs : (B, T, H), the gradient of the loss with respect to outputs;
    dh_n : (L, B, H), the gradient with respect to the final states, or None when the loss
    does not use them; for the LSTM the pair (dh_n, dc_n), either of which may be None.
    Returns (dx (B, T, D), dh0 (L, B, H) or (dh0, dc0), dlayers), where dlayers[l] holds the
    gradients of layers[l] in the same order.
    """
    return deep_backward(doutputs, cache, dh_n, (layer_backward,))


def deep_forward(x, h0, layers, cell, passes):
    """Any deep network, stacked or bidirectional: the loop over layers that both share.

    passes : one layer function per direction, called as pass(x, state0, params, cell) and
    returning (hs, state_T, cache); the directions' outputs are joined side by side.
    """
    directions = len(passes)
    x, state0, layers = check_network(x, split_states(h0, cell), layers, cell, directions)
    inputs, finals, caches = x, [], []
    for l in range(len(layers) // directions):
        outs = []
        for d, run in enumerate(passes):
            k = directions * l + d
            hs, state_T, cache = run(inputs, tuple(s[k] for s in state0), layers[k], cell)
            outs.append(hs)
            finals.append(state_T)
            caches.append(cache)
        inputs = outs[0] if directions == 1 else np.concatenate(outs, axis=-1)
    state_n = tuple(np.stack(parts) for parts in zip(*finals))   # (n·L, B, H) each
    return inputs, join_states(state_n), StackedCache(cell, directions, caches, inputs, state_n)


def deep_backward(doutputs, cache, dh_n, passes):
    """Backward pass of deep_forward, with the matching backward function per direction."""
    directions = len(passes)
    if cache.directions != directions:
        made_by = "bidirectional_forward" if cache.directions == 2 else "stacked_forward"
        raise ValueError(f"this cache was made by {made_by}; pass it to the matching backward "
                         f"function")
    doutputs = like("doutputs", doutputs, "outputs", cache.outputs)
    dstate_n = check_final_grads(dh_n, cache.state_n, cache.cell)
    H = cache.state_n[0].shape[-1]
    n = len(cache.layer_caches)
    dstate0, dlayers = [None] * n, [None] * n
    dinputs = doutputs
    for l in reversed(range(n // directions)):
        dxs = []
        for d, back in enumerate(passes):
            k = directions * l + d
            dx, dstate0[k], dlayers[k] = back(
                dinputs[..., d * H:(d + 1) * H],
                tuple(None if g is None else g[k] for g in dstate_n),
                cache.layer_caches[k])
            dxs.append(dx)
        dinputs = sum(dxs[1:], dxs[0])   # every direction read the same input
    dstate0 = tuple(np.stack(parts) for parts in zip(*dstate0))
    return dinputs, join_states(dstate0), dlayers
