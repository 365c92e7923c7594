"""rnnkit.output: the output layer at every step and at the last step, its losses, and their
gradients checked numerically in float64."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit.functional import softmax_cross_entropy
from rnnkit.gradcheck import check_gradient
from rnnkit.output import (last_output_backward, last_output_forward, mean_squared_error,
                           output_backward, output_forward, output_loss)


def problem(seed, B=3, T=4, H=5, O=6):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(B, T, H)), rng.normal(size=(O, H)), rng.normal(size=O), rng


def test_forward_is_the_equation_at_every_step_and_at_the_last():
    hs, V, b_o, _ = problem(0)
    scores, _ = output_forward(hs, V, b_o)
    for t in range(4):
        assert_close(f"o_{t}", scores[:, t], (b_o[:, None] + V @ hs[:, t].T).T, atol=1e-14)
    last, _ = last_output_forward(hs, V, b_o)
    assert_close("o_T", last, scores[:, -1], atol=1e-14)


@pytest.mark.parametrize("last", [False, True])
def test_backward_matches_numerical_gradients(last):
    hs, V, b_o, rng = problem(1)
    forward, backward = ((last_output_forward, last_output_backward) if last
                         else (output_forward, output_backward))
    scores, cache = forward(hs, V, b_o)
    G = rng.normal(size=scores.shape)
    grads = backward(G, cache)
    for name, arr, g in zip(["hs", "V", "b_o"], [hs, V, b_o], grads):
        check_gradient(name, g, lambda: np.sum(forward(hs, V, b_o)[0] * G), arr)
    if last:
        assert not grads[0][:, :-1].any()


@pytest.mark.parametrize("targets_shape", [(3, 4), (3,)])
def test_output_loss_is_the_cross_entropy_of_the_scores_with_its_gradients(targets_shape):
    hs, V, b_o, rng = problem(2)
    targets = rng.integers(0, 6, size=targets_shape)
    forward = output_forward if len(targets_shape) == 2 else last_output_forward
    loss, dhs, dV, db_o = output_loss(hs, V, b_o, targets)
    assert loss == softmax_cross_entropy(forward(hs, V, b_o)[0], targets)[0]

    def f():
        return softmax_cross_entropy(forward(hs, V, b_o)[0], targets)[0]

    for name, arr, g in zip(["hs", "V", "b_o"], [hs, V, b_o], [dhs, dV, db_o]):
        check_gradient(name, g, f, arr)


def test_mean_squared_error_and_its_gradient():
    rng = np.random.default_rng(3)
    o, y = rng.normal(size=(4, 3, 1)), rng.normal(size=(4, 3, 1))
    loss, do = mean_squared_error(o, y)
    assert loss == pytest.approx(np.mean((o - y) ** 2), rel=1e-15)
    check_gradient("o", do, lambda: mean_squared_error(o, y)[0], o)


def test_float32_in_float32_out():
    hs, V, b_o, _ = (a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in problem(4))
    scores, cache = output_forward(hs, V, b_o)
    assert scores.dtype == np.float32
    assert all(g.dtype == np.float32 for g in output_backward(np.ones_like(scores), cache))
    last, cache = last_output_forward(hs, V, b_o)
    assert all(g.dtype == np.float32 for g in last_output_backward(np.ones_like(last), cache))


@pytest.mark.parametrize("call, message", [
    (lambda hs, V, b: output_forward(hs, V[:, :4], b),
     r"hs has shape \(3, 4, 5\) but V has shape \(6, 4\)"),
    (lambda hs, V, b: output_forward(hs[0], V, b), r"hs must have 3 dimension\(s\) \(B, T, H\)"),
    (lambda hs, V, b: last_output_forward(hs, V, b[:5]),
     r"b_o has shape \(5,\) but V has shape \(6, 5\)"),
    (lambda hs, V, b: output_backward(np.ones((3, 4, 5)), output_forward(hs, V, b)[1]),
     r"dscores has shape \(3, 4, 5\) but scores has shape \(3, 4, 6\)"),
    (lambda hs, V, b: last_output_backward(np.ones((3, 4, 6)), last_output_forward(hs, V, b)[1]),
     r"dscores has shape \(3, 4, 6\) but scores has shape \(3, 6\)"),
    (lambda hs, V, b: output_loss(hs, V, b, np.zeros((4, 3), dtype=int)),
     r"targets has shape \(4, 3\) but hs has shape \(3, 4, 5\): targets must be \(B, T\)"),
    (lambda hs, V, b: mean_squared_error(np.zeros((2, 1)), np.zeros(2)),
     r"targets has shape \(2,\) but predictions has shape \(2, 1\)"),
    (lambda hs, V, b: mean_squared_error(np.zeros(2), np.array([0.0, np.nan])),
     r"targets \(shape \(2,\)\) contains NaN"),
])
def test_bad_input_raises_a_clear_error(call, message):
    hs, V, b_o, _ = problem(5)
    with pytest.raises(ValueError, match=message):
        call(hs, V, b_o)
