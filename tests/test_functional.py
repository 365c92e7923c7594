"""rnnkit.functional: activations, derivatives, softmax, one-hot and the loss."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit import functional as F
from rnnkit.gradcheck import check_gradient, numerical_gradient


def test_sigmoid_is_stable_at_the_extremes():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = F.sigmoid(z)
    # relative accuracy in the tails, where 1 / (1 + e^40) is about 4e-18
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(40.0)), 0.5, 1 / (1 + np.exp(-40.0)), 1.0],
                               rtol=1e-14, atol=0)
    assert F.sigmoid(np.float32(3)).dtype == np.float32


@pytest.mark.parametrize("f, df", [(F.sigmoid, F.dsigmoid), (F.tanh, F.dtanh), (F.relu, F.drelu)])
def test_derivatives_in_terms_of_the_output_match_finite_differences(f, df):
    z = np.array([-2.0, -0.5, 0.3, 1.7])          # away from relu's kink at 0
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    assert_close("derivative", df(f(z)), numeric, atol=1e-8)


def test_softmax_sums_to_one_and_survives_large_scores():
    z = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    p = F.softmax(z)
    assert_close("row sums", p.sum(-1), np.ones(2), atol=1e-15)
    assert_close("shifted row", p[0], F.softmax(np.array([0.0, 1.0, 2.0])), atol=1e-15)
    assert_close("axis=0", F.softmax(z, axis=0).sum(0), np.ones(3), atol=1e-15)


def test_one_hot():
    v = F.one_hot(np.array([[0, 3], [2, 1]]), 4)
    assert v.shape == (2, 2, 4) and v.dtype == np.float64
    assert_close("one_hot", v.argmax(-1), [[0, 3], [2, 1]], atol=0)
    assert_close("ones per vector", v.sum(-1), np.ones((2, 2)), atol=0)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 4\), got values from 0 to 4"):
        F.one_hot(np.array([0, 4]), 4)
    with pytest.raises(ValueError, match="indices must be integers"):
        F.one_hot(np.array([0.0, 1.0]), 4)


def test_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(3, 4, 5))
    targets = rng.integers(0, 5, size=(3, 4))
    loss, dscores = F.softmax_cross_entropy(scores, targets)
    p = F.softmax(scores)
    expected = -np.mean(np.log(np.take_along_axis(p, targets[..., None], -1)))
    assert abs(loss - expected) < 1e-12
    check_gradient("scores", dscores, lambda: F.softmax_cross_entropy(scores, targets)[0], scores)


def test_cross_entropy_of_a_confident_right_answer_is_near_zero():
    loss, _ = F.softmax_cross_entropy(np.array([[800.0, 0.0]]), np.array([0]))
    assert 0 <= loss < 1e-300


def test_cross_entropy_rejects_mismatched_targets():
    with pytest.raises(ValueError, match=r"targets has shape \(3,\) but scores has shape \(2, 5\)"):
        F.softmax_cross_entropy(np.zeros((2, 5)), np.zeros(3, dtype=int))


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    g = numerical_gradient(lambda: np.sum(x ** 3), x)
    assert_close("d(x³)", g, 3 * x ** 2, atol=1e-8)
    assert_close("x restored", x, [1.0, -2.0, 0.5], atol=0)


def test_check_gradient_says_where_a_wrong_gradient_is_wrong():
    x = np.array([1.0, 2.0, 3.0])
    wrong = 2 * x
    wrong[1] += 1.0
    with pytest.raises(AssertionError, match=r"gradient of x is off.*x\[1\]: analytic 5, numerical 4"):
        check_gradient("x", wrong, lambda: np.sum(x ** 2), x)
