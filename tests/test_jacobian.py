"""rnnkit.jacobian: step Jacobians against numerical Jacobians of one RNN step, products
against the chain of steps, and the norm bound on many random cases."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit.functional import sigmoid
from rnnkit.jacobian import (gamma_h, gamma_w, gradient_bound, jacobian_product, preactivations,
                             product_norms, step_jacobian)
from rnnkit.rnn import rnn_forward, rnn_step_backward, rnn_step_forward

PHI = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": lambda z: np.maximum(z, 0)}


def numerical_jacobian(f, v, eps=1e-6):
    """Textbook layout: entry [i, j] = ∂f_i/∂v_j, by central differences."""
    v = v.astype(np.float64)
    cols = []
    for j in range(v.size):
        e = np.zeros_like(v)
        e[j] = eps
        cols.append((f(v + e) - f(v - e)) / (2 * eps))
    return np.stack(cols, axis=1)


def step_problem(seed, H=5, D=3):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.7, rng.normal(size=H) * 0.3,
            rng.normal(size=D), rng.normal(size=H))


def test_step_jacobian_is_the_transposed_numerical_jacobian_of_rnn_step_forward():
    U, W, b, x, h = step_problem(0)
    z = b + W @ h + U @ x

    def step(h_prev):
        return rnn_step_forward(x[None], h_prev[None], U, W, b)[0][0]

    J = step_jacobian(W, z)
    numeric = numerical_jacobian(step, h)              # [i, j] = ∂h_{k+1,i}/∂h_{k,j}
    assert_close("J", J, numeric.T, atol=1e-9)
    assert_close("J = Wᵀ diag[1 − tanh²(z)]", J, W.T @ np.diag(1 - np.tanh(z) ** 2), atol=1e-15)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_step_jacobian_for_other_activations(activation):
    U, W, b, x, h = step_problem(1)
    z = b + W @ h + U @ x
    assert np.min(np.abs(z)) > 1e-3                    # away from relu's kink
    numeric = numerical_jacobian(lambda hp: PHI[activation](b + W @ hp + U @ x), h)
    assert_close("J", step_jacobian(W, z, activation), numeric.T, atol=1e-9)


def test_a_gradient_column_goes_back_one_step_through_the_jacobian():
    rng = np.random.default_rng(2)
    U, W, b, x, h = step_problem(2)
    h_next, cache = rnn_step_forward(x[None], h[None], U, W, b)
    dh = rng.normal(size=5)
    dh_prev = rnn_step_backward(dh[None], cache)[1][0]
    assert_close("dh_prev", step_jacobian(W, b + W @ h + U @ x) @ dh, dh_prev, atol=1e-14)


def test_preactivations_match_rnn_forward():
    rng = np.random.default_rng(3)
    U, W, b, _, h0 = step_problem(3)
    x = rng.normal(size=(6, 3))
    zs = preactivations(x, h0, U, W, b)
    hs, _ = rnn_forward(x[None], h0[None], U, W, b)
    assert_close("tanh(zs)", np.tanh(zs), hs[0], atol=1e-14)
    hs_relu = np.maximum(preactivations(x, h0, U, W, b, "relu"), 0)
    assert_close("z_1 with relu", preactivations(x, h0, U, W, b, "relu")[1],
                 b + W @ hs_relu[0] + U @ x[1], atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_jacobian_product_is_dhT_dh0_of_the_whole_chain(activation):
    rng = np.random.default_rng(4)
    U, W, b, _, h0 = step_problem(4)
    x = rng.normal(size=(4, 3))
    phi = PHI[activation]

    def run(h):
        for k in range(x.shape[0]):
            h = phi(b + W @ h + U @ x[k])
        return h

    zs = preactivations(x, h0, U, W, b, activation)
    assert np.min(np.abs(zs)) > 1e-3
    assert_close("∂h_4/∂h_0", jacobian_product(W, zs, activation), numerical_jacobian(run, h0).T,
                 atol=1e-8)
    assert_close("empty span", jacobian_product(W, zs[:0]), np.eye(5), atol=0)


def test_product_norms_are_the_norms_of_the_last_d_jacobians():
    rng = np.random.default_rng(5)
    W = rng.normal(size=(4, 4))
    zs = rng.normal(size=(6, 4))
    norms = product_norms(W, zs)
    for d in range(1, 7):
        expected = np.linalg.norm(jacobian_product(W, zs[6 - d:]), 2)
        assert norms[d - 1] == pytest.approx(expected, rel=1e-12)


def test_gammas():
    W = np.diag([3.0, -5.0, 0.5])
    assert gamma_w(W) == pytest.approx(5.0, rel=1e-14)
    assert (gamma_h("tanh"), gamma_h("sigmoid"), gamma_h("relu")) == (1.0, 0.25, 1.0)
    assert gradient_bound(W, "sigmoid", 2) == pytest.approx(1.25 ** 2, rel=1e-14)
    assert gradient_bound(W, "tanh", 1) == pytest.approx(5.0, rel=1e-14)   # one step Jacobian
    assert gradient_bound(W, "tanh", 0) == 1.0                              # ∂h_t/∂h_t = I
    assert type(gradient_bound(W, "relu", np.int64(3))) is float


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_the_bound_holds_on_many_random_cases(activation):
    rng = np.random.default_rng({"tanh": 6, "sigmoid": 7, "relu": 8}[activation])
    for case in range(200):
        H = int(rng.integers(1, 8))
        W = rng.normal(size=(H, H)) * rng.uniform(0.05, 3.0)     # both sides of γ_w γ_h = 1
        zs = rng.normal(size=(int(rng.integers(1, 12)), H)) * rng.uniform(0.1, 4.0)
        for m, norm in enumerate(product_norms(W, zs, activation), start=1):
            # ∂h_s/∂h_t with s − t = m: a product of m step Jacobians, steps = m
            assert norm <= gradient_bound(W, activation, m) * (1 + 1e-12), (case, m)
        J = step_jacobian(W, zs[0], activation)
        assert np.linalg.norm(J, 2) <= gamma_w(W) * gamma_h(activation) * (1 + 1e-12)


def test_the_bound_is_reached_and_the_lectures_exponent_is_one_short_when_it_exceeds_one():
    Q, _ = np.linalg.qr(np.random.default_rng(9).normal(size=(4, 4)))
    W = 1.5 * Q                                        # γ_w = 1.5, every singular value 1.5
    zs = np.ones((5, 4))                               # relu' = 1 everywhere
    norms = product_norms(W, zs, "relu")
    assert_close("‖Π of m Jacobians‖", norms, 1.5 ** np.arange(1, 6), atol=1e-12)
    # the bound with steps = s − t is reached exactly: 1.5^m for m factors
    assert_close("gradient_bound(W, relu, m)", norms,
                 [gradient_bound(W, "relu", m) for m in range(1, 6)], atol=1e-12)
    # the lecture's (γ_w γ_h)^(s−t−1) for the s − t = m factors of Π_{k=t}^{s−1} is 1.5^(m−1) < 1.5^m
    assert norms[2] > gradient_bound(W, "relu", 3 - 1)


@pytest.mark.parametrize("call, message", [
    (lambda: step_jacobian(np.eye(3), np.zeros(4)), r"z has shape \(4,\) but W has shape \(3, 3\)"),
    (lambda: step_jacobian(np.eye(3), np.zeros((2, 3))), r"z must have 1 dimension"),
    (lambda: step_jacobian(np.ones((3, 2)), np.zeros(3)), r"W has shape \(3, 2\)"),
    (lambda: step_jacobian(np.eye(3), np.zeros(3), "gelu"),
     r"activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'gelu'"),
    (lambda: gradient_bound(np.eye(3), "tanh", -1), r"steps must be an integer ≥ 0, got -1"),
    (lambda: gradient_bound(np.eye(3), "tanh", 2.0), r"steps must be an integer ≥ 0, got 2.0"),
    (lambda: gradient_bound(np.eye(3), "tanh", True), r"steps must be an integer ≥ 0, got True"),
    (lambda: gamma_h(["tanh"]), r"activation must be one of"),
    (lambda: product_norms(np.eye(3), np.zeros((5, 2))), r"zs has shape \(5, 2\) but W has shape"),
    (lambda: preactivations(np.zeros((4, 2)), np.zeros(3), np.zeros((3, 3)), np.eye(3), np.zeros(3)),
     r"x has shape \(4, 2\) but U has shape \(3, 3\)"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
