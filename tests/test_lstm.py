"""rnnkit.lstm: forward against the equations and a per-step loop, backward against numerical
gradients and PyTorch's nn.LSTM, and clear errors on bad input."""
import numpy as np
import pytest
from conftest import assert_close, both_paths, load_torch_fixture

import rnnkit.fast.lstm
from rnnkit.functional import sigmoid
from rnnkit.gradcheck import check_gradient
from rnnkit.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

NAMES = ["x", "h0", "c0", "Wx", "Wh", "b"]


# The sequence functions' plain versions and their fast twins pass the same tests.
sequence = both_paths(lstm_forward, lstm_backward)


def params(rng, B=3, T=4, D=5, H=6, dtype=np.float64):
    return (
        rng.normal(size=(B, T, D)).astype(dtype),
        rng.normal(size=(B, H)).astype(dtype),
        rng.normal(size=(B, H)).astype(dtype),
        (rng.normal(size=(4 * H, D)) * 0.5).astype(dtype),
        (rng.normal(size=(4 * H, H)) * 0.5).astype(dtype),
        rng.normal(size=4 * H).astype(dtype),
    )


def step_params(rng, **kw):
    x, *rest = params(rng, **kw)
    return (x[:, 0].copy(), *rest)


def test_step_forward_is_the_equation_in_gate_order_i_f_g_o():
    x, h_prev, c_prev, Wx, Wh, b = step_params(np.random.default_rng(0))
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    a_i, a_f, a_g, a_o = np.split(x @ Wx.T + h_prev @ Wh.T + b, 4, axis=1)
    c_expected = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_g)
    assert_close("c", c, c_expected, atol=1e-14)
    assert_close("h", h, sigmoid(a_o) * np.tanh(c_expected), atol=1e-14)


def test_forward_equals_a_loop_of_steps_and_exposes_the_final_states(sequence):
    lstm_forward, lstm_backward = sequence
    x, h0, c0, Wx, Wh, b = params(np.random.default_rng(1))
    hs, cache = lstm_forward(x, h0, c0, Wx, Wh, b)
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c, _ = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        assert_close(f"hs[:, {t}]", hs[:, t], h, atol=1e-14)
    assert_close("cache.h_T", cache.h_T, h, atol=1e-14)
    assert_close("cache.c_T", cache.c_T, c, atol=1e-14)


def test_step_backward_matches_numerical_gradients():
    rng = np.random.default_rng(2)
    args = step_params(rng)
    dh, dc = rng.normal(size=(2, 3, 6))
    _, _, cache = lstm_step_forward(*args)
    grads = lstm_step_backward(dh, dc, cache)

    def loss():
        h, c, _ = lstm_step_forward(*args)
        return np.sum(h * dh) + np.sum(c * dc)

    for name, arr, g in zip(["x", "h_prev", "c_prev", "Wx", "Wh", "b"], args, grads):
        check_gradient(name, g, loss, arr)


def test_backward_matches_numerical_gradients(sequence):
    lstm_forward, lstm_backward = sequence
    rng = np.random.default_rng(3)
    args = params(rng)
    dhs = rng.normal(size=(3, 4, 6))
    _, cache = lstm_forward(*args)
    grads = lstm_backward(dhs, cache)

    def loss():
        return np.sum(lstm_forward(*args)[0] * dhs)

    for name, arr, g in zip(NAMES, args, grads):
        check_gradient(name, g, loss, arr)


def test_backward_takes_the_gradient_of_the_final_cell_state(sequence):
    lstm_forward, lstm_backward = sequence
    rng = np.random.default_rng(4)
    args = params(rng)
    dhs, dc_T = rng.normal(size=(3, 4, 6)), rng.normal(size=(3, 6))
    _, cache = lstm_forward(*args)
    grads = lstm_backward(dhs, cache, dc_T=dc_T)

    def loss():
        hs, cache = lstm_forward(*args)
        return np.sum(hs * dhs) + np.sum(cache.c_T * dc_T)

    for name, arr, g in zip(NAMES, args, grads):
        check_gradient(name, g, loss, arr)


