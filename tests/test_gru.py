"""rnnkit.gru: forward against PyTorch's equations and a per-step loop, backward against
numerical gradients and PyTorch's nn.GRU, and clear errors on bad input."""
import numpy as np
import pytest
from conftest import assert_close, both_paths, load_torch_fixture

from rnnkit.functional import sigmoid
from rnnkit.gradcheck import check_gradient
from rnnkit.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward

NAMES = ["x", "h0", "Wx", "Wh", "bx", "bh"]


# The sequence functions' plain versions and their fast twins pass the same tests.
sequence = both_paths(gru_forward, gru_backward)


def params(rng, B=3, T=4, D=5, H=6, dtype=np.float64):
    return (
        rng.normal(size=(B, T, D)).astype(dtype),
        rng.normal(size=(B, H)).astype(dtype),
        (rng.normal(size=(3 * H, D)) * 0.5).astype(dtype),
        (rng.normal(size=(3 * H, H)) * 0.5).astype(dtype),
        rng.normal(size=3 * H).astype(dtype),
        rng.normal(size=3 * H).astype(dtype),
    )


def step_params(rng, **kw):
    x, *rest = params(rng, **kw)
    return (x[:, 0].copy(), *rest)


def test_step_forward_is_the_equation_in_gate_order_r_z_n():
    x, h_prev, Wx, Wh, bx, bh = step_params(np.random.default_rng(0))
    h, _ = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    W_ir, W_iz, W_in = np.split(Wx, 3)
    W_hr, W_hz, W_hn = np.split(Wh, 3)
    b_ir, b_iz, b_in = np.split(bx, 3)
    b_hr, b_hz, b_hn = np.split(bh, 3)
    r = sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    assert_close("h", h, (1 - z) * n + z * h_prev, atol=1e-14)


def test_forward_equals_a_loop_of_steps(sequence):
    gru_forward, gru_backward = sequence
    x, h0, Wx, Wh, bx, bh = params(np.random.default_rng(1))
    hs, cache = gru_forward(x, h0, Wx, Wh, bx, bh)
    h = h0
    for t in range(x.shape[1]):
        h, _ = gru_step_forward(x[:, t], h, Wx, Wh, bx, bh)
        assert_close(f"hs[:, {t}]", hs[:, t], h, atol=1e-14)
    assert_close("cache.h_T", cache.h_T, h, atol=1e-14)


def test_step_backward_matches_numerical_gradients():
    rng = np.random.default_rng(2)
    args = step_params(rng)
    dh = rng.normal(size=(3, 6))
    _, cache = gru_step_forward(*args)
    grads = gru_step_backward(dh, cache)

    def loss():
        return np.sum(gru_step_forward(*args)[0] * dh)

    for name, arr, g in zip(["x", "h_prev", "Wx", "Wh", "bx", "bh"], args, grads):
        check_gradient(name, g, loss, arr)


def test_backward_matches_numerical_gradients(sequence):
    gru_forward, gru_backward = sequence
    rng = np.random.default_rng(3)
    args = params(rng)
    dhs = rng.normal(size=(3, 4, 6))
    _, cache = gru_forward(*args)
    grads = gru_backward(dhs, cache)

    def loss():
        return np.sum(gru_forward(*args)[0] * dhs)

    for name, arr, g in zip(NAMES, args, grads):
        check_gradient(name, g, loss, arr)


