"""rnnkit.rnn: forward against a per-step loop, backward against numerical gradients and
PyTorch's nn.RNN, and clear errors on bad input."""
import numpy as np
import pytest
from conftest import assert_close, both_paths, load_torch_fixture

from rnnkit.gradcheck import check_gradient
from rnnkit.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward


# The sequence functions' plain versions and their fast twins pass the same tests.
sequence = both_paths(rnn_forward, rnn_backward)


def params(rng, B=3, T=4, D=5, H=6, dtype=np.float64):
    return (
        rng.normal(size=(B, T, D)).astype(dtype),
        rng.normal(size=(B, H)).astype(dtype),
        (rng.normal(size=(H, D)) * 0.5).astype(dtype),
        (rng.normal(size=(H, H)) * 0.5).astype(dtype),
        rng.normal(size=H).astype(dtype),
    )


def test_step_forward_is_the_equation():
    x, h0, U, W, b = params(np.random.default_rng(0))
    h, _ = rnn_step_forward(x[:, 0], h0, U, W, b)
    assert_close("h", h, np.tanh(b + h0 @ W.T + x[:, 0] @ U.T), atol=1e-14)


def test_forward_equals_a_loop_of_steps(sequence):
    rnn_forward, rnn_backward = sequence
    x, h0, U, W, b = params(np.random.default_rng(1))
    hs, _ = rnn_forward(x, h0, U, W, b)
    h = h0
    for t in range(x.shape[1]):
        h, _ = rnn_step_forward(x[:, t], h, U, W, b)
        assert_close(f"hs[:, {t}]", hs[:, t], h, atol=1e-14)


def test_step_backward_matches_numerical_gradients():
    rng = np.random.default_rng(2)
    x, h0, U, W, b = params(rng)
    x = x[:, 0].copy()
    dh = rng.normal(size=h0.shape)
    _, cache = rnn_step_forward(x, h0, U, W, b)
    grads = rnn_step_backward(dh, cache)

    def loss():
        return np.sum(rnn_step_forward(x, h0, U, W, b)[0] * dh)

    for name, arr, g in zip(["x", "h_prev", "U", "W", "b"], [x, h0, U, W, b], grads):
        check_gradient(name, g, loss, arr)


def test_backward_matches_numerical_gradients(sequence):
    rnn_forward, rnn_backward = sequence
    rng = np.random.default_rng(3)
    x, h0, U, W, b = params(rng)
    dhs = rng.normal(size=(3, 4, 6))
    _, cache = rnn_forward(x, h0, U, W, b)
    grads = rnn_backward(dhs, cache)

    def loss():
        return np.sum(rnn_forward(x, h0, U, W, b)[0] * dhs)

    for name, arr, g in zip(["x", "h0", "U", "W", "b"], [x, h0, U, W, b], grads):
        check_gradient(name, g, loss, arr)


def test_matches_pytorch_nn_rnn(sequence):
    rnn_forward, rnn_backward = sequence
    f = load_torch_fixture("rnn")
    b = f["bias_ih_l0"] + f["bias_hh_l0"]
    hs, cache = rnn_forward(f["x"], f["h0"][0], f["weight_ih_l0"], f["weight_hh_l0"], b)
    assert_close("hs", hs, f["out"])
    assert_close("h_T", hs[:, -1], f["h_n"][0])
    dx, dh0, dU, dW, db = rnn_backward(f["G"], cache)
    assert_close("dx", dx, f["dx"])
    assert_close("dh0", dh0, f["dh0"][0])
    assert_close("dU", dU, f["dweight_ih_l0"])
    assert_close("dW", dW, f["dweight_hh_l0"])
    # b stands for b_ih + b_hh, so each torch bias receives the same gradient as b.
    assert_close("db", db, f["dbias_ih_l0"])
    assert_close("db", db, f["dbias_hh_l0"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(dtype, sequence):
    rnn_forward, rnn_backward = sequence
    x, h0, U, W, b = params(np.random.default_rng(4), dtype=dtype)
    hs, cache = rnn_forward(x, h0, U, W, b)
    assert hs.dtype == dtype
    assert all(g.dtype == dtype for g in rnn_backward(np.ones_like(hs), cache))
    h, cache = rnn_step_forward(x[:, 0], h0, U, W, b)
    assert h.dtype == dtype
    assert all(g.dtype == dtype for g in rnn_step_backward(np.ones_like(h), cache))


def test_forward_does_not_modify_its_inputs(sequence):
    rnn_forward, rnn_backward = sequence
    args = params(np.random.default_rng(5))
    copies = [a.copy() for a in args]
    hs, cache = rnn_forward(*args)
    rnn_backward(np.ones_like(hs), cache)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("B", [1, 3])
def test_backward_leaves_dhs_and_the_cache_as_they_were(B, sequence):
    rnn_forward, rnn_backward = sequence
    # With B = 1 a time-major view of dhs is already contiguous, so a copy must be explicit.
    rng = np.random.default_rng(8)
    hs, cache = rnn_forward(*params(rng, B=B))
    dhs = rng.normal(size=hs.shape)
    dhs_before = dhs.copy()
    first, second = rnn_backward(dhs, cache), rnn_backward(dhs, cache)
    np.testing.assert_array_equal(dhs, dhs_before)
    for g1, g2 in zip(first, second):
        np.testing.assert_array_equal(g1, g2)


@pytest.mark.parametrize("which, bad, message", [
    ("x", np.zeros((3, 4)), r"x must have 3 dimension\(s\) \(B, T, D\), got shape \(3, 4\)"),
    ("x", np.zeros((3, 4, 7)), r"x has shape \(3, 4, 7\) but U has shape \(6, 5\)"),
    ("h0", np.zeros((2, 6)), r"h0 has shape \(2, 6\) but x has shape \(3, 4, 5\)"),
    ("h0", np.zeros((3, 5)), r"h0 has shape \(3, 5\) but U has shape \(6, 5\)"),
    ("W", np.zeros((6, 5)), r"W has shape \(6, 5\) but U has shape \(6, 5\): they disagree on H"),
    ("b", np.zeros(7), r"b has shape \(7,\) but U has shape \(6, 5\)"),
    ("x", np.full((3, 4, 5), np.nan), r"x \(shape \(3, 4, 5\)\) contains NaN"),
    ("x", np.zeros((3, 4, 5), dtype=int), r"x must be a float array, got dtype int"),
])
def test_bad_input_raises_a_clear_error(which, bad, message, sequence):
    rnn_forward, rnn_backward = sequence
    args = dict(zip(["x", "h0", "U", "W", "b"], params(np.random.default_rng(6))))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        rnn_forward(**args)


def test_backward_rejects_a_gradient_of_the_wrong_shape(sequence):
    rnn_forward, rnn_backward = sequence
    hs, cache = rnn_forward(*params(np.random.default_rng(7)))
    with pytest.raises(ValueError, match=r"dhs has shape \(3, 4\) but hs has shape \(3, 4, 6\)"):
        rnn_backward(np.ones((3, 4)), cache)
    h, cache = rnn_step_forward(*[a[:, 0] if a.ndim == 3 else a for a in params(np.random.default_rng(7))])
    with pytest.raises(ValueError, match=r"dh has shape \(6,\) but h has shape \(3, 6\)"):
        rnn_step_backward(np.ones(6), cache)