@pytest.mark.parametrize("steps", [1, 2, 3, 4])
def test_fast_backward_is_the_same_whatever_the_chunk_of_local_derivatives(steps, monkeypatch):
    # The fast path computes the gates' own derivatives a chunk of steps at a time; with T = 4,
    # a chunk of 1, 2, 3 or 4 steps covers the cases of even, uneven and single chunks.
    lstm_forward, lstm_backward = rnnkit.fast.lstm.lstm_forward, rnnkit.fast.lstm.lstm_backward
    rng = np.random.default_rng(12)
    args = params(rng)
    dhs, dc_T = rng.normal(size=(3, 4, 6)), rng.normal(size=(3, 6))
    _, cache = lstm_forward(*args)
    whole = lstm_backward(dhs, cache, dc_T=dc_T)
    monkeypatch.setattr(rnnkit.fast.lstm, "_CHUNK", steps * cache.gates[0].size)
    for name, got, expected in zip(NAMES, lstm_backward(dhs, cache, dc_T=dc_T), whole):
        assert_close("d" + name, got, expected, atol=1e-14)


def test_matches_pytorch_nn_lstm(sequence):
    lstm_forward, lstm_backward = sequence
    f = load_torch_fixture("lstm")
    b = f["bias_ih_l0"] + f["bias_hh_l0"]
    hs, cache = lstm_forward(f["x"], f["h0"][0], f["c0"][0],
                             f["weight_ih_l0"], f["weight_hh_l0"], b)
    assert_close("hs", hs, f["out"])
    assert_close("cache.h_T", cache.h_T, f["h_n"][0])
    assert_close("cache.c_T", cache.c_T, f["c_n"][0])
    dx, dh0, dc0, dWx, dWh, db = lstm_backward(f["G"], cache)
    assert_close("dx", dx, f["dx"])
    assert_close("dh0", dh0, f["dh0"][0])
    assert_close("dc0", dc0, f["dc0"][0])
    assert_close("dWx", dWx, f["dweight_ih_l0"])
    assert_close("dWh", dWh, f["dweight_hh_l0"])
    # b stands for b_ih + b_hh, so each torch bias receives the same gradient as b.
    assert_close("db", db, f["dbias_ih_l0"])
    assert_close("db", db, f["dbias_hh_l0"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(dtype, sequence):
    lstm_forward, lstm_backward = sequence
    x, h0, c0, Wx, Wh, b = params(np.random.default_rng(5), dtype=dtype)
    hs, cache = lstm_forward(x, h0, c0, Wx, Wh, b)
    assert hs.dtype == dtype and cache.c_T.dtype == dtype
    grads = lstm_backward(np.ones_like(hs), cache, dc_T=np.ones_like(h0))
    assert [g.dtype for g in grads] == [dtype] * 6
    h, c, cache = lstm_step_forward(x[:, 0], h0, c0, Wx, Wh, b)
    assert h.dtype == dtype and c.dtype == dtype
    grads = lstm_step_backward(np.ones_like(h), np.ones_like(c), cache)
    assert [g.dtype for g in grads] == [dtype] * 6


def test_float32_agrees_with_float64(sequence):
    lstm_forward, lstm_backward = sequence
    args = params(np.random.default_rng(6))
    hs64, cache64 = lstm_forward(*args)
    hs32, cache32 = lstm_forward(*[a.astype(np.float32) for a in args])
    assert_close("hs", hs32, hs64, atol=1e-5)
    for name, g32, g64 in zip(NAMES, lstm_backward(np.ones_like(hs32), cache32),
                              lstm_backward(np.ones_like(hs64), cache64)):
        assert_close("d" + name, g32, g64, atol=1e-4)


@pytest.mark.parametrize("B", [1, 3])   # with B = 1, time-major views are contiguous too
def test_forward_and_backward_do_not_modify_their_inputs(B, sequence):
    lstm_forward, lstm_backward = sequence
    rng = np.random.default_rng(7)
    args = params(rng, B=B)
    dhs, dc_T = rng.normal(size=(B, 4, 6)), rng.normal(size=(B, 6))
    copies = [a.copy() for a in (*args, dhs, dc_T)]
    _, cache = lstm_forward(*args)
    lstm_backward(dhs, cache, dc_T=dc_T)
    lstm_backward(dhs, cache, dc_T=dc_T)   # the cache, too, is left as it was
    _, _, step_cache = lstm_step_forward(args[0][:, 0], *args[1:])
    lstm_step_backward(dhs[:, 0], dc_T, step_cache)
    for a, copy in zip((*args, dhs, dc_T), copies):
        np.testing.assert_array_equal(a, copy)


@pytest.mark.parametrize("B", [1, 3])
def test_backward_twice_gives_the_same_gradients(B, sequence):
    lstm_forward, lstm_backward = sequence
    rng = np.random.default_rng(8)
    args = params(rng, B=B)
    dhs = rng.normal(size=(B, 4, 6))
    _, cache = lstm_forward(*args)
    for first, second in zip(lstm_backward(dhs, cache), lstm_backward(dhs, cache)):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("which, bad, message", [
    ("x", np.zeros((3, 4)), r"x must have 3 dimension\(s\) \(B, T, D\), got shape \(3, 4\)"),
    ("x", np.zeros((3, 4, 7)), r"x has shape \(3, 4, 7\) but Wx has shape \(24, 5\)"),
    ("h0", np.zeros((2, 6)), r"h0 has shape \(2, 6\) but x has shape \(3, 4, 5\)"),
    ("c0", np.zeros((3, 5)), r"c0 has shape \(3, 5\) but Wx has shape \(24, 5\)"),
    ("Wx", np.zeros((23, 5)), r"Wx has shape \(23, 5\): 4H must be a multiple of 4"),
    ("Wh", np.zeros((24, 5)), r"Wh has shape \(24, 5\) but Wx has shape \(24, 5\): "
                              r"they disagree on H \(5 vs 6\)"),
    ("Wh", np.zeros((20, 6)), r"Wh has shape \(20, 6\) but Wx has shape \(24, 5\)"),
    ("b", np.zeros(20), r"b has shape \(20,\) but Wx has shape \(24, 5\)"),
    ("c0", np.full((3, 6), np.nan), r"c0 \(shape \(3, 6\)\) contains NaN"),
    ("x", np.zeros((3, 4, 5), dtype=int), r"x must be a float array, got dtype int"),
])
def test_bad_input_raises_a_clear_error(which, bad, message, sequence):
    lstm_forward, lstm_backward = sequence
    args = dict(zip(NAMES, params(np.random.default_rng(9))))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        lstm_forward(**args)


@pytest.mark.parametrize("which, bad, message", [
    ("x", np.zeros((3, 4, 5)), r"x must have 2 dimension\(s\) \(B, D\), got shape \(3, 4, 5\)"),
    ("c_prev", np.zeros((2, 6)), r"c_prev has shape \(2, 6\) but x has shape \(3, 5\)"),
    ("b", np.zeros(20), r"b has shape \(20,\) but Wx has shape \(24, 5\)"),
])
def test_step_bad_input_raises_a_clear_error(which, bad, message):
    args = dict(zip(["x", "h_prev", "c_prev", "Wx", "Wh", "b"],
                    step_params(np.random.default_rng(10))))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        lstm_step_forward(**args)


def test_backward_rejects_gradients_of_the_wrong_shape(sequence):
    lstm_forward, lstm_backward = sequence
    rng = np.random.default_rng(11)
    hs, cache = lstm_forward(*params(rng))
    with pytest.raises(ValueError, match=r"dhs has shape \(3, 4\) but hs has shape \(3, 4, 6\)"):
        lstm_backward(np.ones((3, 4)), cache)
    with pytest.raises(ValueError, match=r"dc_T has shape \(3, 5\) but c_T has shape \(3, 6\)"):
        lstm_backward(np.ones_like(hs), cache, dc_T=np.ones((3, 5)))
    h, c, cache = lstm_step_forward(*step_params(rng))
    with pytest.raises(ValueError, match=r"dh has shape \(6,\) but h has shape \(3, 6\)"):
        lstm_step_backward(np.ones(6), np.ones_like(c), cache)
    with pytest.raises(ValueError, match=r"dc has shape \(3, 1\) but c has shape \(3, 6\)"):
        lstm_step_backward(np.ones_like(h), np.ones((3, 1)), cache)
