"""rnnkit.bptt: truncated BPTT against full BPTT, a per-step reference written from the
formula, and numerical gradients of the loss with the state cut n steps back."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit.bptt import truncated_rnn_backward
from rnnkit.gradcheck import numerical_gradient, rel_error
from rnnkit.rnn import rnn_backward, rnn_forward

NAMES = ["dx", "dh0", "dU", "dW", "db"]


def problem(seed, B=3, T=7, D=4, H=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, T, D))
    h0 = rng.normal(size=(B, H))
    U = rng.normal(size=(H, D)) * 0.6
    W = rng.normal(size=(H, H)) * 0.6
    b = rng.normal(size=H) * 0.3
    dhs = rng.normal(size=(B, T, H))
    return x, h0, U, W, b, dhs


def per_step_reference(dhs, x, h0, U, W, b, n):
    """For every loss step s, walk back over t = s, s−1, …, s−n one term at a time."""
    hs, _ = rnn_forward(x, h0, U, W, b)
    B, T, H = hs.shape
    h_before = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)   # h_{t−1} for each t
    dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    for s in range(T):
        dh = dhs[:, s]                                  # ∂E_s/∂h_s
        for t in range(s, max(s - n, 0) - 1, -1):
            dz = dh * (1 - hs[:, t] ** 2)               # through diag[tanh'(z_t)]
            dU += dz.T @ x[:, t]
            dW += dz.T @ h_before[:, t]
            db += dz.sum(0)
            dx[:, t] += dz @ U
            if t == 0:
                dh0 += dz @ W
            dh = dz @ W                                 # one more step Jacobian: Wᵀ diag[·]
    return dx, dh0, dU, dW, db


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_matches_the_per_step_reference(n):
    x, h0, U, W, b, dhs = problem(n)
    _, cache = rnn_forward(x, h0, U, W, b)
    got = truncated_rnn_backward(dhs, cache, n)
    for name, g, r in zip(NAMES, got, per_step_reference(dhs, x, h0, U, W, b, n)):
        assert_close(name, g, r, atol=1e-12)


@pytest.mark.parametrize("n", [6, 7, 100])
def test_cutting_nothing_is_exactly_full_bptt(n):
    x, h0, U, W, b, dhs = problem(10)                  # T = 7, so n ≥ 6 cuts nothing
    _, cache = rnn_forward(x, h0, U, W, b)
    for name, g, r in zip(NAMES, truncated_rnn_backward(dhs, cache, n), rnn_backward(dhs, cache)):
        np.testing.assert_array_equal(g, r, err_msg=name)


def test_the_longest_cut_differs_from_full_bptt_only_by_the_oldest_term():
    x, h0, U, W, b, dhs = problem(11)
    _, cache = rnn_forward(x, h0, U, W, b)
    cut = truncated_rnn_backward(dhs, cache, 5)         # T − 2: drops only E_7's path to step 1
    full = rnn_backward(dhs, cache)
    assert rel_error(cut[3], full[3]) > 1e-6
    only_last = np.zeros_like(dhs)
    only_last[:, -1] = dhs[:, -1]
    full_last, cut_last = rnn_backward(only_last, cache), truncated_rnn_backward(only_last, cache, 5)
    for name, c, f, fl, cl in zip(NAMES, cut, full, full_last, cut_last):
        assert_close(name, f - c, fl - cl, atol=1e-12)


@pytest.mark.parametrize("n", [0, 2])
def test_equals_the_gradient_with_the_state_held_fixed_n_steps_back(n):
    """E_s computed from h_{s−n−1} taken as a constant has exactly the truncated gradient."""
    x, h0, U, W, b, dhs = problem(20 + n, B=2, T=5, D=3, H=3)
    hs, cache = rnn_forward(x, h0, U, W, b)
    T = x.shape[1]

    def cut_loss():
        total = 0.0
        for s in range(T):
            start = max(s - n, 0)
            h_start = h0 if start == 0 else hs[:, start - 1]     # a constant: not recomputed
            window, _ = rnn_forward(x[:, start:s + 1], h_start, U, W, b)
            total += np.sum(window[:, -1] * dhs[:, s])
        return total

    got = truncated_rnn_backward(dhs, cache, n)
    for name, g, arr in zip(NAMES, got, [x, h0, U, W, b]):
        assert rel_error(g, numerical_gradient(cut_loss, arr)) < 1e-7, name


@pytest.mark.parametrize("n", [-1, 1.5, True, "2"])
def test_bad_truncation_length_raises(n):
    x, h0, U, W, b, dhs = problem(30)
    _, cache = rnn_forward(x, h0, U, W, b)
    with pytest.raises(ValueError, match=r"n must be an integer ≥ 0, got"):
        truncated_rnn_backward(dhs, cache, n)


def test_gradient_of_the_wrong_shape_raises():
    x, h0, U, W, b, dhs = problem(31)
    _, cache = rnn_forward(x, h0, U, W, b)
    with pytest.raises(ValueError, match=r"dhs has shape \(3, 6, 5\) but hs has shape \(3, 7, 5\)"):
        truncated_rnn_backward(dhs[:, :-1], cache, 2)


def test_float32_in_float32_out():
    x, h0, U, W, b, dhs = (a.astype(np.float32) for a in problem(32))
    _, cache = rnn_forward(x, h0, U, W, b)
    assert all(g.dtype == np.float32 for g in truncated_rnn_backward(dhs, cache, 2))
