"""Checks shared by test_stacked.py and test_bidirectional.py: random networks, numerical
gradients of every input, state and parameter, and comparison with PyTorch's fixtures."""
import numpy as np
from conftest import assert_close, load_torch_fixture

from rnnkit.gradcheck import check_gradient
from rnnkit.gru import gru_backward, gru_forward
from rnnkit.layers import init_layers, layers_from_torch, torch_names
from rnnkit.lstm import lstm_backward, lstm_forward
from rnnkit.rnn import rnn_backward, rnn_forward

STATES = {"rnn": ("h",), "lstm": ("h", "c"), "gru": ("h",)}


def pack(parts):
    """States as the network functions take them: h0, or the pair (h0, c0) for the LSTM."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def unpack(states):
    return states if isinstance(states, tuple) else (states,)


def network(rng, cell, num_layers, bidirectional, B=2, T=3, D=3, H=4):
    """x, initial state parts and a layer list with weights large enough to leave the linear
    range of tanh and σ, where a wrong derivative shows."""
    layers = init_layers(D, H, num_layers, cell=cell, bidirectional=bidirectional, rng=rng)
    layers = [tuple(2 * p for p in params) for params in layers]
    x = rng.normal(size=(B, T, D))
    parts = tuple(rng.normal(size=(len(layers), B, H)) for _ in STATES[cell])
    return x, parts, layers


def check_all_gradients(forward, backward, cell, num_layers, bidirectional, seed):
    """Numerical gradient check of every argument of forward, for a loss that uses both the
    outputs and the final states: L = Σ outputs ⊙ G + Σ h_n ⊙ G_h (+ Σ c_n ⊙ G_c)."""
    rng = np.random.default_rng(seed)
    x, parts, layers = network(rng, cell, num_layers, bidirectional)
    outputs, state_n, cache = forward(x, pack(parts), layers, cell)
    G = rng.normal(size=outputs.shape)
    G_n = tuple(rng.normal(size=s.shape) for s in unpack(state_n))
    dx, dstate0, dlayers = backward(G, cache, pack(G_n))

    def loss():
        out, final, _ = forward(x, pack(parts), layers, cell)
        return np.sum(out * G) + sum(np.sum(s * g) for s, g in zip(unpack(final), G_n))

    check_gradient("x", dx, loss, x)
    for s, part, grad in zip(STATES[cell], parts, unpack(dstate0)):
        check_gradient(s + "0", grad, loss, part)
    assert len(dlayers) == len(layers)
    for k, (params, grads) in enumerate(zip(layers, dlayers)):
        assert len(grads) == len(params)
        for i, (p, g) in enumerate(zip(params, grads)):
            check_gradient(f"layers[{k}][{i}]", g, loss, p)


def check_against_torch(fixture, cell, forward, backward):
    """Outputs, final states and every gradient against a fixture of make_torch_fixtures.py."""
    f = load_torch_fixture(fixture)
    states = STATES[cell]
    layers = layers_from_torch(f, cell)
    outputs, state_n, cache = forward(f["x"], pack([f[s + "0"] for s in states]), layers, cell)
    assert_close("outputs", outputs, f["out"])
    for s, got in zip(states, unpack(state_n)):
        assert_close(s + "_n", got, f[s + "_n"])
    dx, dstate0, dlayers = backward(f["G"], cache, pack([f[f"G_{s}_n"] for s in states]))
    assert_close("dx", dx, f["dx"])
    for s, got in zip(states, unpack(dstate0)):
        assert_close(f"d{s}0", got, f[f"d{s}0"])
    num_layers = sum(1 for n in f if n.startswith("weight_ih_l") and "reverse" not in n)
    names = torch_names(num_layers, cell, bidirectional=any(n.endswith("_reverse") for n in f))
    assert len(dlayers) == len(names)
    for k, (grads, torch_k) in enumerate(zip(dlayers, names)):
        for grad, name in zip(grads, torch_k):
            # b stands for b_ih + b_hh, so each of PyTorch's two biases has b's gradient.
            for n in name if isinstance(name, tuple) else (name,):
                assert_close(f"dlayers[{k}] vs d{n}", grad, f["d" + n])


def by_hand_forward(cell, x, parts, params):
    """One layer, one direction, with the cell's own sequence function called directly.

    parts : the layer's initial states, (h0,) or (h0, c0). Returns (hs, finals, cache) with
    finals the states after the last step.
    """
    if cell == "lstm":
        hs, cache = lstm_forward(x, *parts, *params)
        return hs, (hs[:, -1], cache.c_T), cache
    hs, cache = {"rnn": rnn_forward, "gru": gru_forward}[cell](x, *parts, *params)
    return hs, (hs[:, -1],), cache


def by_hand_backward(cell, dhs, dfinals, cache):
    """Backward of by_hand_forward: h_T is hs[:, −1], so its gradient joins dhs there.

    Returns (dx, dstate0 tuple, dparams tuple).
    """
    dhs = dhs.copy()
    dhs[:, -1] += dfinals[0]
    if cell == "lstm":
        dx, dh0, dc0, *dparams = lstm_backward(dhs, cache, dc_T=dfinals[1])
        return dx, (dh0, dc0), dparams
    dx, dh0, *dparams = {"rnn": rnn_backward, "gru": gru_backward}[cell](dhs, cache)
    return dx, (dh0,), dparams
