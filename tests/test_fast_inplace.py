"""rnnkit.fast.inplace: the in-place activations agree with rnnkit.functional and never warn."""
import warnings

import numpy as np

from rnnkit.fast.inplace import sigmoid_
from rnnkit.functional import sigmoid


def test_sigmoid_in_place_equals_sigmoid_and_writes_into_a_view():
    z = np.concatenate([np.linspace(-40, 40, 801), [-1e308, -745.0, 745.0, 1e308]])
    a = np.stack([z, z])
    with warnings.catch_warnings():
        warnings.simplefilter("error")    # an overflow warning would fail the book build
        out = sigmoid_(a[0])
    assert out.base is a                  # the view itself was overwritten
    np.testing.assert_allclose(a[0], sigmoid(z), rtol=0, atol=2e-16)
    np.testing.assert_array_equal(a[1], z)


def test_sigmoid_in_place_keeps_float32():
    a = np.linspace(-5, 5, 11, dtype=np.float32)
    assert sigmoid_(a).dtype == np.float32
    np.testing.assert_allclose(a, sigmoid(np.linspace(-5, 5, 11)), atol=1e-7)
