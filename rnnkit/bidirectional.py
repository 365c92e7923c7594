"""Bidirectional recurrent networks: a second pass over reversed time, with its own parameters.

Book chapter 5. Each layer runs two independent recurrences over its input: the forward
direction from t = 1 to T, and the reverse direction from t = T back to 1, with parameters
that are not shared. At every step their states are joined side by side,

    →h_t = cell(x_t, →h_{t−1}),    ←h_t = cell(x_t, ←h_{t+1}),    out_t = [→h_t, ←h_t]

so the output of a layer is (B, T, 2H), and out_t sees the whole sequence, before and after
t. A network of L bidirectional layers stacks them: layer l > 0 reads the (B, T, 2H) outputs of
the layer below in both of its directions. Its final states h_n are (2L, B, H): entry
2l + d is layer l's last state in direction d (0 forward, 1 reverse), PyTorch's order for
nn.RNN(num_layers=L, bidirectional=True). The reverse direction's last state belongs to t = 1,
the first step of the sequence.

    layers : list of 2L parameter tuples; layers[2l + d] drives layer l in direction d and
             maps to PyTorch's weight_ih_l{l} (d = 0) or weight_ih_l{l}_reverse (d = 1), etc.
             (see ``rnnkit.layers``). Layer 0's input weights are (·, D), later ones (·, 2H).
    h0     : (2L, B, H), or for the LSTM the pair (h0, c0), in the same order as layers.

A model that must predict step t + 1 from steps up to t (a language model sampling its own
text) cannot use the reverse direction, which reads the future.
"""
from .layers import layer_backward, layer_forward
from .stacked import deep_backward, deep_forward


def reversed_layer_forward(x, state0, params, cell="rnn"):
    """One layer run over reversed time: ``layer_forward`` on x[:, ::-1], outputs flipped back.

    x : (B, T, D_l). Returns (hs, state_T, cache) with hs : (B, T, H) in the original time
    order, so hs[:, t] is the state after reading x_T … x_t; state_T is the state at t = 1.
    """
    hs, state_T, cache = layer_forward(x[:, ::-1], state0, params, cell)
    return hs[:, ::-1], state_T, cache


def reversed_layer_backward(dhs, dstate_T, cache):
    """Backward pass of reversed_layer_forward; dhs : (B, T, H) in the original time order."""
    dx, dstate0, dparams = layer_backward(dhs[:, ::-1], dstate_T, cache)
    return dx[:, ::-1], dstate0, dparams


def bidirectional_forward(x, h0, layers, cell="rnn"):
    """Run a network of L bidirectional layers over a batch of sequences.

    x : (B, T, D); h0 : (2L, B, H), or (h0, c0) for cell="lstm";
    layers : 2L parameter tuples (see the module docstring); cell : "rnn", "lstm" or "gru".
    Returns (outputs (B, T, 2H), h_n, cache): outputs[..., :H] is the top layer's forward
    direction and outputs[..., H:] its reverse direction; h_n is (2L, B, H), or (h_n, c_n).
    """
    return deep_forward(x, h0, layers, cell, (layer_forward, reversed_layer_forward))


def bidirectional_backward(doutputs, cache, dh_n=None):
    """Backward pass of bidirectional_forward.

    doutputs : (B, T, 2H); dh_n : (2L, B, H) or None, for the LSTM the pair (dh_n, dc_n),
    either of which may be None.
    Returns (dx (B, T, D), dh0 (2L, B, H) or (dh0, dc0), dlayers), where dlayers[k] holds
    the gradients of layers[k] in the same order.
    """
    return deep_backward(doutputs, cache, dh_n, (layer_backward, reversed_layer_backward))
