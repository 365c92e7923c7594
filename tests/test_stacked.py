"""rnnkit.stacked: the single-layer functions composed by hand, numerical gradients,
PyTorch's nn.RNN / nn.LSTM / nn.GRU with num_layers=2, and clear errors on bad input."""
import numpy as np
import pytest
from conftest import assert_close
from deep_helpers import (STATES, by_hand_backward, by_hand_forward, check_against_torch,
                          check_all_gradients, network, pack, unpack)

from rnnkit.bidirectional import bidirectional_forward
from rnnkit.layers import get_cell
from rnnkit.stacked import stacked_backward, stacked_forward

CELLS = ["rnn", "lstm", "gru"]
# Every test runs twice: on the layers' plain sequence functions and on their fast twins.
pytestmark = pytest.mark.usefixtures("layers_on_path")


@pytest.mark.parametrize("cell", CELLS)
def test_stack_is_the_single_layers_composed_by_hand(cell):
    rng = np.random.default_rng(0)
    x, parts, layers = network(rng, cell, 3, False)
    outputs, state_n, cache = stacked_forward(x, pack(parts), layers, cell)
    inputs, caches = x, []
    for l, params in enumerate(layers):
        # layer l reads the states of layer l − 1
        inputs, finals, c = by_hand_forward(cell, inputs, [s[l] for s in parts], params)
        caches.append(c)
        for s, got, expected in zip(STATES[cell], unpack(state_n), finals):
            assert_close(f"{s}_n[{l}]", got[l], expected, atol=1e-15)
    assert_close("outputs", outputs, inputs, atol=1e-15)

    G = rng.normal(size=outputs.shape)
    G_n = tuple(rng.normal(size=s.shape) for s in unpack(state_n))
    dx, dstate0, dlayers = stacked_backward(G, cache, pack(G_n))
    dinputs = G
    for l in reversed(range(3)):
        dinputs, dparts, dparams = by_hand_backward(cell, dinputs, [g[l] for g in G_n], caches[l])
        for s, got, expected in zip(STATES[cell], unpack(dstate0), dparts):
            assert_close(f"d{s}0[{l}]", got[l], expected, atol=1e-15)
        for name, got, expected in zip(get_cell(cell).params, dlayers[l], dparams):
            assert_close(f"d{name} of layer {l}", got, expected, atol=1e-15)
    assert_close("dx", dx, dinputs, atol=1e-15)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 3])
def test_backward_matches_numerical_gradients(cell, num_layers):
    check_all_gradients(stacked_forward, stacked_backward, cell, num_layers, False, seed=1)


@pytest.mark.parametrize("cell", CELLS)
def test_matches_pytorch_with_two_layers(cell):
    check_against_torch(f"{cell}_stacked", cell, stacked_forward, stacked_backward)


@pytest.mark.parametrize("cell", CELLS)
def test_shapes_follow_pytorch(cell):
    rng = np.random.default_rng(2)
    x, parts, layers = network(rng, cell, 3, False, B=2, T=5, D=3, H=4)
    outputs, state_n, _ = stacked_forward(x, pack(parts), layers, cell)
    assert outputs.shape == (2, 5, 4)
    assert [s.shape for s in unpack(state_n)] == [(3, 2, 4)] * len(parts)
    assert_close("top layer's last state", unpack(state_n)[0][-1], outputs[:, -1], atol=0)


@pytest.mark.parametrize("cell", CELLS)
def test_no_final_state_gradient_is_a_zero_one(cell):
    rng = np.random.default_rng(3)
    x, parts, layers = network(rng, cell, 2, False)
    outputs, state_n, cache = stacked_forward(x, pack(parts), layers, cell)
    G = rng.normal(size=outputs.shape)
    zeros = pack([np.zeros_like(s) for s in unpack(state_n)])
    dx, dstate0, dlayers = stacked_backward(G, cache)
    dx_z, dstate0_z, dlayers_z = stacked_backward(G, cache, zeros)
    assert_close("dx", dx, dx_z, atol=0)
    for got, expected in zip(unpack(dstate0), unpack(dstate0_z)):
        assert_close("dstate0", got, expected, atol=0)
    for k, (grads, grads_z) in enumerate(zip(dlayers, dlayers_z)):
        for got, expected in zip(grads, grads_z):
            assert_close(f"dlayers[{k}]", got, expected, atol=0)


