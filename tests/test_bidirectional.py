"""rnnkit.bidirectional: the single-layer functions composed by hand over both time orders,
numerical gradients, PyTorch's bidirectional nn.RNN / nn.LSTM / nn.GRU with one and two
layers, and clear errors on bad input."""
import numpy as np
import pytest
from conftest import assert_close
from deep_helpers import (STATES, by_hand_backward, by_hand_forward, check_against_torch,
                          check_all_gradients, network, pack, unpack)

from rnnkit.bidirectional import bidirectional_backward, bidirectional_forward
from rnnkit.layers import get_cell
from rnnkit.stacked import stacked_forward

CELLS = ["rnn", "lstm", "gru"]
# Every test runs twice: on the layers' plain sequence functions and on their fast twins.
pytestmark = pytest.mark.usefixtures("layers_on_path")


@pytest.mark.parametrize("cell", CELLS)
def test_network_is_the_single_layers_composed_by_hand(cell):
    rng = np.random.default_rng(0)
    x, parts, layers = network(rng, cell, 2, True)
    outputs, state_n, cache = bidirectional_forward(x, pack(parts), layers, cell)
    inputs, caches = x, []
    for l in range(2):
        f, b = 2 * l, 2 * l + 1
        forward, finals_f, cf = by_hand_forward(cell, inputs, [s[f] for s in parts], layers[f])
        backward, finals_b, cb = by_hand_forward(cell, inputs[:, ::-1], [s[b] for s in parts],
                                                 layers[b])
        backward = backward[:, ::-1]                     # back in the original time order
        caches += [cf, cb]
        for s, got, expected_f, expected_b in zip(STATES[cell], unpack(state_n), finals_f, finals_b):
            assert_close(f"{s}_n[{f}]", got[f], expected_f, atol=1e-15)
            assert_close(f"{s}_n[{b}]", got[b], expected_b, atol=1e-15)
        inputs = np.concatenate([forward, backward], axis=-1)   # layer l + 1 reads both
    assert_close("outputs", outputs, inputs, atol=1e-15)
    assert_close("reverse h_n is its state at t = 1", unpack(state_n)[0][3], outputs[:, 0, 4:], atol=0)

    G = rng.normal(size=outputs.shape)
    G_n = tuple(rng.normal(size=s.shape) for s in unpack(state_n))
    dx, dstate0, dlayers = bidirectional_backward(G, cache, pack(G_n))
    H = parts[0].shape[-1]
    dinputs = G
    for l in reversed(range(2)):
        f, b = 2 * l, 2 * l + 1
        dx_f, dparts_f, dparams_f = by_hand_backward(cell, dinputs[..., :H], [g[f] for g in G_n],
                                                     caches[f])
        dx_b, dparts_b, dparams_b = by_hand_backward(cell, dinputs[:, ::-1, H:],
                                                     [g[b] for g in G_n], caches[b])
        dinputs = dx_f + dx_b[:, ::-1]                   # both directions read the same input
        for k, dparts, dparams in [(f, dparts_f, dparams_f), (b, dparts_b, dparams_b)]:
            for s, got, expected in zip(STATES[cell], unpack(dstate0), dparts):
                assert_close(f"d{s}0[{k}]", got[k], expected, atol=1e-15)
            for name, got, expected in zip(get_cell(cell).params, dlayers[k], dparams):
                assert_close(f"d{name} of layers[{k}]", got, expected, atol=1e-15)
    assert_close("dx", dx, dinputs, atol=1e-15)


@pytest.mark.parametrize("cell", CELLS)
def test_reverse_direction_reads_only_the_future(cell):
    """Changing x_1 changes every forward state but, of the reverse states, only the one at t = 1."""
    rng = np.random.default_rng(1)
    x, parts, layers = network(rng, cell, 1, True, T=4)
    outputs, _, _ = bidirectional_forward(x, pack(parts), layers, cell)
    x2 = x.copy()
    x2[:, 0] += 1.0
    outputs2, _, _ = bidirectional_forward(x2, pack(parts), layers, cell)
    H = outputs.shape[-1] // 2
    changed = np.abs(outputs2 - outputs).max(axis=(0, 2)) > 1e-12
    changed_forward = np.abs(outputs2 - outputs)[..., :H].max(axis=(0, 2)) > 1e-12
    changed_reverse = np.abs(outputs2 - outputs)[..., H:].max(axis=(0, 2)) > 1e-12
    assert changed.all()
    assert changed_forward.all()
    assert changed_reverse.tolist() == [True, False, False, False]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_backward_matches_numerical_gradients(cell, num_layers):
    check_all_gradients(bidirectional_forward, bidirectional_backward, cell, num_layers, True,
                        seed=2)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("fixture", ["bidirectional", "stacked_bidirectional"])
