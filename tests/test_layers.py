"""rnnkit.layers: the layer list's shapes and PyTorch names, and one layer with its final state."""
import numpy as np
import pytest
from conftest import assert_close, load_torch_fixture

from rnnkit.layers import (init_layers, layer_backward, layer_forward, layers_from_torch,
                           split_states, torch_names)
from rnnkit.rnn import rnn_backward, rnn_forward


@pytest.mark.parametrize("bidirectional, input_sizes", [(False, [5, 4, 4]), (True, [5, 5, 8, 8, 8, 8])])
def test_init_layers_shapes_and_range(bidirectional, input_sizes):
    layers = init_layers(5, 4, 3, bidirectional=bidirectional, rng=np.random.default_rng(0),
                         dtype=np.float32)
    assert [U.shape for U, W, b in layers] == [(4, d) for d in input_sizes]
    assert all(W.shape == (4, 4) and b.shape == (4,) for U, W, b in layers)
    values = np.concatenate([p.ravel() for params in layers for p in params])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= 0.5 and np.abs(values).max() > 0.4   # ±1/√H, as PyTorch


def test_init_layers_is_reproducible_from_its_rng():
    a = init_layers(3, 4, 2, rng=np.random.default_rng(1))
    b = init_layers(3, 4, 2, rng=np.random.default_rng(1))
    for pa, pb in zip(a, b):
        for x, y in zip(pa, pb):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("cell, shapes", [
    ("lstm", [(16, 5), (16, 4), (16,)]),
    ("gru", [(12, 5), (12, 4), (12,), (12,)]),
])
def test_init_layers_stacks_the_gates(cell, shapes):
    (params,) = init_layers(5, 4, cell=cell, rng=np.random.default_rng(0))
    assert [p.shape for p in params] == shapes


def test_torch_names_follow_the_layer_list_order():
    assert torch_names(2, bidirectional=True) == [
        ("weight_ih_l0", "weight_hh_l0", ("bias_ih_l0", "bias_hh_l0")),
        ("weight_ih_l0_reverse", "weight_hh_l0_reverse", ("bias_ih_l0_reverse", "bias_hh_l0_reverse")),
        ("weight_ih_l1", "weight_hh_l1", ("bias_ih_l1", "bias_hh_l1")),
        ("weight_ih_l1_reverse", "weight_hh_l1_reverse", ("bias_ih_l1_reverse", "bias_hh_l1_reverse")),
    ]


def test_torch_names_of_the_gru_keep_both_biases():
    assert torch_names(1, "gru") == [("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")]


def test_layers_from_torch_adds_the_two_biases():
    f = load_torch_fixture("rnn_stacked_bidirectional")
    layers = layers_from_torch(f)
    assert len(layers) == 4
    U, W, b = layers[3]
    np.testing.assert_array_equal(U, f["weight_ih_l1_reverse"])
    np.testing.assert_array_equal(W, f["weight_hh_l1_reverse"])
    np.testing.assert_array_equal(b, f["bias_ih_l1_reverse"] + f["bias_hh_l1_reverse"])
    with pytest.raises(ValueError, match="no weight_ih_l0"):
        layers_from_torch({"weight": U})


def test_layer_final_state_gradient_joins_the_last_step():
    rng = np.random.default_rng(2)
    x, h0 = rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 4))
    U, W, b = init_layers(5, 4, rng=rng)[0]
    hs, (h_T,), cache = layer_forward(x, (h0,), (U, W, b))
    assert_close("h_T", h_T, hs[:, -1], atol=0)
    dhs, dh_T = rng.normal(size=hs.shape), rng.normal(size=h_T.shape)
    dx, (dh0,), dparams = layer_backward(dhs, (dh_T,), cache)
    _, seq_cache = rnn_forward(x, h0, U, W, b)
    dhs_plus = dhs.copy()
    dhs_plus[:, -1] += dh_T
    expected = rnn_backward(dhs_plus, seq_cache)
    for name, got, want in zip(["dx", "dh0", "dU", "dW", "db"], [dx, dh0, *dparams], expected):
        assert_close(name, got, want, atol=1e-15)



def test_split_states_wants_a_pair_for_the_lstm():
    h0 = np.zeros((1, 2, 3))
    assert split_states(h0, "rnn")[0] is h0
    assert split_states((h0, h0 + 1), "lstm")[1][0, 0, 0] == 1
    with pytest.raises(ValueError, match=r"for cell 'lstm', h0 must be the pair \(h0, c0\), got ndarray"):
        split_states(h0, "lstm")
    with pytest.raises(ValueError, match=r"dh_n must be the pair \(dh_n, dc_n\), got tuple"):
        split_states((h0,), "lstm", name="dh_n")


def test_layer_forward_wants_one_state_per_state_of_the_cell():
    rng = np.random.default_rng(3)
    x, h0 = rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 4))
    (params,) = init_layers(5, 4, cell="lstm", rng=rng)
    with pytest.raises(ValueError, match=r"state0 must be the tuple \(h0, c0\) for cell 'lstm', got tuple of 1"):
        layer_forward(x, (h0,), params, "lstm")
    with pytest.raises(ValueError, match=r"state0 must be the tuple \(h0,\) for cell 'rnn', got ndarray"):
        layer_forward(x, h0, init_layers(5, 4, rng=rng)[0])