def test_lstm_cell_gradient_alone_reaches_every_layer():
    """dh_n = (None, dc_n): a loss on the final cells only, through c_T of every layer."""
    rng = np.random.default_rng(8)
    x, (h0, c0), layers = network(rng, "lstm", 2, False)
    outputs, (h_n, c_n), cache = stacked_forward(x, (h0, c0), layers, "lstm")
    G_c = rng.normal(size=c_n.shape)
    zeros = np.zeros_like(outputs)
    dx, (dh0, dc0), dlayers = stacked_backward(zeros, cache, (None, G_c))
    dx_z, (dh0_z, dc0_z), dlayers_z = stacked_backward(zeros, cache, (np.zeros_like(h_n), G_c))
    assert np.abs(dc0).min() > 0 and np.abs(dx).max() > 0
    for name, got, expected in [("dx", dx, dx_z), ("dh0", dh0, dh0_z), ("dc0", dc0, dc0_z)]:
        assert_close(name, got, expected, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(dtype):
    x, (h0,), layers = network(np.random.default_rng(4), "rnn", 2, False)
    x, h0 = x.astype(dtype), h0.astype(dtype)
    layers = [tuple(p.astype(dtype) for p in params) for params in layers]
    outputs, h_n, cache = stacked_forward(x, h0, layers)
    assert outputs.dtype == dtype and h_n.dtype == dtype
    dx, dh0, dlayers = stacked_backward(np.ones_like(outputs), cache, np.ones_like(h_n))
    assert dx.dtype == dtype and dh0.dtype == dtype
    assert all(g.dtype == dtype for grads in dlayers for g in grads)


def test_forward_and_backward_do_not_modify_their_inputs():
    x, (h0,), layers = network(np.random.default_rng(5), "rnn", 2, False)
    arrays = [x, h0, *[p for params in layers for p in params]]
    copies = [a.copy() for a in arrays]
    outputs, h_n, cache = stacked_forward(x, h0, layers)
    G, G_h = np.ones_like(outputs), np.ones_like(h_n)
    stacked_backward(G, cache, G_h)
    for a, c in zip(arrays + [G, G_h], copies + [np.ones_like(G), np.ones_like(G_h)]):
        np.testing.assert_array_equal(a, c)


def bad_args(which):
    """Valid arguments of a 2-layer RNN stack (x (2, 3, 3), H = 4) with one entry replaced."""
    x, (h0,), layers = network(np.random.default_rng(6), "rnn", 2, False)
    args = {"x": x, "h0": h0, "layers": layers, "cell": "rnn"}
    which(args)
    return args


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(h0=a["h0"][:1]),
     r"h0 has shape \(1, 2, 4\) but layers holds 2 parameter tuples \(2 layer\(s\) × 1 "
     r"direction\(s\)\): its first axis must be 2"),
    (lambda a: a.update(h0=a["h0"][0]), r"h0 must have 3 dimension\(s\) \(K, B, H\), got shape \(2, 4\)"),
    (lambda a: a["layers"].__setitem__(1, (np.zeros((4, 3)),) + a["layers"][1][1:]),
     r"layers\[1\]\[0\] \(U, layer 1\) has shape \(4, 3\): layer 1 reads the outputs of "
     r"layer 0, H = 4 per step, so it needs 4 columns"),
    (lambda a: a["layers"].__setitem__(0, a["layers"][0][:2]),
     r"layers\[0\] \(layer 0\) must hold 3 arrays \(U, W, b\) for cell 'rnn', got 2"),
    (lambda a: a.update(layers=[]), r"layers must hold 1 parameter tuple\(s\) per layer"),
    (lambda a: a.update(layers=np.zeros((2, 3))), r"layers must be a list of parameter tuples"),
    (lambda a: a.update(x=a["x"][:, :, :2]),
     r"x has shape \(2, 3, 2\) but layers\[0\]\[0\] \(U, layer 0\) has shape \(4, 3\)"),
    (lambda a: a.update(cell="lstn"), r"cell must be one of 'rnn', 'lstm', 'gru', got 'lstn'"),
    (lambda a: a.update(cell="lstm"), r"for cell 'lstm', h0 must be the pair \(h0, c0\)"),
    (lambda a: a.update(cell="lstm", h0=(a["h0"], a["h0"])),
     r"layers\[0\]\[1\] \(Wh, layer 0\) has shape \(4, 4\): cell 'lstm' needs \(4H, H\), 4 gate "
     r"blocks of H rows, e.g. \(16, 4\)"),
    (lambda a: a.update(cell="gru"),
     r"layers\[0\] \(layer 0\) must hold 4 arrays \(Wx, Wh, bx, bh\) for cell 'gru', got 3"),
])
def test_bad_input_raises_a_clear_error(change, message):
    with pytest.raises(ValueError, match=message):
        stacked_forward(**bad_args(change))


def test_lstm_states_come_as_a_checked_pair():
    x, (h0, c0), layers = network(np.random.default_rng(9), "lstm", 2, False)
    with pytest.raises(ValueError, match=r"for cell 'lstm', h0 must be the pair \(h0, c0\), got ndarray"):
        stacked_forward(x, h0, layers, "lstm")
    with pytest.raises(ValueError, match=r"c0 has shape \(2, 2, 5\) but layers\[0\]\[0\] \(Wx, layer 0\) "
                                         r"has shape \(16, 3\): they disagree on H \(5 vs 4\)"):
        stacked_forward(x, (h0, np.zeros((2, 2, 5))), layers, "lstm")
    with pytest.raises(ValueError, match=r"layers\[1\]\[0\] \(Wx, layer 1\) has shape \(16, 3\): "
                                         r"layer 1 reads the outputs of layer 0, H = 4 per step"):
        stacked_forward(x, (h0, c0), [layers[0], layers[0]], "lstm")
    outputs, (h_n, c_n), cache = stacked_forward(x, (h0, c0), layers, "lstm")
    with pytest.raises(ValueError, match=r"dc_n has shape \(2, 4\) but c_n has shape \(2, 2, 4\)"):
        stacked_backward(outputs, cache, (None, np.ones((2, 4))))
    with pytest.raises(ValueError, match=r"dh_n must be the pair \(dh_n, dc_n\), got ndarray"):
        stacked_backward(outputs, cache, h_n)


def test_backward_rejects_gradients_of_the_wrong_shape_or_cache():
    x, (h0,), layers = network(np.random.default_rng(7), "rnn", 2, False)
    outputs, h_n, cache = stacked_forward(x, h0, layers)
    with pytest.raises(ValueError, match=r"doutputs has shape \(2, 3, 8\) but outputs has shape \(2, 3, 4\)"):
        stacked_backward(np.ones((2, 3, 8)), cache)
    with pytest.raises(ValueError, match=r"dh_n has shape \(2, 4\) but h_n has shape \(2, 2, 4\)"):
        stacked_backward(outputs, cache, np.ones((2, 4)))
    _, _, bi_cache = bidirectional_forward(x, h0, [layers[0], layers[0]])   # one layer, 2 directions
    with pytest.raises(ValueError, match=r"made by bidirectional_forward"):
        stacked_backward(outputs, bi_cache)
