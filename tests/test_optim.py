"""rnnkit.optim: two steps of each optimizer against updates worked out by hand."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit.optim import SGD, Adagrad, Adam


def start():
    return {"w": np.array([1.0, -2.0]), "b": np.array([[0.5]])}


G1 = {"w": np.array([0.5, -1.0]), "b": np.array([[2.0]])}
G2 = {"w": np.array([1.0, 0.0]), "b": np.array([[-2.0]])}


def two_steps(opt):
    params = start()
    w, b = params["w"], params["b"]
    opt.step(params, G1)
    after_one = {k: v.copy() for k, v in params.items()}
    opt.step(params, G2)
    assert params["w"] is w and params["b"] is b       # updated in place
    return after_one, params


def test_sgd():
    one, two = two_steps(SGD(lr=0.1))
    assert_close("w1", one["w"], [1.0 - 0.05, -2.0 + 0.1], atol=1e-15)
    assert_close("w2", two["w"], [0.95 - 0.1, -1.9], atol=1e-15)
    assert_close("b2", two["b"], [[0.5 - 0.2 + 0.2]], atol=1e-15)


def test_sgd_with_momentum():
    one, two = two_steps(SGD(lr=0.1, momentum=0.9))
    # v1 = g1, v2 = 0.9 g1 + g2
    assert_close("w1", one["w"], [0.95, -1.9], atol=1e-15)
    assert_close("w2", two["w"], [0.95 - 0.1 * (0.45 + 1.0), -1.9 - 0.1 * (-0.9)], atol=1e-15)
    assert_close("b2", two["b"], [[0.3 - 0.1 * (1.8 - 2.0)]], atol=1e-15)


def test_adagrad():
    eps = 1e-8
    one, two = two_steps(Adagrad(lr=0.5, eps=eps))
    # first step: G = g², so each entry moves by lr·g/(|g| + ε), about lr·sign(g)
    assert_close("w1", one["w"], [1.0 - 0.25 / (0.5 + eps), -2.0 + 0.5 / (1.0 + eps)], atol=1e-15)
    # second: G = g1² + g2²; w[0] moves by −0.5·1/√1.25, w[1] not at all (g = 0), b by +0.5·2/√8
    assert_close("w2", two["w"], [one["w"][0] - 0.5 / (np.sqrt(1.25) + eps), one["w"][1]], atol=1e-15)
    assert_close("b2", two["b"], [[one["b"][0, 0] + 1.0 / (np.sqrt(8.0) + eps)]], atol=1e-15)
    assert_close("b1", one["b"], [[0.5 - 1.0 / (2.0 + eps)]], atol=1e-15)


def test_adam():
    eps = 1e-8
    one, two = two_steps(Adam(lr=0.1, betas=(0.9, 0.99), eps=eps))
    # step 1: m̂ = g, v̂ = g², so each entry moves by lr·g/(|g| + ε), about lr·sign(g)
    assert_close("w1", one["w"], [1.0 - 0.05 / (0.5 + eps), -2.0 + 0.1 / (1.0 + eps)], atol=1e-15)
    # step 2 for w[0]: m = 0.9·0.05 + 0.1·1 = 0.145, v = 0.99·0.0025 + 0.01·1 = 0.012475
    m_hat, v_hat = 0.145 / (1 - 0.9 ** 2), 0.012475 / (1 - 0.99 ** 2)
    assert_close("w2[0]", two["w"][0], one["w"][0] - 0.1 * m_hat / (np.sqrt(v_hat) + eps), atol=1e-15)
    # w[1]: g2 = 0, so m = 0.9·(0.1·(−1)) = −0.09, v = 0.99·0.01·1 = 0.0099
    m_hat, v_hat = -0.09 / (1 - 0.9 ** 2), 0.0099 / (1 - 0.99 ** 2)
    assert_close("w2[1]", two["w"][1], one["w"][1] - 0.1 * m_hat / (np.sqrt(v_hat) + eps), atol=1e-15)


def test_float32_parameters_stay_float32():
    params = {"w": np.ones(3, dtype=np.float32)}
    for opt in (SGD(0.1, momentum=0.5), Adagrad(0.1), Adam(0.1)):
        opt.step(params, {"w": np.ones(3)})
        assert params["w"].dtype == np.float32


def test_grads_are_not_modified():
    g = {k: v.copy() for k, v in G1.items()}
    for opt in (SGD(0.1, momentum=0.9), Adagrad(0.1), Adam(0.1)):
        for _ in range(2):
            opt.step(start(), g)
    for k in G1:
        np.testing.assert_array_equal(g[k], G1[k])


@pytest.mark.parametrize("call, message", [
    (lambda: SGD(lr=0), r"lr must be a positive finite number, got 0"),
    (lambda: SGD(lr=0.1, momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
    (lambda: Adam(betas=(0.9,)), r"betas must be two numbers in \[0, 1\)"),
    (lambda: Adagrad(eps=-1.0), r"eps must be a positive finite number"),
    (lambda: SGD(0.1).step(start(), {"w": G1["w"]}),
     r"params and grads must have the same names: params has \['b', 'w'\], grads has \['w'\]"),
    (lambda: SGD(0.1).step(start(), {"w": np.zeros(3), "b": G1["b"]}),
     r"grads\['w'\] has shape \(3,\) but params\['w'\] has shape \(2,\)"),
    (lambda: SGD(0.1).step({"w": [1.0]}, {"w": np.zeros(1)}), r"params\['w'\] must be a float numpy"),
    (lambda: SGD(0.1).step(start(), {"w": np.array([np.nan, 0]), "b": G1["b"]}),
     r"grads\['w'\] \(shape \(2,\)\) contains NaN"),
])
def test_bad_arguments_raise_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_state_of_the_wrong_shape_is_reported():
    opt = Adam(0.1)
    opt.step({"w": np.zeros(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"params\['w'\] has shape \(3,\) but this optimizer's state"):
        opt.step({"w": np.zeros(3)}, {"w": np.ones(3)})
