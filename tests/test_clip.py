"""rnnkit.clip: one global norm over every array, clipping by value, inputs left untouched."""
import numpy as np
import pytest
from conftest import assert_close

from rnnkit.clip import clip_grad_norm, clip_grad_value, global_norm


def grads():
    # norms 5 and 12 separately, 13 together: one global norm, not one per array
    return {"W": np.array([[3.0, 0.0], [0.0, 4.0]]), "b": np.array([12.0])}


def test_global_norm_is_over_all_arrays_together():
    assert global_norm(grads()) == 13.0


def test_clip_grad_norm_rescales_every_array_by_gamma_over_the_norm():
    g = grads()
    clipped, norm = clip_grad_norm(g, 6.5)
    assert norm == 13.0
    assert_close("W", clipped["W"], np.array([[1.5, 0.0], [0.0, 2.0]]), atol=1e-15)
    assert_close("b", clipped["b"], np.array([6.0]), atol=1e-15)
    assert global_norm(clipped) == pytest.approx(6.5, rel=1e-15)


@pytest.mark.parametrize("max_norm", [13.0, 100.0])
def test_clip_grad_norm_at_or_below_the_threshold_changes_nothing(max_norm):
    clipped, norm = clip_grad_norm(grads(), max_norm)
    assert norm == 13.0
    for name, g in grads().items():
        np.testing.assert_array_equal(clipped[name], g)


def test_clipping_returns_new_arrays_and_leaves_the_inputs_alone():
    g = grads()
    for clipped in (clip_grad_norm(g, 1.0)[0], clip_grad_norm(g, 100.0)[0], clip_grad_value(g, 1.0)):
        for name in g:
            assert not np.shares_memory(clipped[name], g[name])
    for name, original in grads().items():
        np.testing.assert_array_equal(g[name], original)


def test_dtype_is_kept_and_float32_squares_do_not_overflow():
    big = {"W": np.full((2, 2), 1e20, dtype=np.float32)}     # 1e40 overflows float32
    clipped, norm = clip_grad_norm(big, 1.0)
    assert norm == pytest.approx(2e20, rel=1e-6)
    assert clipped["W"].dtype == np.float32
    assert_close("W", clipped["W"], np.full((2, 2), 0.5), atol=1e-6)


def test_clip_grad_value_caps_each_entry():
    clipped = clip_grad_value({"a": np.array([-3.0, -0.5, 0.2, 7.0])}, 1.0)
    np.testing.assert_array_equal(clipped["a"], [-1.0, -0.5, 0.2, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: clip_grad_norm(grads(), 0.0), r"max_norm must be a positive finite number, got 0.0"),
    (lambda: clip_grad_norm(grads(), -1), r"max_norm must be a positive finite number, got -1"),
    (lambda: clip_grad_norm(grads(), np.inf), r"max_norm must be a positive finite number"),
    (lambda: clip_grad_norm(grads(), "1"), r"max_norm must be a positive number, got '1'"),
    (lambda: clip_grad_value(grads(), 0), r"limit must be a positive finite number, got 0"),
    (lambda: clip_grad_norm([np.ones(2)], 1.0), r"grads must be a dict of name → array, got list"),
    (lambda: clip_grad_norm({"W": [1.0, 2.0]}, 1.0), r"grads\['W'\] must be a float numpy array"),
    (lambda: clip_grad_norm({"W": np.array([1, 2])}, 1.0), r"grads\['W'\] must be a float numpy array"),
    (lambda: clip_grad_norm({"W": np.array([1.0, np.nan])}, 1.0),
     r"grads\['W'\] \(shape \(2,\)\) contains NaN or inf"),
    (lambda: clip_grad_value({"b": np.array([np.inf])}, 1.0), r"grads\['b'\] .* contains NaN or inf"),
])
def test_bad_arguments_raise_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