def test_matches_pytorch(cell, fixture):
    check_against_torch(f"{cell}_{fixture}", cell, bidirectional_forward, bidirectional_backward)


@pytest.mark.parametrize("cell", CELLS)
def test_shapes_follow_pytorch(cell):
    rng = np.random.default_rng(3)
    x, parts, layers = network(rng, cell, 3, True, B=2, T=5, D=3, H=4)
    assert len(layers) == 6 and layers[2][0].shape[-1] == 8       # layer 1 reads 2H
    outputs, state_n, _ = bidirectional_forward(x, pack(parts), layers, cell)
    assert outputs.shape == (2, 5, 8)
    assert [s.shape for s in unpack(state_n)] == [(6, 2, 4)] * len(parts)
    h_n = unpack(state_n)[0]
    assert_close("top forward state", h_n[4], outputs[:, -1, :4], atol=0)
    assert_close("top reverse state", h_n[5], outputs[:, 0, 4:], atol=0)


def test_forward_direction_alone_is_the_stacked_network():
    """Layer 0's forward half does not depend on the reverse direction's parameters."""
    x, (h0,), layers = network(np.random.default_rng(4), "rnn", 1, True)
    outputs, h_n, _ = bidirectional_forward(x, h0, layers)
    alone, h_alone, _ = stacked_forward(x, h0[:1], layers[:1])
    assert_close("forward half", outputs[..., :4], alone, atol=0)
    assert_close("h_n[0]", h_n[0], h_alone[0], atol=0)


def bad_args(which):
    """Valid arguments of a 2-layer bidirectional RNN (x (2, 3, 3), H = 4), one entry replaced."""
    x, (h0,), layers = network(np.random.default_rng(5), "rnn", 2, True)
    args = {"x": x, "h0": h0, "layers": layers, "cell": "rnn"}
    which(args)
    return args


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(h0=a["h0"][:2]),
     r"h0 has shape \(2, 2, 4\) but layers holds 4 parameter tuples \(2 layer\(s\) × 2 "
     r"direction\(s\)\): its first axis must be 4"),
    (lambda a: a.update(layers=a["layers"][:3]),
     r"layers must hold 2 parameter tuple\(s\) per layer for a bidirectional network, got 3"),
    (lambda a: a["layers"].__setitem__(3, (np.zeros((4, 4)),) + a["layers"][3][1:]),
     r"layers\[3\]\[0\] \(U, layer 1, reverse\) has shape \(4, 4\): layer 1 reads the "
     r"outputs of layer 0, 2H = 8 per step, so it needs 8 columns"),
    (lambda a: a["layers"].__setitem__(1, (a["layers"][1][0], np.zeros((4, 5)), a["layers"][1][2])),
     r"layers\[1\]\[1\] \(W, layer 0, reverse\) has shape \(4, 5\): cell 'rnn' needs a square "
     r"\(H, H\), e.g. \(5, 5\)"),
    (lambda a: a["layers"].__setitem__(1, (a["layers"][1][0], np.zeros((5, 5)), a["layers"][1][2])),
     r"layers\[1\]\[1\] \(W, layer 0, reverse\) has shape \(5, 5\) but layers\[0\]\[0\] "
     r"\(U, layer 0\) has shape \(4, 3\): they disagree on H \(5 vs 4\)"),
])
def test_bad_input_raises_a_clear_error(change, message):
    with pytest.raises(ValueError, match=message):
        bidirectional_forward(**bad_args(change))


def test_backward_rejects_gradients_of_the_wrong_shape_or_cache():
    x, (h0,), layers = network(np.random.default_rng(6), "rnn", 1, True)
    outputs, h_n, cache = bidirectional_forward(x, h0, layers)
    with pytest.raises(ValueError, match=r"doutputs has shape \(2, 3, 4\) but outputs has shape \(2, 3, 8\)"):
        bidirectional_backward(outputs[..., :4], cache)
    with pytest.raises(ValueError, match=r"dh_n has shape \(1, 2, 4\) but h_n has shape \(2, 2, 4\)"):
        bidirectional_backward(outputs, cache, h_n[:1])
    _, _, stacked_cache = stacked_forward(x, h0[:1], layers[:1])
    with pytest.raises(ValueError, match=r"made by stacked_forward"):
        bidirectional_backward(outputs[..., :4], stacked_cache)