def test_matches_pytorch_nn_gru(sequence):
    gru_forward, gru_backward = sequence
    f = load_torch_fixture("gru")
    hs, cache = gru_forward(f["x"], f["h0"][0], f["weight_ih_l0"], f["weight_hh_l0"],
                            f["bias_ih_l0"], f["bias_hh_l0"])
    assert_close("hs", hs, f["out"])
    assert_close("cache.h_T", cache.h_T, f["h_n"][0])
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(f["G"], cache)
    assert_close("dx", dx, f["dx"])
    assert_close("dh0", dh0, f["dh0"][0])
    assert_close("dWx", dWx, f["dweight_ih_l0"])
    assert_close("dWh", dWh, f["dweight_hh_l0"])
    assert_close("dbx", dbx, f["dbias_ih_l0"])
    assert_close("dbh", dbh, f["dbias_hh_l0"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(dtype, sequence):
    gru_forward, gru_backward = sequence
    x, h0, Wx, Wh, bx, bh = params(np.random.default_rng(4), dtype=dtype)
    hs, cache = gru_forward(x, h0, Wx, Wh, bx, bh)
    assert hs.dtype == dtype
    assert [g.dtype for g in gru_backward(np.ones_like(hs), cache)] == [dtype] * 6
    h, cache = gru_step_forward(x[:, 0], h0, Wx, Wh, bx, bh)
    assert h.dtype == dtype
    assert [g.dtype for g in gru_step_backward(np.ones_like(h), cache)] == [dtype] * 6


def test_float32_agrees_with_float64(sequence):
    gru_forward, gru_backward = sequence
    args = params(np.random.default_rng(5))
    hs64, cache64 = gru_forward(*args)
    hs32, cache32 = gru_forward(*[a.astype(np.float32) for a in args])
    assert_close("hs", hs32, hs64, atol=1e-5)
    for name, g32, g64 in zip(NAMES, gru_backward(np.ones_like(hs32), cache32),
                              gru_backward(np.ones_like(hs64), cache64)):
        assert_close("d" + name, g32, g64, atol=1e-4)


@pytest.mark.parametrize("B", [1, 3])   # with B = 1, time-major views are contiguous too
def test_forward_and_backward_do_not_modify_their_inputs(B, sequence):
    gru_forward, gru_backward = sequence
    rng = np.random.default_rng(6)
    args = params(rng, B=B)
    dhs = rng.normal(size=(B, 4, 6))
    copies = [a.copy() for a in (*args, dhs)]
    _, cache = gru_forward(*args)
    gru_backward(dhs, cache)
    _, step_cache = gru_step_forward(args[0][:, 0], *args[1:])
    gru_step_backward(dhs[:, 0], step_cache)
    for a, copy in zip((*args, dhs), copies):
        np.testing.assert_array_equal(a, copy)


@pytest.mark.parametrize("B", [1, 3])
def test_backward_twice_gives_the_same_gradients(B, sequence):
    gru_forward, gru_backward = sequence
    rng = np.random.default_rng(7)
    args = params(rng, B=B)
    dhs = rng.normal(size=(B, 4, 6))
    _, cache = gru_forward(*args)
    for first, second in zip(gru_backward(dhs, cache), gru_backward(dhs, cache)):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("which, bad, message", [
    ("x", np.zeros((3, 4)), r"x must have 3 dimension\(s\) \(B, T, D\), got shape \(3, 4\)"),
    ("x", np.zeros((3, 4, 7)), r"x has shape \(3, 4, 7\) but Wx has shape \(18, 5\)"),
    ("h0", np.zeros((2, 6)), r"h0 has shape \(2, 6\) but x has shape \(3, 4, 5\)"),
    ("h0", np.zeros((3, 5)), r"h0 has shape \(3, 5\) but Wx has shape \(18, 5\)"),
    ("Wx", np.zeros((17, 5)), r"Wx has shape \(17, 5\): 3H must be a multiple of 3"),
    ("Wh", np.zeros((18, 5)), r"Wh has shape \(18, 5\) but Wx has shape \(18, 5\): "
                              r"they disagree on H \(5 vs 6\)"),
    ("bx", np.zeros(15), r"bx has shape \(15,\) but Wx has shape \(18, 5\)"),
    ("bh", np.zeros((18, 1)), r"bh must have 1 dimension\(s\) \(3H\), got shape \(18, 1\)"),
    ("h0", np.full((3, 6), np.inf), r"h0 \(shape \(3, 6\)\) contains NaN or inf"),
    ("Wh", np.zeros((18, 6), dtype=int), r"Wh must be a float array, got dtype int"),
])
def test_bad_input_raises_a_clear_error(which, bad, message, sequence):
    gru_forward, gru_backward = sequence
    args = dict(zip(NAMES, params(np.random.default_rng(8))))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        gru_forward(**args)


@pytest.mark.parametrize("which, bad, message", [
    ("x", np.zeros((3, 4, 5)), r"x must have 2 dimension\(s\) \(B, D\), got shape \(3, 4, 5\)"),
    ("h_prev", np.zeros((2, 6)), r"h_prev has shape \(2, 6\) but x has shape \(3, 5\)"),
    ("bh", np.zeros(12), r"bh has shape \(12,\) but Wx has shape \(18, 5\)"),
])
def test_step_bad_input_raises_a_clear_error(which, bad, message):
    args = dict(zip(["x", "h_prev", "Wx", "Wh", "bx", "bh"], step_params(np.random.default_rng(9))))
    args[which] = bad
    with pytest.raises(ValueError, match=message):
        gru_step_forward(**args)


def test_backward_rejects_gradients_of_the_wrong_shape(sequence):
    gru_forward, gru_backward = sequence
    rng = np.random.default_rng(10)
    _, cache = gru_forward(*params(rng))
    with pytest.raises(ValueError, match=r"dhs has shape \(3, 4\) but hs has shape \(3, 4, 6\)"):
        gru_backward(np.ones((3, 4)), cache)
    _, cache = gru_step_forward(*step_params(rng))
    with pytest.raises(ValueError, match=r"dh has shape \(6,\) but h has shape \(3, 6\)"):
        gru_step_backward(np.ones(6), cache)
